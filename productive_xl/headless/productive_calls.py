"""Take the PRODUCTIVE_* calls out of a formula, wherever they stand, so Python can compute them.

The formula engine cannot register functions, so each PRODUCTIVE_* call in a formula is replaced
by a reference to a result cell on a scratch sheet, whose value Python sets; each argument is
kept as an expression to evaluate (on the scratch sheet, with its references qualified by the
formula's own sheet) or, when it is a plain reference, as a range to read. Nested calls become
result cells that the outer call's arguments refer to.

``=ROUND(PRODUCTIVE_SAVING(A2*2,B2,Inputs!$B$3)*D2,0)`` on sheet "Lines" becomes
``=ROUND('_productive_xl'!$A$1*D2,0)``, with one call whose arguments are ``'Lines'!A2*2``,
``'Lines'!B2`` and ``Inputs!$B$3``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from productive_xl.functions import ADD_IN_NAMESPACE
from productive_xl.headless.formula_text import (
    CLOSE,
    FUNCTION,
    NAME,
    NUMBER,
    OPEN,
    POSTFIX,
    REFERENCE,
    SEPARATOR,
    SHEET,
    STRUCTURED,
    WHITESPACE,
    add_in_function,
    scan,
    shape,
)
from productive_xl.headless.formula_text import PREFIX as UNARY

PREFIX = "PRODUCTIVE_"
SCRATCH_SHEET = "_productive_xl"
# A call of an Office add-in's custom function is stored in the file with this before its
# namespace and id, the "." between them written "_": the add-in's PRODUCTIVE.SAVING is
# stored as _xldudf_PRODUCTIVE_SAVING(...), which is our PRODUCTIVE_SAVING (the ids are
# productive_xl.functions.ADD_IN_IDS: PRODUCTIVE.FINANCIAL_YEAR is PRODUCTIVE_FY). Microsoft's
# custom-functions team: JavaScript custom functions "save out with a different prefix
# _xldudf" (OfficeDev/Excel-Custom-Functions#108); files in public repositories show it with a
# namespace, e.g. `_xldudf_CX_GET(...)` and `_xldudf_optionsamurai_stock(...)`; office-js#877
# says a "." in a custom function's name becomes "_"; office-js#5611 and #3558 show the prefix
# in cells where the add-in is not loaded.
ADD_IN_PREFIX = "_XLDUDF_"


def scratch_sheet_for(taken: Iterable[str]) -> str:
    """The name of the scratch sheet recalc adds to the engine's copy of a workbook whose
    sheets and defined names are ``taken``: ``_productive_xl``, or with a number after it when
    the workbook uses that name itself, so that no reference of the user's reaches it."""
    folded = {name.casefold() for name in taken}
    name, number = SCRATCH_SHEET, 1
    while name.casefold() in folded:
        number += 1
        name = f"{SCRATCH_SHEET}_{number}"
    return name


@lru_cache(maxsize=256)  # a workbook has a few sheets, and a call on every line quotes one
def quote_sheet(name: str) -> str:
    """A sheet name as a formula writes it before "!"."""
    return "'" + name.replace("'", "''") + "'"


@dataclass(slots=True)  # one for every argument of every call
class Argument:
    """One argument of a call: an expression, or a plain reference to read as a range."""

    text: str
    is_reference: bool
    number: float | None = None  # the value of a number written out: 12, -0.9, 1E3, 5%
    # worked out once, as it is asked for every time the call is placed, read and checked
    is_missing: bool = field(init=False, compare=False)

    def __post_init__(self) -> None:
        self.is_missing = not self.text.strip()


@dataclass(slots=True)
class Call:
    """One PRODUCTIVE_* call of a formula, with where its result is kept."""

    function: str  # the Excel name, in capitals
    arguments: list[Argument]
    result_row: int  # on the scratch sheet, column 1


# The formula without its calls, and each call's arguments, as pieces of the formula: a piece
# of its text as written (_AS_WRITTEN, start, end), a reference qualified with the formula's
# sheet (_QUALIFIED, start, end), a name that may be local to the sheet (_NAMED, start, end), or
# the result cell of the call taken out before (_RESULT, the call's place in the list, 0).
_AS_WRITTEN, _QUALIFIED, _NAMED, _RESULT = range(4)
Piece = tuple[int, int, int]
# An inner call's result cell, standing in an outer call's argument: a reference to read.
_RESULT_KIND = "result"
# The kinds of the tokens (white space aside) of an argument that is a reference or a name and
# nothing else ...
_REFERENCE_SHAPES = frozenset(
    {(REFERENCE,), (SHEET, REFERENCE), (NAME,), (SHEET, NAME), (STRUCTURED,), (_RESULT_KIND,)}
)
# ... and of one that is a number written out.
_NUMBER_SHAPES = frozenset(
    {(NUMBER,), (UNARY, NUMBER), (NUMBER, POSTFIX), (UNARY, NUMBER, POSTFIX)}
)


