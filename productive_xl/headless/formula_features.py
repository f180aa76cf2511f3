"""What a formula uses: its functions and its constructs, the units evidence is kept by.

A formula's features are the functions it calls (in capitals, ``_xlfn.`` and the like dropped)
and the constructs it is written with (an array formula, a 3-D reference, implicit
intersection...). ``tools/agreement.py`` counts, for each feature, the corpus cells where the
engine agreed with Excel and those where it did not; recalc writes the engine's value of a
formula only when every one of its features is trusted (:mod:`trust_list`). Both read a formula
through :func:`features`, so what the table counts is what recalc checks.

Two lookups are told apart by how they match, as the engine is right in one and not the other:
``MATCH`` with a match type written 0 is ``MATCH (exact)``, and ``VLOOKUP``/``HLOOKUP`` with a
last argument written ``FALSE`` or 0 are ``VLOOKUP (exact)``/``HLOOKUP (exact)``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from productive_xl.headless.formula_text import (
    ARRAY,
    BOOLEAN,
    CLOSE,
    ERROR,
    FUNCTION,
    INTERSECTION,
    NAME,
    NUMBER,
    OPEN,
    OPERATOR,
    PREFIX,
    REFERENCE,
    SEPARATOR,
    SHEET,
    STRING,
    STRUCTURED,
    WHITESPACE,
    Token,
    function_name,
    is_external,
    scan,
)
from productive_xl.headless.productive_calls import PREFIX as OURS
from productive_xl.headless.references import parse_area

# The constructs, as a report names them after "uses".
ARRAY_FORMULA = "an array (CSE) formula"
ONE_CELL_ARRAY = "an array (CSE) formula of one cell"
SHARED_FORMULA = "a shared formula"
IMPLICIT_INTERSECTION = "implicit intersection (a range or name where one value belongs)"
AT_SIGN = "the @ operator"
THREE_D = "a 3-D reference (a range of sheets)"
WHOLE_LINE = "a whole-column or whole-row reference"
STRUCTURED_REFERENCE = "a structured reference"
DEFINED_NAME = "a defined name for one cell"
RANGE_NAME = "a defined name for a range"
FORMULA_NAME = "a name defined by a formula"
UNKNOWN_NAME = "a name that is not defined (or a table's name alone)"
EXTERNAL = "a reference to another workbook"
ERROR_LITERAL = "an error value written in the formula"
ARRAY_CONSTANT = "an array constant of numbers"
MIXED_ARRAY_CONSTANT = "an array constant holding texts, TRUE/FALSE or errors"
COERCION = "a text or TRUE/FALSE where a number belongs"
INTERSECTION_OPERATOR = "the intersection operator (a space)"
SPILL_REFERENCE = "a reference to a spilled range (A1#)"
COMPARISON_OPERAND = "a comparison in parentheses beside & or another comparison"
PLAIN = "only references, constants and operators"
EMPTY_ARGUMENT = "an argument left empty"
ONE_CELL_RANGE = "a range of one cell written as a range (A1:A1)"
RANGE_OPERATOR = "a range built with : from a name, a call or another range"
RELATIVE_NAME = "a name defined with relative references"
SCOPED_NAME = "a name defined on more than one sheet"
BOOLEAN_CRITERIA = "a criteria comparing with TRUE or FALSE"
LINE_BREAK = "a text with a line break written in the formula"

CONSTRUCTS = (
    ARRAY_FORMULA,
    ONE_CELL_ARRAY,
    SHARED_FORMULA,
    IMPLICIT_INTERSECTION,
    AT_SIGN,
    THREE_D,
    WHOLE_LINE,
    STRUCTURED_REFERENCE,
    DEFINED_NAME,
    RANGE_NAME,
    FORMULA_NAME,
    UNKNOWN_NAME,
    EXTERNAL,
    ERROR_LITERAL,
    ARRAY_CONSTANT,
    MIXED_ARRAY_CONSTANT,
    COERCION,
    INTERSECTION_OPERATOR,
    SPILL_REFERENCE,
    COMPARISON_OPERAND,
    PLAIN,
    EMPTY_ARGUMENT,
    ONE_CELL_RANGE,
    RANGE_OPERATOR,
    RELATIVE_NAME,
    SCOPED_NAME,
    BOOLEAN_CRITERIA,
    LINE_BREAK,
)
# Functions that take arrays as they come: arithmetic on ranges inside them is element-wise.
ARRAY_FUNCTIONS = frozenset({"SUMPRODUCT"})

# Functions whose value is not a function of the workbook: the moment or chance. Their cells
# cannot agree with a value Excel stored earlier, and count neither for nor against anything.
VOLATILE = frozenset({"NOW", "TODAY", "RAND", "RANDBETWEEN", "RANDARRAY"})

# Functions that read their arguments as numbers: a text or TRUE/FALSE written as one of their
# arguments is converted (or skipped) by rules the engine may not share.
NUMERIC_FUNCTIONS = frozenset(
    {
        "SUM", "SUMSQ", "PRODUCT", "AVERAGE", "AVERAGEA", "MAX", "MAXA", "MIN", "MINA",
        "COUNT", "MEDIAN", "MODE", "STDEV", "STDEVA", "STDEVP", "STDEV.S", "STDEV.P", "VAR",
        "VARA", "VARP", "VAR.S", "VAR.P", "GEOMEAN", "HARMEAN", "DEVSQ", "AVEDEV", "LARGE",
        "SMALL", "ABS", "ROUND", "ROUNDUP", "ROUNDDOWN", "INT", "TRUNC", "SQRT", "POWER",
        "MOD", "EXP", "LN", "LOG", "LOG10", "CEILING", "FLOOR", "SIGN", "GCD", "LCM",
        "AND", "OR", "XOR", "NOT",
    }
)  # fmt: skip
# Of them, those that take one number an argument: a range written as one is intersected with
# the formula's row or column (outside an array formula).
SCALAR_FUNCTIONS = frozenset(
    {
        "ABS", "ROUND", "ROUNDUP", "ROUNDDOWN", "INT", "TRUNC", "SQRT", "POWER", "MOD", "EXP",
        "LN", "LOG", "LOG10", "CEILING", "FLOOR", "SIGN",
    }
)  # fmt: skip
_ARITHMETIC = frozenset({"+", "-", "*", "/", "^"})
_BOOLEAN_CRITERIA = re.compile(r'^"\s*(?:<>|<=|>=|<|>|=)?\s*(?:TRUE|FALSE)\s*"$', re.IGNORECASE)
_COMPARISONS = frozenset({"=", "<>", "<", ">", "<=", ">="})
# The lookups told apart by their match: the argument (from 0) that says how they match.
_EXACT_ARGUMENT = {"MATCH": 2, "VLOOKUP": 3, "HLOOKUP": 3}
_EXACT_TEXTS = frozenset({"0", "FALSE"})
ASCII_CHAR = "CHAR (of a code below 128 written as a number)"

CELL, RANGE, FORMULA, RELATIVE, SCOPED = "cell", "range", "formula", "relative", "scoped"
NameKinds = Mapping[str, str]  # lower-case name -> CELL, RANGE, FORMULA, RELATIVE or SCOPED


_NAME_FEATURES = {
    CELL: DEFINED_NAME,
    RANGE: RANGE_NAME,
    FORMULA: FORMULA_NAME,
    RELATIVE: RELATIVE_NAME,
    SCOPED: SCOPED_NAME,
}


def name_kinds(definitions: list[tuple[str, str]]) -> dict[str, str]:
    """What each defined name (by lower-case name) stands for, from (name, formula) pairs: one
    cell, a range of several, a formula, a reference with a relative part (``Sheet1!A1``,
    whose cell moves with the formula using it), or, for a name defined more than once (on
    several sheets), SCOPED; the engine is trusted with each apart."""
    kinds: dict[str, str] = {}
    for name, formula in definitions:
        text = formula.lstrip("=")
        area = parse_area(text, "")
        if area is None:
            kind = FORMULA
        elif _relative(text):
            kind = RELATIVE
        elif area.top == area.bottom and area.left == area.right:
            kind = CELL
        else:
            kind = RANGE
        key = name.lower()
        kinds[key] = SCOPED if key in kinds else kind
    return kinds


def _relative(reference: str) -> bool:
    """Whether a plain reference has a column or row written without ``$``."""
    for part in reference.rpartition("!")[2].split(":"):
        match = _PART.match(part)
        if match is None:
            continue
        before, letters, between, digits = match.groups()
        column_fixed = bool(before) if letters else True
        row_fixed = (bool(between) if letters else bool(before)) if digits else True
        if not (column_fixed and row_fixed):
            return True
    return False


_PART = re.compile(r"^(\$?)([A-Za-z]*)(\$?)(\d*)#?$")


def _multi_cell(token: Token) -> bool:
    text = token.text
    return ":" in text or text.endswith("#")


def _argument_tokens(tokens: tuple[Token, ...], opening: int) -> list[list[Token]]:
    """The significant tokens of each argument of the call opened at ``tokens[opening]``."""
    arguments: list[list[Token]] = [[]]
    depth = 0
    for token in tokens[opening + 1 :]:
        kind = token.kind
        if kind in (FUNCTION, OPEN):
            depth += 1
        elif kind == CLOSE:
            if depth == 0:
                break
            depth -= 1
        elif kind == SEPARATOR and depth == 0 and token.text == ",":
            arguments.append([])
            continue
        if kind != WHITESPACE:
            arguments[-1].append(token)
    return arguments


_MIXED = re.compile(r'["#]|TRUE|FALSE', re.IGNORECASE)
_PLAIN_KINDS = {
    ERROR: ERROR_LITERAL,
    ARRAY: ARRAY_CONSTANT,
    INTERSECTION: INTERSECTION_OPERATOR,
    STRUCTURED: STRUCTURED_REFERENCE,
}


def _called(tokens: tuple[Token, ...], index: int) -> str:
    """The feature of the call at ``tokens[index]``: its function, "(exact)" added for a lookup
    whose match is written 0 or FALSE."""
    name = function_name(tokens[index].text)
    if name == "CHAR":
        only = _argument_tokens(tokens, index)
        code = only[0] if len(only) == 1 else []
        if len(code) == 1 and code[0].kind == NUMBER and float(code[0].text) < 128:
            return ASCII_CHAR  # the codes every code page shares
    position = _EXACT_ARGUMENT.get(name)
    if position is not None:
        arguments = _argument_tokens(tokens, index)
        if len(arguments) > position and len(arguments[position]) == 1:
            written = arguments[position][0]
            if written.kind in (NUMBER, BOOLEAN) and written.text.upper() in _EXACT_TEXTS:
                return name + " (exact)"
    return name


def _reference(token: Token) -> set[str]:
    found = set()
    text = token.text.replace("$", "")
    if text.endswith("#"):
        found.add(SPILL_REFERENCE)
    left, _, right = text.partition(":")
    if right and (left.isdigit() or left.isalpha()):
        found.add(WHOLE_LINE)
    elif right and left.upper() == right.upper().rstrip("#"):
        found.add(ONE_CELL_RANGE)
    return found


def _takes_arrays(function: str | None) -> bool:
    """Whether a function reads arithmetic on ranges element by element: SUMPRODUCT, and the
    PRODUCTIVE_* functions (ours, which read their arguments as arrays)."""
    return function is not None and (function in ARRAY_FUNCTIONS or function.startswith(OURS))


def _where_one_value(token: Token, stack: list[str | None]) -> bool:
    """Whether a reference stands where one value belongs: outside any call, or as an argument
    of a function of one number (outside an array formula)."""
    if token.kind == STRUCTURED:
        text = token.text
        return not any(stack) and "#This Row" not in text and "[@" not in text
    return _multi_cell(token) and (not any(stack) or stack[-1] in SCALAR_FUNCTIONS)


@lru_cache(maxsize=8192)
def _features(  # noqa: PLR0912 (a branch a kind of token, in one pass)
    formula: str, array: bool
) -> tuple[frozenset[str], tuple[tuple[str, bool], ...]]:
    """The features that do not depend on the workbook's names, and the names used (lower
    case), each with whether it stands where one value belongs."""
    used: list[tuple[str, bool]] = []
    operands: list[int] = []  # where a multi-cell reference stands inside a call
    found: set[str] = {ARRAY_FORMULA} if array else set()
    tokens = scan(formula)
    stack: list[str | None] = []  # the function of each open call, None for a parenthesis
    for index, token in enumerate(tokens):
        kind = token.kind
        if (
            kind == ARRAY
            and not array
            and not any(stack)
            and (";" in token.text or "," in token.text)
        ):
            found.add(IMPLICIT_INTERSECTION)  # an array of several values where one belongs
        if kind == ARRAY and _MIXED.search(token.text):
            found.add(MIXED_ARRAY_CONSTANT)
        elif kind in _PLAIN_KINDS:
            found.add(_PLAIN_KINDS[kind])
        if kind == FUNCTION:
            found.add(_called(tokens, index))
            stack.append(function_name(token.text))
        elif kind == OPEN:
            stack.append(None)
        elif kind == CLOSE and stack:
            stack.pop()
        elif kind == SHEET and is_external(token):
            found.add(EXTERNAL)
        elif kind == SHEET and ":" in token.text.strip("'").rstrip("!"):
            found.add(THREE_D)
        elif kind in (REFERENCE, STRUCTURED):
            found |= _reference(token) if kind == REFERENCE else set()
            if kind == STRUCTURED and is_external(token):
                found.add(EXTERNAL)
            elif not array and _where_one_value(token, stack):
                found.add(IMPLICIT_INTERSECTION)
            elif not array and _multi_cell(token) and not any(map(_takes_arrays, stack)):
                operands.append(index)
        elif kind == NAME:
            used.append((token.text.lower(), not array and not any(stack)))
        elif kind == PREFIX and token.text == "@":
            found.add(AT_SIGN)
        elif kind == OPERATOR and token.text == ":":
            found.add(RANGE_OPERATOR)
    if any(_beside_operator(tokens, at) for at in operands):
        found.add(IMPLICIT_INTERSECTION)
    significant = [t for t in tokens if t.kind != WHITESPACE]
    if significant and significant[0].start == 0 and significant[0].text == "=":
        significant = significant[1:]  # the "=" a formula starts with is no operator
    found |= _written(significant)
    return frozenset(found), tuple(used)


def _written(significant: list[Token]) -> set[str]:
    """The features of what is written between the references: arguments left empty,
    comparisons as operands, texts and truth values (where a number belongs, holding a line
    break, as criteria on TRUE or FALSE)."""
    found = set()
    if _comparison_operand(significant):
        found.add(COMPARISON_OPERAND)
    for at, token in enumerate(significant):
        before = significant[at - 1] if at else None
        after = significant[at + 1] if at + 1 < len(significant) else None
        if token.kind == SEPARATOR and token.text == ",":
            if (before is not None and before.kind in (FUNCTION, SEPARATOR)) or (
                after is not None and after.kind == CLOSE
            ):
                found.add(EMPTY_ARGUMENT)
            continue
        if token.kind not in (STRING, BOOLEAN):
            continue
        if token.kind == STRING:
            if "\n" in token.text or "\r" in token.text or "_x000" in token.text.lower():
                found.add(LINE_BREAK)
            if _BOOLEAN_CRITERIA.match(token.text):
                found.add(BOOLEAN_CRITERIA)
        if _as_number(significant, at, before, after):
            found.add(COERCION)
    return found


def _as_number(
    significant: list[Token], at: int, before: Token | None, after: Token | None
) -> bool:
    """Whether the text or truth value at ``at`` is an operand of arithmetic or an argument of
    a numeric function."""
    if any(
        t is not None and t.kind in (OPERATOR, PREFIX) and t.text in _ARITHMETIC
        for t in (before, after)
    ):
        return True
    if before is None or after is None or after.kind not in (SEPARATOR, CLOSE):
        return False
    if before.kind == FUNCTION:
        return function_name(before.text) in NUMERIC_FUNCTIONS
    return before.kind == SEPARATOR and _enclosing(significant, at) in NUMERIC_FUNCTIONS


def _beside_operator(tokens: tuple[Token, ...], at: int) -> bool:
    """Whether the token at ``at`` is an operand of arithmetic or a comparison."""
    sides = [t for t in tokens[at + 1 : at + 3] if t.kind != WHITESPACE][:1]
    sides += [t for t in reversed(tokens[max(0, at - 2) : at]) if t.kind != WHITESPACE][:1]
    return any(
        t.kind in (OPERATOR, PREFIX)
        and (t.text in _ARITHMETIC or t.text in _COMPARISONS)
        and not (t.start == 0 and t.text == "=")  # the "=" a formula starts with
        for t in sides
    )


def _comparison_operand(tokens: list[Token]) -> bool:
    """Whether a parenthesis (not a call) holding a comparison at its own level stands next to
    ``&`` or a comparison: ``"a"&(2<3)&"b"``. IronCalc 0.9.1 writes such a formula back without
    the parentheses (``="a"&2<3&"b"``), which means another thing; beside arithmetic
    (``(A1>0)*B1``) it keeps them."""
    opened: list[tuple[int, bool]] = []  # where each parenthesis opened, and if it compares
    for at, token in enumerate(tokens):
        kind = token.kind
        if kind in (FUNCTION, OPEN):
            opened.append((at, False) if kind == OPEN else (-1, False))
        elif kind == OPERATOR and token.text in _COMPARISONS and opened and at > 0:
            start, _ = opened[-1]
            opened[-1] = (start, True)
        elif kind == CLOSE and opened:
            start, compares = opened.pop()
            if start < 0 or not compares:
                continue
            before = tokens[start - 1] if start > 0 else None
            after = tokens[at + 1] if at + 1 < len(tokens) else None
            if any(
                t is not None and t.kind == OPERATOR and (t.text == "&" or t.text in _COMPARISONS)
                for t in (before, after)
            ):
                return True
    return False


def _enclosing(tokens: list[Token], at: int) -> str | None:
    """The function whose call holds ``tokens[at]`` directly; None for none (or a parenthesis)."""
    depth = 0
    for token in reversed(tokens[:at]):
        if token.kind == CLOSE:
            depth += 1
        elif token.kind in (FUNCTION, OPEN):
            if depth == 0:
                return function_name(token.text) if token.kind == FUNCTION else None
            depth -= 1
    return None


def features(
    formula: str,
    *,
    array: bool = False,
    one_cell: bool = False,
    shared: bool = False,
    names: NameKinds | None = None,
) -> frozenset[str]:
    """The functions and constructs ``formula`` uses (see the module's documentation).

    ``array``: the formula is an array (CSE) formula, and ``one_cell`` its range is one cell;
    ``shared``: it is stored as a shared formula; ``names``: what the workbook's defined names
    stand for (:func:`name_kinds`).
    """
    found, used = _features(formula, array)
    if array and one_cell:
        found = (found - {ARRAY_FORMULA}) | {ONE_CELL_ARRAY}
    if not found and not used:
        found = frozenset({PLAIN})
    if not used and not shared:
        return found
    more = {SHARED_FORMULA} if shared else set()
    for name, one_value in used:
        kind = (names or {}).get(name)
        if kind is None:
            more.add(UNKNOWN_NAME)
        else:
            more.add(_NAME_FEATURES.get(kind, DEFINED_NAME))
            if kind in (RANGE, SCOPED, RELATIVE) and one_value:
                more.add(IMPLICIT_INTERSECTION)
    return found | more


def is_construct(feature: str) -> bool:
    return feature in CONSTRUCTS


def volatile(found: frozenset[str]) -> bool:
    """Whether features include a function of the moment or of chance."""
    return not VOLATILE.isdisjoint(found)
