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

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

PREFIX = "PRODUCTIVE_"
SCRATCH_SHEET = "_productive_xl"

_CELL_OR_RANGE = re.compile(
    r"^\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?#?$"
    r"|^\$?[A-Za-z]{1,3}:\$?[A-Za-z]{1,3}$|^\$?\d+:\$?\d+$"
)


_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?%?$")


@lru_cache(maxsize=256)  # a workbook has a few sheets, and a call on every line quotes one
def quote_sheet(name: str) -> str:
    """A sheet name as a formula writes it before "!"."""
    return "'" + name.replace("'", "''") + "'"


@dataclass
class Argument:
    """One argument of a call: an expression, or a plain reference to read as a range."""

    text: str
    is_reference: bool
    # worked out once, as each is asked for every time the call is placed, read and checked
    is_missing: bool = field(init=False, compare=False)
    number: float | None = field(init=False, compare=False)  # the value of a number written out

    def __post_init__(self) -> None:
        text = self.text.strip()
        self.is_missing = not text
        self.number = None
        if _NUMBER.match(text):  # 12, 0.9, 1E3, 5%
            self.number = float(text[:-1]) / 100 if text.endswith("%") else float(text)


@dataclass
class Call:
    """One PRODUCTIVE_* call of a formula, with where its result is kept."""

    function: str  # the Excel name, in capitals
    arguments: list[Argument]
    result_row: int  # on the scratch sheet, column 1
    inner: list[Call] = field(default_factory=list)


class _Frame:
    def __init__(self, call_name: str | None):
        self.call_name = call_name  # None for a plain function, a parenthesis or an array
        self.arguments: list[str] = []
        self.reference_flags: list[bool] = []
        self.current: list[str] = []
        self.current_tokens: list[tuple[str, str]] = []  # (type, subtype) of each token
        self.inner: list[Call] = []

    def end_argument(self) -> None:
        significant = [t for t in self.current_tokens if t[0] != "WHITE-SPACE"]
        self.arguments.append("".join(self.current))
        self.reference_flags.append(significant == [("OPERAND", "RANGE")])
        self.current, self.current_tokens = [], []


# A formula that is one call with plain arguments, the common case in a tracker's table:
# ``=productive_released_hours(D2,E2,F2)``. No strings, arrays, parentheses or quoted names.
_SIMPLE_CALL = re.compile(r"^=\s*(" + PREFIX + r"\w+)\(([^()\"'{}]*)\)\s*$", re.IGNORECASE)
_PLAIN_ARGUMENT = re.compile(
    r"^(?:[A-Za-z_][\w.]*!)?\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?$"
)


def _simple_call(
    formula: str, sheet: str, next_result_row: Callable[[], int]
) -> tuple[str, list[Call]] | None:
    """The fast way through a formula that is a single call of numbers and cell references."""
    match = _SIMPLE_CALL.match(formula)
    if not match:
        return None
    texts = [] if not match.group(2).strip() else match.group(2).split(",")
    arguments = []
    for text in texts:
        bare = text.strip()
        if _PLAIN_ARGUMENT.match(bare):
            # a plain cell or range of the formula's own sheet is qualified with it at once
            qualified = bare if "!" in bare else f"{quote_sheet(sheet)}!{bare}"
            arguments.append(Argument(qualified, True))
        elif not bare or _NUMBER.match(bare):
            arguments.append(Argument(bare, False))
        else:
            return None  # a name, a boolean, an operator: leave it to the tokenizer
    call = Call(match.group(1).upper(), arguments, next_result_row())
    return f"={quote_sheet(SCRATCH_SHEET)}!$A${call.result_row}", [call]


def extract_calls(
    formula: str,
    sheet: str,
    next_result_row: Callable[[], int],
    local_names: Mapping[str, str] | None = None,
) -> tuple[str, list[Call]]:
    """``formula`` (as the engine shows it, with its "=") with every PRODUCTIVE_* call replaced
    by its result cell, and the calls, innermost first.

    ``local_names`` maps the names local to ``sheet`` (lower case) to what they refer to: on the
    scratch sheet they would no longer be in scope, so they are written out.
    """
    simple = _simple_call(formula, sheet, next_result_row)
    if simple is not None:
        return simple
    # openpyxl's tokenizer costs a tenth of a second to import: only formulas that need it pay
    from openpyxl.formula.tokenizer import Token, Tokenizer  # noqa: PLC0415

    local_names = local_names or {}
    stack: list[_Frame] = [_Frame(None)]
    calls: list[Call] = []

    def in_call() -> bool:
        return any(frame.call_name for frame in stack)

    def emit(text: str, kind: tuple[str, str]) -> None:
        stack[-1].current.append(text)
        stack[-1].current_tokens.append(kind)

    for token in Tokenizer(formula).items:
        if token.type == Token.FUNC and token.subtype == Token.OPEN:
            name = token.value[:-1]
            if name.upper().startswith(PREFIX):
                stack.append(_Frame(name.upper()))
                continue
            emit(token.value, (token.type, token.subtype))
            stack.append(_Frame(None))
        elif token.subtype == Token.OPEN:  # a parenthesis or an array constant
            emit(token.value, (token.type, token.subtype))
            stack.append(_Frame(None))
        elif token.subtype == Token.CLOSE:
            frame = stack.pop()
            if frame.call_name is None:
                emit("".join(frame.current) + token.value, (token.type, token.subtype))
                continue
            frame.end_argument()
            if frame.arguments == [""]:
                frame.arguments, frame.reference_flags = [], []
            call = Call(
                frame.call_name,
                [
                    Argument(a, r)
                    for a, r in zip(frame.arguments, frame.reference_flags, strict=True)
                ],
                next_result_row(),
                frame.inner,
            )
            calls.append(call)
            stack[-1].inner.append(call)
            result = f"{quote_sheet(SCRATCH_SHEET)}!$A${call.result_row}"
            emit(result, (Token.OPERAND, Token.RANGE))
        elif token.type == Token.SEP and token.subtype == Token.ARG and stack[-1].call_name:
            stack[-1].end_argument()
        elif token.type == Token.OPERAND and token.subtype == Token.RANGE and in_call():
            emit(_qualified(token.value, sheet, local_names), (token.type, token.subtype))
        else:
            emit(token.value, (token.type, token.subtype))
    top = stack[0]
    text = "".join(top.current)
    return (text if text.startswith("=") else "=" + text), calls


def _qualified(reference: str, sheet: str, local_names: Mapping[str, str]) -> str:
    """A reference as it must be written on the scratch sheet to mean the same cells."""
    if "!" in reference or reference.startswith("#"):
        return reference
    if _CELL_OR_RANGE.match(reference):
        return f"{quote_sheet(sheet)}!{reference}"
    return local_names.get(reference.lower(), reference)