def _number(text: str) -> float | None:
    """The value of a number written out (its sign a "+" or "-", not "@")."""
    written = "".join(text.split())
    if written[0] == "@":
        return None
    if written.endswith("%"):
        return float(written[:-1]) / 100
    return float(written)


@dataclass(frozen=True)
class _PlannedArgument:
    pieces: tuple[Piece, ...]
    is_reference: bool
    is_number: bool


@dataclass(frozen=True)
class _PlannedCall:
    name: tuple[int, int]  # where its name stands, without the "("
    arguments: tuple[_PlannedArgument, ...]
    add_in: bool  # written as the Office add-in's call: the name is its namespace and id


class _Frame:
    """A call being read, or a parenthesis or another function's call (``call`` None)."""

    __slots__ = ("add_in", "arguments", "call", "kinds", "pieces")

    def __init__(self, call: tuple[int, int] | None, *, add_in: bool = False):
        self.call = call
        self.add_in = add_in
        self.arguments: list[_PlannedArgument] = []
        self.pieces: list[Piece] = []  # those of the argument being read
        self.kinds: list[str] = []  # the kinds of its tokens, white space aside

    def add(self, what: int, start: int, end: int) -> None:
        last = self.pieces[-1] if self.pieces else None
        if what == _AS_WRITTEN and last is not None and last[0] == _AS_WRITTEN and last[2] == start:
            self.pieces[-1] = (_AS_WRITTEN, last[1], end)  # one piece for text written on
        else:
            self.pieces.append((what, start, end))

    def read(self, kind: str, start: int, end: int, *, qualified: bool) -> None:
        """Any other token: in a call's argument, a reference is qualified with the formula's
        sheet and a name may be one local to it (``qualified``)."""
        if qualified and kind == REFERENCE:
            self.add(_QUALIFIED, start, end)
        elif qualified and kind == NAME:
            self.add(_NAMED, start, end)
        else:
            self.add(_AS_WRITTEN, start, end)
        if kind != WHITESPACE:
            self.kinds.append(kind)

    def end_argument(self) -> None:
        shape = tuple(self.kinds)
        self.arguments.append(
            _PlannedArgument(
                tuple(self.pieces), shape in _REFERENCE_SHAPES, shape in _NUMBER_SHAPES
            )
        )
        self.pieces, self.kinds = [], []


Plan = tuple[tuple[Piece, ...], tuple[_PlannedCall, ...]]


def _ours(function: str, *, after_sheet: bool) -> int | None:
    """Where the PRODUCTIVE_* name starts in a FUNCTION token's text (after the add-in's
    ``_xldudf_`` if it has one), or None when the token calls another function. An add-in's
    call qualified by another workbook (``[2]!_xldudf_...``, which office-js#2568 shows Excel
    writing when another add-in is in the way) is not ours: it keeps its value."""
    capitals = function[: len(ADD_IN_PREFIX) + len(ADD_IN_NAMESPACE) + 1].upper()
    if capitals.startswith(PREFIX):
        return 0
    if capitals == f"{ADD_IN_PREFIX}{ADD_IN_NAMESPACE}_" and not after_sheet:
        return len(ADD_IN_PREFIX)
    return None


