"""Whole columns and rows (``A:B``, ``1:3``) bounded by the cells in use, in the engine's copy.

IronCalc 0.9.1 walks every one of a column's 1,048,576 rows: 300 ``VLOOKUP(x,A:B,2,0)`` over a
5,000-row table take 41 s. In the engine's copy such a reference is written as the range of the
rows (or columns) in use in the workbook plus one blank row (column) past them: ``A:B`` ->
``A$1:B$5002`` when no sheet holds a cell below row 5,001. Only where the result cannot change:

* every non-empty cell of the column stays inside the range (the extent is the last row, and
  the last column, holding a cell on any sheet, and the bottom of every array formula);
* a function is given the bounded range only where the blank cells past the range cannot
  change its result: the sums and counts of what is there (SUM, COUNT, COUNTA, AVERAGE, MAX,
  MIN, MEDIAN, PRODUCT, SUMPRODUCT, LARGE, SMALL), SUMIF and SUMIFS whatever their criteria
  (a blank adds nothing), COUNTIF, COUNTIFS, AVERAGEIF(S), MAXIFS and MINIFS when every
  criteria is written out and matches no blank cell (not ``""``, ``"="``, ``"<>x"``; a
  criteria read from a cell may be any of these), exact-match lookups (VLOOKUP and HLOOKUP with
  ``FALSE`` or ``0``, MATCH with ``0``, XLOOKUP and XMATCH with the default match and search
  from the first), and INDEX given the row an exact MATCH found. The blank row (column) kept
  past the cells in use is the first blank cell an exact lookup of a blank can find, as in the
  whole column;
* anything else keeps the whole column or row, so that the engine works it out as before
  (slowly): COUNTBLANK, ROWS and COLUMNS, OFFSET, LOOKUP and every approximate match, INDEX
  given any other row, criteria read from cells, and a whole column in an expression
  (``SUMPRODUCT((A:A="x")*1)`` counts blank cells) or standing alone (``=A:A``);
* a formula keeps all its whole columns and rows when any one of them must stay, so that ranges
  that go together keep the same shape;
* defined names, references to other workbooks, and the PRODUCTIVE_* arguments evaluated on
  the scratch sheet keep theirs;
* a cell filled after loading beyond the range (a formula spilling below the last row) would
  be missed: :func:`evaluation.evaluate` checks the engine's extent once evaluated, and keeps
  the bounded formulas' stored values when any sheet reaches past the range.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from productive_xl.headless.formula_calls import (
    CRITERIA_FUNCTIONS,
    Call,
    all_calls,
    criteria_pairs,
    range_positions,
)
from productive_xl.headless.formula_text import (
    REFERENCE,
    SHEET,
    function_name,
    is_external,
    plain_reference,
    scan,
    string_value,
)
from productive_xl.headless.references import MAX_COLUMN, MAX_ROW
from productive_xl.ooxml.cell_values import column_letters

# A whole column or row given as an argument: after "(", "," or a sheet's "!", before "," or ")".
# Searched from the ":" (a search starting with a plain character is many times faster over a
# large part), then checked back from it.
_COLUMN_END = re.compile(rb":\$?[A-Za-z]{1,3}[,)]")
_COLUMN_START = re.compile(rb"[(,!]\$?[A-Za-z]{1,3}")
_ROW_END = re.compile(rb":\$?\d+[,)]")
_ROW_START_OF_RANGE = re.compile(rb"[(,!]\$?\d+")
_WHOLE_COLUMNS = re.compile(r"(\$?)([A-Za-z]{1,3}):(\$?)([A-Za-z]{1,3})$")
_WHOLE_ROWS = re.compile(r"(\$?)(\d+):(\$?)(\d+)$")
# [^<>] in start tags, not [^>]: a match cannot run on past the next tag (from each of
# thousands of "<row " in a comment to its end)
_ROW_NUMBER = re.compile(rb"<row\b[^<>]*?\sr=\"(\d+)\"")
_ROW_NUMBER_FIRST = re.compile(rb'<row r="(\d+)"')  # as Excel and libraries write rows
_ROW_START = re.compile(rb"<row\b")
_CELL_COLUMN = re.compile(rb"<c\b[^<>]*?\sr=\"([A-Z]{1,3})\d")
_ARRAY_BOTTOM = re.compile(
    rb"<f\b[^<>]*?\bt=\"array\"[^<>]*?\bref=\"[A-Z]{1,3}\d+:([A-Z]{1,3})(\d+)\""
)

# the functions whose result the blank cells past the range cannot change, at any argument
_ANY_ARGUMENT = frozenset(
    {"SUM", "COUNT", "COUNTA", "AVERAGE", "MAX", "MIN", "MEDIAN", "PRODUCT", "SUMPRODUCT"}
)
_FIRST_ARGUMENT = frozenset({"LARGE", "SMALL"})
_SUMS = frozenset({"SUMIF", "SUMIFS"})
_EXACT_LOOKUPS = {"VLOOKUP": (3, ("FALSE", "0")), "HLOOKUP": (3, ("FALSE", "0"))}


class Extent(NamedTuple):
    """The last row and column a bounded whole column or row reaches (one past those used)."""

    rows: int
    columns: int


def _holds(part: bytes, end: re.Pattern[bytes], start: re.Pattern[bytes], width: int) -> bool:
    for found in end.finditer(part):
        colon = found.start()
        begin = max(0, colon - width)
        if any(match.end() == colon for match in start.finditer(part, begin, colon)):
            return True
    return False


def holds_whole_columns(part: bytes) -> bool:
    """Whether a worksheet part may hold a whole column given as an argument."""
    return _holds(part, _COLUMN_END, _COLUMN_START, 5)


def holds_whole_rows(part: bytes) -> bool:
    """Whether a worksheet part may hold a whole row given as an argument."""
    return _holds(part, _ROW_END, _ROW_START_OF_RANGE, 9)


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def used_extent(parts: Iterable[bytes], *, rows_too: bool) -> Extent | None:
    """One row and one column past the cells in use in every worksheet part; None when a part
    does not number its rows (the extent is then not known). Columns are read only when
    ``rows_too`` (a whole row is bounded), the cells' addresses being costlier to read; else
    the extent's columns are all of them, and no whole row is bounded."""
    last_row = last_column = 1
    for part in parts:
        rows = part.count(b"<row ")
        numbers = _ROW_NUMBER_FIRST.findall(part) if rows else []
        if len(numbers) != rows or not rows:
            numbers = _ROW_NUMBER.findall(part)
            if len(numbers) != len(_ROW_START.findall(part)):
                return None
        if numbers:
            last_row = max(last_row, *map(int, numbers))
        if b't="array"' in part:
            for letters, bottom in _ARRAY_BOTTOM.findall(part):
                last_row = max(last_row, int(bottom))
                last_column = max(last_column, _column_number(letters))
        if rows_too:
            for letters in set(_CELL_COLUMN.findall(part)):
                last_column = max(last_column, _column_number(letters))
    columns = min(last_column + 1, MAX_COLUMN) if rows_too else MAX_COLUMN
    return Extent(min(last_row + 1, MAX_ROW), columns)


