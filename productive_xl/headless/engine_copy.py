"""The copy of a workbook that the formula engine loads: the user's file is never changed for it.

IronCalc 0.9.1 reads most workbooks as they are, with a few exceptions that a copy can smooth
over without changing what any formula means:

* it cannot follow absolute relationship targets (``Target="/xl/comments/comment1.xml"``, as
  openpyxl writes them), so every internal target is made relative;
* it does not know the ``@`` shorthand of structured references (``tblStock[@Qty]``) nor a
  reference with no table name (``SUBTOTAL(109,[Qty])`` in a totals row, as Excel writes it), so
  both are written out in full (``tblStock[[#This Row],[Qty]]``, ``tblStock[Qty]``);
* it gives #VALUE! for COUNTIF, COUNTIFS or SUMIFS over a column of a table that has a single
  body row (``COUNTIFS(tblFindings[Check],"x")``), where Excel counts that one cell: such a
  column is written as the range it stands for (``'Checks'!$D$4:$D$4``); so is a single cell
  given as one of their ranges (``COUNTIF(A2,"x")`` -> ``COUNTIF(A2:A2,"x")``);
* it adds up (or averages) the range a SUMIF or AVERAGEIF is given as it is, where Excel reads
  the range of that shape from its top left cell: ``SUMIF(A1:A3,"x",B1)`` adds up ``B1:B3``, so
  the range is written out in that shape;
* it reads an empty cell that declares a number type (``<c r="A1" s="1" t="n"/>``, as openpyxl
  writes a styled empty cell) as 0, so ``A1=""`` and ``ISBLANK(A1)`` come out FALSE where Excel
  says TRUE: such a cell loses its type, as Excel writes it.

And formulas filled down a column are shared, as Excel would write them, which the engine
parses once rather than once a cell (:mod:`shared_formulas`).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from productive_xl.headless.engine_copy_fixes import (
    is_strict,
    strict_to_transitional,
    with_cell_styles,
    with_sheet_parts,
    without_data_tables,
)
from productive_xl.headless.formula_calls import (
    CRITERIA_FUNCTIONS,
    RESIZED_RANGE_FUNCTIONS,
    calls,
    range_positions,
)
from productive_xl.headless.formula_text import (
    STRUCTURED,
    is_external,
    plain_reference,
    scan,
    structured_parts,
)
from productive_xl.headless.references import MAX_ROW, parse_area
from productive_xl.headless.shared_formulas import share_filled_formulas
from productive_xl.headless.whole_references import (
    Extent,
    bounded_formula,
    holds_whole_columns,
    holds_whole_rows,
    used_extent,
)
from productive_xl.ooxml.cell_values import column_letters
from productive_xl.ooxml.package import WorkbookPackage
from productive_xl.ooxml.parts import PackageEdit, UneditablePart
from productive_xl.ooxml.sheet_values import rewrite_formulas
from productive_xl.ooxml.workbook import Table, WorkbookInfo

_TARGET = re.compile(rb"""(\sTarget\s*=\s*)(["'])(/[^"']*)\2""")


def _relative(owner_rels: str) -> Callable[[re.Match[bytes]], bytes]:
    # A .rels part describes the part in the folder above its _rels folder.
    base = posixpath.dirname(posixpath.dirname(owner_rels))

    def rewrite(match: re.Match[bytes]) -> bytes:
        target = match.group(3).decode()
        relative = posixpath.relpath(target.lstrip("/"), base or ".")
        return match.group(1) + match.group(2) + relative.encode() + match.group(2)

    return rewrite


def _spelled_out(inner: str) -> str:
    """``@Qty`` -> ``[#This Row],[Qty]``: the form IronCalc reads; other forms as they are."""
    if not inner.startswith("@"):
        return inner
    rest = inner[1:]
    if not rest:
        return "[#This Row]"
    return "[#This Row]," + (rest if rest.startswith("[") else f"[{rest}]")


def _one_row_column(table: Table, inner: str) -> str | None:
    """The A1 range of the column ``inner`` names (``Qty`` or ``[Qty]``), when ``table`` has a
    single body row; None for any other reference or table."""
    column = inner[1:-1] if inner.startswith("[") and inner.endswith("]") else inner
    if any(c in column for c in "[]#,:'@") or column not in table.columns:
        return None
    top, left, bottom, _ = table.bounds
    first = top + table.header_rows
    if bottom - table.totals_rows != first:
        return None
    letters = column_letters(left + table.columns.index(column))
    sheet = table.sheet.replace("'", "''")
    return f"'{sheet}'!${letters}${first}:${letters}${first}"


def qualify_table_references(
    formula: str, table: Table | None, tables: Sequence[Table] = ()
) -> str:
    """``formula`` with structured references in the full form, named after their table.

    ``table`` is the table the formula's cell stands in, which an unnamed reference refers to;
    ``tables`` are the workbook's tables, for a column of a one-row table to be written as its
    range.
    """
    by_name = {t.name.casefold(): t for t in tables}
    pieces = []
    for token in scan(formula):
        if token.kind != STRUCTURED or is_external(token):
            pieces.append(token.text)
            continue
        named, inner = structured_parts(token)
        name = named or (table.name if table else None)
        if name is None:
            pieces.append(token.text)
            continue
        found = by_name.get(name.casefold())
        cells = _one_row_column(found, inner) if found is not None else None
        pieces.append(cells if cells is not None else f"{name}[{_spelled_out(inner)}]")
    return "".join(pieces)


_CRITERIA_NAME = re.compile(
    "|".join(sorted(CRITERIA_FUNCTIONS, key=len, reverse=True)), re.IGNORECASE
)
# The names that the others begin with (COUNTIF for COUNTIFS): a part holding none of them
# holds no criteria function. Plain searches of the part in capitals, as a regular expression
# of alternatives ignoring case costs tens of milliseconds over a large sheet.
_CRITERIA_STEMS = tuple(
    name.encode()
    for name in CRITERIA_FUNCTIONS
    if not any(name != other and name.startswith(other) for other in CRITERIA_FUNCTIONS)
)


def _may_hold_criteria_functions(part: bytes) -> bool:
    capitals = part.upper()
    return any(stem in capitals for stem in _CRITERIA_STEMS)


def _as_range(argument: str) -> str:
    """``A2`` -> ``A2:A2`` (sheet name kept, in front only); any other argument as it is."""
    reference = plain_reference(argument)
    if reference is None or ":" in reference[1].text or reference[1].text.endswith("#"):
        return argument
    return f"{argument}:{reference[1].text}"


def _shaped_like(criteria: str, cells: str) -> str:
    """``cells`` (an A1 range) given the shape of the range ``criteria`` from its top left cell,
    as Excel reads the range a SUMIF adds up; as it is when either is not a plain range."""
    wanted, given = parse_area(criteria, ""), parse_area(cells, "")
    written = plain_reference(cells)
    if wanted is None or given is None or written is None or written[1].text[-1] == "#":
        return cells
    rows, columns = wanted.bottom - wanted.top, wanted.right - wanted.left
    if (given.bottom - given.top, given.right - given.left) == (rows, columns):
        return cells
    first = written[1].text.partition(":")[0]
    top_left = parse_area(first, "")
    if (
        top_left is None
        or top_left.bottom == MAX_ROW
        or (top_left.top, top_left.left)
        != (
            given.top,
            given.left,
        )
    ):
        return cells  # written bottom first (or whole columns): left for the trust checks
    bottom, right = given.top + rows, given.left + columns
    if bottom > MAX_ROW:
        return cells
    column_mark = "$" if first.startswith("$") else ""
    row_mark = "$" if "$" in first[1:] else ""
    sheet = written[0].text if written[0] is not None else ""
    return f"{sheet}{first}:{column_mark}{column_letters(right)}{row_mark}{bottom}"


def criteria_ranges_spelled_out(formula: str) -> str:
    """``formula`` with the ranges of its criteria functions (COUNTIF, SUMIFS...) in the form
    IronCalc evaluates as Excel does: a single cell as a one-cell range, and the range a SUMIF
    or AVERAGEIF adds up in the shape of its criteria range."""
    if not _CRITERIA_NAME.search(formula):
        return formula
    edits: list[tuple[int, int, str]] = []
    for call in calls(formula, CRITERIA_FUNCTIONS):
        for position in range_positions(call):
            text = call.argument(formula, position) or ""
            new = _as_range(text)
            if position == 2 and call.name in RESIZED_RANGE_FUNCTIONS:
                new = _shaped_like(_as_range(call.argument(formula, 0) or ""), new)
            if new != text:
                start, end = call.arguments[position]
                edits.append((start, end, new))
    for start, end, new in sorted(edits, reverse=True):
        formula = formula[:start] + new + formula[end:]
    return formula


def _relative_targets(rels_name: str, data: bytes) -> bytes:
    rewrite = _relative(rels_name)

    def relationship(match: re.Match[bytes]) -> bytes:
        element = match.group(0)
        if re.search(rb"""TargetMode\s*=\s*["']External["']""", element):
            return element
        return _TARGET.sub(rewrite, element)

    return re.sub(rb"<(?:[\w.-]+:)?Relationship\s[^>]*>", relationship, data)


def _qualified_sheet(
    xml: bytes,
    tables: list[Table],
    every_table: Sequence[Table],
    extent: Extent | None = None,
    bounded: set[tuple[int, int]] | None = None,
) -> bytes:
    places = [(table.bounds, table) for table in tables]
    # a formula filled down a table's column is often the same text on every row (structured
    # references hold no row numbers): each text is rewritten once for the table it stands in
    rewritten: dict[tuple[str, str | None], tuple[str, bool]] = {}

    def formula(row: int, column: int, text: str) -> str:
        home = None
        if "[" in text:
            home = next(
                (
                    t
                    for (top, left, bottom, right), t in places
                    if top <= row <= bottom and left <= column <= right
                ),
                None,
            )
        key = (text, home.name if home is not None else None)
        done = rewritten.get(key)
        if done is None:
            new = text
            if "[" in new:
                new = qualify_table_references(new, home, every_table)
            # bounded first, so that the range a SUMIF adds up takes the bounded shape
            cut = bounded_formula(new, extent) if extent is not None and ":" in new else new
            done = rewritten[key] = (criteria_ranges_spelled_out(cut), cut != new)
        if done[1] and bounded is not None:
            bounded.add((row, column))
        return done[0]

    return rewrite_formulas(xml, formula)


_SCRATCH_PART = "worksheets/productive_xl_scratch.xml"
_EMPTY_SHEET = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns='
    b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>'
)


def _with_empty_sheet(info: WorkbookInfo, parts: dict[str, bytes], name: str) -> dict[str, bytes]:
    """The parts to change, and the one to add, to give the copy an empty sheet ``name``.

    Adding the sheet to the package costs the engine far less than adding it once loaded. None
    are given (and the engine adds the sheet) when the package's declaring parts cannot be
    edited.
    """
    edit = PackageEdit(parts)
    part = posixpath.join(posixpath.dirname(info.workbook_part), _SCRATCH_PART)
    number = 1
    while part in parts:  # a part of the user's by the same name keeps it
        number += 1
        part = posixpath.join(
            posixpath.dirname(info.workbook_part), _SCRATCH_PART.replace(".xml", f"{number}.xml")
        )
    try:
        edit.add_sheet(info.workbook_part, name, part, _EMPTY_SHEET)
    except UneditablePart:
        return {}
    return {**edit.changed, **edit.added}


# An empty cell (closed at once, or with nothing between its tags) that says t="n".
# [^<>], not [^>]: a start tag holds no "<", so no match runs on past the next one (in a
# comment of many "<c ", [^>] would run on to the comment's end from each of them).
_TYPED_EMPTY_CELL = re.compile(rb'<c\b([^<>]*?)\st="n"([^<>]*?)(/>|>\s*</c>)')


def _untyped_empty_cells(sheet: bytes) -> bytes:
    """``sheet`` with the number type taken off its empty cells, which are then blank."""
    if b't="n"' not in sheet:
        return sheet
    return _TYPED_EMPTY_CELL.sub(rb"<c\1\2\3", sheet)


@dataclass
class EngineCopy:
    """The copy the engine loads, and what it changed that recalc must account for: sheets
    given empty parts, a translation from Strict Open XML, and the whole columns and rows it
    bounded (the extent they were bounded by, and the formula cells whose formulas were, by
    sheet name)."""

    data: bytes
    sheets_without_parts: frozenset[str] = frozenset()  # given empty parts in the copy
    strict: bool = False  # translated from Strict Open XML
    extent: Extent | None = None
    bounded: dict[str, set[tuple[int, int]]] = field(default_factory=dict)


def engine_package(package: WorkbookPackage, info: WorkbookInfo, scratch_sheet: str) -> bytes:
    """The bytes of the copy of ``package`` that IronCalc is given to load, with an empty sheet
    ``scratch_sheet`` added where the package allows it."""
    return engine_copy(package, info, scratch_sheet).data


def _extent(sheet_parts: Mapping[str, bytes]) -> tuple[Extent | None, set[str]]:
    """The extent whole columns and rows are bounded by (None when none is), and the sheet
    parts that may hold one given as an argument."""
    columns = {part for part, data in sheet_parts.items() if holds_whole_columns(data)}
    rows = {part for part, data in sheet_parts.items() if holds_whole_rows(data)}
    if not columns and not rows:
        return None, set()
    extent = used_extent(sheet_parts.values(), rows_too=bool(rows))
    return extent, columns | rows


def engine_copy(package: WorkbookPackage, info: WorkbookInfo, scratch_sheet: str) -> EngineCopy:
    """The copy of ``package`` that IronCalc is given to load (:func:`engine_package`): made
    loadable by :mod:`engine_copy_fixes`, with whole columns and rows bounded by the cells in use
    where that changes no result (:mod:`whole_references`). Raises
    :class:`~productive_xl.headless.engine_copy_fixes.UntranslatableStrict`."""
    sheets = {sheet.part: sheet for sheet in info.worksheets() if sheet.part is not None}
    sheet_tables = {
        part: [t for t in info.tables if t.sheet == s.name] for part, s in sheets.items()
    }
    parts: dict[str, bytes] = {
        member.filename: package.read(member.filename) for member in package.infos
    }
    strict = is_strict(parts, info.workbook_part)
    if strict:
        parts = strict_to_transitional(parts, set(sheet_tables), info.date_1904)
    # read from the bytes the engine will load, as every other change to the copy is
    extent, whole = _extent({part: parts[part] for part in sheets if part in parts})
    bounded: dict[str, set[tuple[int, int]]] = {}
    for name, original in parts.items():
        data = original
        if name.endswith(".rels"):
            data = _relative_targets(name, data)
        elif name in sheet_tables:
            data = without_data_tables(data)
            if b"[" in data or _may_hold_criteria_functions(data) or name in whole:
                data = _qualified_sheet(
                    data,
                    sheet_tables[name],
                    info.tables,
                    extent if name in whole else None,
                    bounded.setdefault(sheets[name].name, set()),
                )
            data = share_filled_formulas(_untyped_empty_cells(data))
        elif name.endswith(".xml") and b"styleSheet" in data[:1000]:
            data = with_cell_styles(data)
        parts[name] = data
    added, without_parts = with_sheet_parts(parts, info.workbook_part)
    parts.update(added)
    parts.update(_with_empty_sheet(info, parts, scratch_sheet))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return EngineCopy(buffer.getvalue(), frozenset(without_parts), strict, extent, bounded)
