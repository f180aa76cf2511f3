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

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

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
    scan,
)
from productive_xl.headless.formula_text import PREFIX as UNARY

PREFIX = "PRODUCTIVE_"
SCRATCH_SHEET = "_productive_xl"


@lru_cache(maxsize=256)  # a workbook has a few sheets, and a call on every line quotes one
def quote_sheet(name: str) -> str:
    """A sheet name as a formula writes it before "!"."""
    return "'" + name.replace("'", "''") + "'"


@dataclass
class Argument:
    """One argument of a call: an expression, or a plain reference to read as a range."""

    text: str
    is_reference: bool
    number: float | None = None  # the value of a number written out: 12, -0.9, 1E3, 5%
    # worked out once, as it is asked for every time the call is placed, read and checked
    is_missing: bool = field(init=False, compare=False)

    def __post_init__(self) -> None:
        self.is_missing = not self.text.strip()


@dataclass
class Call:
    """One PRODUCTIVE_* call of a formula, with where its result is kept."""

    function: str  # the Excel name, in capitals
    arguments: list[Argument]
    result_row: int  # on the scratch sheet, column 1
    inner: list[Call] = field(default_factory=list)


# An inner call's result cell, standing in an outer call's argument: a reference to read.
_RESULT = "result"
# The significant tokens of an argument that is a reference or a name and nothing else.
_REFERENCE_SHAPES = frozenset(
    {(REFERENCE,), (SHEET, REFERENCE), (NAME,), (SHEET, NAME), (STRUCTURED,), (_RESULT,)}
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


class _Frame:
    """A call being read, or a parenthesis or another function's call (``call_name`` None)."""

    __slots__ = ("arguments", "call_name", "inner", "kinds", "pieces")

    def __init__(self, call_name: str | None):
        self.call_name = call_name
        self.arguments: list[Argument] = []
        self.pieces: list[str] = []  # the text of the argument being read
        self.kinds: list[str] = []  # the kinds of its tokens, white space aside
        self.inner: list[Call] = []

    def end_argument(self) -> None:
        text = "".join(self.pieces)
        shape = tuple(self.kinds)
        number = _number(text) if shape in _NUMBER_SHAPES else None
        self.arguments.append(Argument(text, shape in _REFERENCE_SHAPES, number))
        self.pieces, self.kinds = [], []


class _Reader:
    """Reads a formula's tokens into the formula without its PRODUCTIVE_* calls, and the calls."""

    def __init__(
        self, sheet: str, next_result_row: Callable[[], int], local_names: Mapping[str, str]
    ):
        self.quoted = quote_sheet(sheet) + "!"
        self.next_result_row = next_result_row
        self.local_names = local_names
        self.frame = _Frame(None)
        self.stack = [self.frame]
        self.calls: list[Call] = []
        self.in_call = 0  # how many PRODUCTIVE_* calls the token being read stands in

    def open(self, kind: str, text: str) -> None:
        """A call, or a parenthesis, begins."""
        if kind == FUNCTION and text[: len(PREFIX)].upper() == PREFIX:
            self.frame = _Frame(text[:-1].upper())
            self.in_call += 1
        else:
            self.frame.pieces.append(text)
            self.frame.kinds.append(kind)
            self.frame = _Frame(None)
        self.stack.append(self.frame)

    def close(self, text: str) -> None:
        """A call, or a parenthesis, ends."""
        done = self.stack.pop()
        self.frame = frame = self.stack[-1]
        if done.call_name is None:
            frame.pieces.append("".join(done.pieces) + text)
            frame.kinds.append(CLOSE)
            return
        self.in_call -= 1
        done.end_argument()
        if len(done.arguments) == 1 and not done.arguments[0].text:
            done.arguments = []  # NAME() has no arguments
        call = Call(done.call_name, done.arguments, self.next_result_row(), done.inner)
        self.calls.append(call)
        frame.inner.append(call)
        frame.pieces.append(f"{quote_sheet(SCRATCH_SHEET)}!$A${call.result_row}")
        frame.kinds.append(_RESULT)

    def other(self, kind: str, text: str, after_sheet: bool) -> None:
        """Any other token: a reference in a call qualified with the formula's sheet, a name
        local to it written out."""
        if self.in_call and not after_sheet:
            if kind == REFERENCE:
                text = self.quoted + text
            elif kind == NAME:
                text = self.local_names.get(text.lower(), text)
        self.frame.pieces.append(text)
        if kind != WHITESPACE:
            self.frame.kinds.append(kind)


def extract_calls(
    formula: str,
    sheet: str,
    next_result_row: Callable[[], int],
    local_names: Mapping[str, str] | None = None,
) -> tuple[str, list[Call]]:
    """``formula`` (as the engine shows it, with its "=") with every PRODUCTIVE_* call replaced
    by its result cell, and the calls, innermost first.

    A reference in a call's arguments is qualified with ``sheet``; ``local_names`` maps the
    names local to ``sheet`` (lower case) to what they refer to: on the scratch sheet they
    would no longer be in scope, so they are written out.
    """
    reader = _Reader(sheet, next_result_row, local_names or {})
    after_sheet = False
    for kind, _, _, text in scan(formula):
        if kind in (FUNCTION, OPEN):
            reader.open(kind, text)
        elif kind == CLOSE and len(reader.stack) > 1:
            reader.close(text)
        elif kind == SEPARATOR and reader.frame.call_name is not None and text == ",":
            reader.frame.end_argument()
        else:
            reader.other(kind, text, after_sheet)
        after_sheet = kind == SHEET
    if len(reader.stack) > 1:
        return formula, []  # a call left open: not a formula the engine shows
    text = "".join(reader.stack[0].pieces)
    return (text if text.startswith("=") else "=" + text), reader.calls