def _bounded_text(reference: str, extent: Extent) -> str | None:
    columns = _WHOLE_COLUMNS.match(reference)
    if columns:
        if extent.rows >= MAX_ROW:
            return None
        left_mark, left, right_mark, right = columns.groups()
        return f"{left_mark}{left}$1:{right_mark}{right}${extent.rows}"
    rows = _WHOLE_ROWS.match(reference)
    if rows:
        if extent.columns >= MAX_COLUMN:
            return None
        top_mark, top, bottom_mark, bottom = rows.groups()
        return f"$A{top_mark}{top}:${column_letters(extent.columns)}{bottom_mark}{bottom}"
    return None


def _blank_free_criteria(text: str | None) -> bool:
    """Whether a criteria written out in the formula matches no blank cell."""
    if text is None:
        return False
    if re.fullmatch(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", text):
        return True  # a number
    criteria = string_value(text)
    if criteria is None:
        return False  # a cell, a name or an expression: it may be "" or "<>x"
    operator = re.match(r"<>|<=|>=|[=<>]", criteria)
    written = operator.group(0) if operator else ""
    operand = criteria[len(written) :]
    if written == "<>":
        return operand == ""  # "<>" counts what is not blank; "<>x" counts blanks too
    return operand != ""  # "", "=" match blanks; "x", ">1" do not


def _keeps_meaning(call: Call, position: int, formula: str) -> bool:
    """Whether the call's result stays the same when the whole column or row at ``position``
    is cut short past the cells in use."""
    name = call.name
    argument = call.argument
    if name in _ANY_ARGUMENT:
        return True
    if name in _FIRST_ARGUMENT:
        return position == 0
    if name in _SUMS:  # a blank cell past the range adds nothing, whatever the criteria
        return position in range_positions(call)
    if name in CRITERIA_FUNCTIONS:
        return position in range_positions(call) and all(
            _blank_free_criteria(argument(formula, c)) for _, c in criteria_pairs(call)
        )
    if name in _EXACT_LOOKUPS:
        at, exact = _EXACT_LOOKUPS[name]
        return position == 1 and (argument(formula, at) or "").upper() in exact
    if name == "MATCH":
        return position == 1 and (argument(formula, 2) or "").upper() in ("0", "FALSE")
    if name in ("XMATCH", "XLOOKUP"):
        ranges, match_mode = ((1,), 2) if name == "XMATCH" else ((1, 2), 4)
        return (
            position in ranges
            and argument(formula, match_mode) in (None, "", "0")  # exact
            and argument(formula, match_mode + 1) in (None, "", "1")  # from the first
        )
    if name == "INDEX":
        row = argument(formula, 1) or ""
        return position == 0 and _is_exact_match(row)
    return False


def _is_exact_match(text: str) -> bool:
    """Whether ``text`` is one exact MATCH call and nothing more: the row it gives is that of a
    cell holding the value, or the first blank one, inside the bounded range."""
    tokens = [t for t in scan(text) if t.kind != "whitespace"]
    if not tokens or function_name(tokens[0].text) != "MATCH" or tokens[0].kind != "function":
        return False
    found = [c for c in all_calls(text) if c.name == "MATCH"]
    outer = found[0] if found else None
    if outer is None or outer.arguments[-1][1] != tokens[-1].start:
        return False  # more follows the MATCH call than its closing parenthesis
    return (outer.argument(text, 2) or "").upper() in ("0", "FALSE")


def bounded_formula(formula: str, extent: Extent) -> str:
    """``formula`` with its whole columns and rows bounded by ``extent`` where that keeps every
    result; as it is when any of them must stay whole."""
    tokens = scan(formula)
    whole = [
        (index, token)
        for index, token in enumerate(tokens)
        if token.kind == REFERENCE and ":" in token.text and _bounded_text(token.text, extent)
    ]
    if not whole:
        return formula
    every_call = all_calls(formula)
    edits: list[tuple[int, int, str]] = []
    for index, token in whole:
        start = token.start
        if index > 0 and tokens[index - 1].kind == SHEET:
            if is_external(tokens[index - 1]):
                return formula
            start = tokens[index - 1].start
        # the innermost call with an argument that is this reference and nothing else
        owner = None
        for call in every_call:
            for position, (begin, end) in enumerate(call.arguments):
                if begin <= start and token.end <= end:
                    text = formula[begin:end]
                    if plain_reference(text) is not None:
                        owner = (call, position)
        if owner is None or not _keeps_meaning(*owner, formula):
            return formula
        edits.append((token.start, token.end, _bounded_text(token.text, extent) or token.text))
    for begin, end, text in sorted(edits, reverse=True):
        formula = formula[:begin] + text + formula[end:]
    return formula