@lru_cache(maxsize=1024)
def _plan(formula_shape: str) -> Plan | None:
    """How the formulas of a shape are taken apart: the same for every one of them, since their
    tokens stand at the same places. None when a call is left open."""
    frame = _Frame(None)
    stack = [frame]
    calls: list[_PlannedCall] = []
    in_call = 0  # how many PRODUCTIVE_* calls the token being read stands in
    after_sheet = False
    for kind, start, end, text in scan(formula_shape):
        ours = _ours(text, after_sheet=after_sheet) if kind == FUNCTION else None
        if ours is not None:
            frame = _Frame((start + ours, end - 1), add_in=ours > 0)
            stack.append(frame)
            in_call += 1
        elif kind in (FUNCTION, OPEN):
            frame.add(_AS_WRITTEN, start, end)
            frame.kinds.append(kind)
            frame = _Frame(None)
            stack.append(frame)
        elif kind == CLOSE and len(stack) > 1:
            done = stack.pop()
            frame = stack[-1]
            if done.call is None:
                for piece in done.pieces:
                    frame.add(*piece)
                frame.add(_AS_WRITTEN, start, end)
                frame.kinds.append(CLOSE)
                continue
            in_call -= 1
            done.end_argument()
            if len(done.arguments) == 1 and not done.arguments[0].pieces:
                done.arguments = []  # NAME() has no arguments
            calls.append(_PlannedCall(done.call, tuple(done.arguments), done.add_in))
            frame.add(_RESULT, len(calls) - 1, 0)
            frame.kinds.append(_RESULT_KIND)
        elif kind == SEPARATOR and frame.call is not None and text == ",":
            frame.end_argument()
        else:
            frame.read(kind, start, end, qualified=bool(in_call) and not after_sheet)
        after_sheet = kind == SHEET
    if len(stack) > 1:
        return None
    return tuple(stack[0].pieces), tuple(calls)


def _written(
    pieces: tuple[Piece, ...],
    formula: str,
    quoted: str,
    local_names: Mapping[str, str],
    results: list[str],
) -> str:
    if len(pieces) == 1 and pieces[0][0] == _QUALIFIED:  # a cell of the sheet, as most are
        return quoted + formula[pieces[0][1] : pieces[0][2]]
    parts = []
    for what, start, end in pieces:
        if what == _AS_WRITTEN:
            parts.append(formula[start:end])
        elif what == _QUALIFIED:
            parts.append(quoted + formula[start:end])
        elif what == _NAMED:
            name = formula[start:end]
            parts.append(local_names.get(name.lower(), name))
        else:
            parts.append(results[start])
    return "".join(parts)


def extract_calls(
    formula: str,
    sheet: str,
    next_result_row: Callable[[], int],
    local_names: Mapping[str, str] | None = None,
    scratch_sheet: str = SCRATCH_SHEET,
) -> tuple[str, list[Call]]:
    """``formula`` (as the engine shows it, with its "=") with every PRODUCTIVE_* call replaced
    by its result cell, and the calls, innermost first.

    A reference in a call's arguments is qualified with ``sheet``; ``local_names`` maps the
    names local to ``sheet`` (lower case) to what they refer to: on the scratch sheet they
    would no longer be in scope, so they are written out. The results are cells of column A
    of ``scratch_sheet``.
    """
    plan = _plan(shape(formula))
    if plan is None or not plan[1]:
        return formula, []  # no call, or one left open: not a formula the engine shows
    pieces, planned = plan
    quoted = quote_sheet(sheet) + "!"
    names = local_names or {}
    results: list[str] = []
    calls: list[Call] = []
    result_cells = quote_sheet(scratch_sheet) + "!$A$"
    for call in planned:  # innermost first: an argument's result cells are known
        arguments = []
        for argument in call.arguments:
            text = _written(argument.pieces, formula, quoted, names, results)
            number = _number(text) if argument.is_number else None
            arguments.append(Argument(text, argument.is_reference, number))
        start, end = call.name
        name = formula[start:end].upper()
        if call.add_in:
            name = add_in_function(name)
        calls.append(Call(name, arguments, next_result_row()))
        results.append(f"{result_cells}{calls[-1].result_row}")
    text = _written(pieces, formula, quoted, names, results)
    return (text if text.startswith("=") else "=" + text), calls


def whole_call(formula: str) -> str | None:
    """The function's Excel name (capitals) when ``formula`` is one PRODUCTIVE_* call and
    nothing else (``=PRODUCTIVE_ROLLUP(A2:A9,B2:B9)``); None otherwise."""
    plan = _plan(shape(formula if formula.startswith("=") else "=" + formula))
    if plan is None or not plan[1]:
        return None
    pieces, calls = plan
    outer = len(calls) - 1  # the calls are innermost first: the outer one is last
    if [p for p in pieces if p[0] != _AS_WRITTEN] != [(_RESULT, outer, 0)]:
        return None
    text = formula if formula.startswith("=") else "=" + formula
    written = "".join(text[start:end] for what, start, end in pieces if what == _AS_WRITTEN)
    if written.strip() != "=":
        return None
    start, end = calls[outer].name
    return text[start:end].upper()
