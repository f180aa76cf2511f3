"""The calls of chosen functions in a formula's text, and where each of their arguments lies.

Two readers need this: the engine's copy, which gives IronCalc a form of some arguments it
evaluates as Excel does, and the trust checks, which look at what an argument holds. The
formula's tokens (:mod:`formula_text`) tell the calls and the commas between their arguments:
commas inside text, quoted sheet names, structured references (``tbl[[#This Row],[Qty]]``) and
array constants (``{1,2}``) are inside tokens of their own, and separate nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from productive_xl.headless.formula_text import (
    CLOSE,
    FUNCTION,
    OPEN,
    SEPARATOR,
    function_name,
    scan,
)


@dataclass(frozen=True)
class Call:
    """A call of ``name`` (upper case, without the _xlfn. prefix), its arguments' spans."""

    name: str
    arguments: tuple[tuple[int, int], ...]

    def argument(self, formula: str, position: int) -> str | None:
        """The text of the argument at ``position`` (from 0), stripped; None if not given."""
        if position >= len(self.arguments):
            return None
        start, end = self.arguments[position]
        return formula[start:end].strip()


class _Open:
    """A call being read (``name`` None for a parenthesis or a call of a function not wanted)."""

    __slots__ = ("arguments", "index", "name", "start")

    def __init__(self, name: str | None, start: int, index: int):
        self.name = name
        self.start = start  # where the argument being read starts
        self.index = index  # where the call stands among those found
        self.arguments: list[tuple[int, int]] = []


def calls(formula: str, names: Collection[str]) -> list[Call]:
    """Every call in ``formula`` of a function in ``names`` (upper case), nested ones included,
    in the order they start."""
    capitals = formula.upper()
    if not any(name in capitals for name in names):
        return []  # most formulas call none of them: a look for their names spares the reading
    return _calls(formula, names)


def _calls(formula: str, names: Collection[str]) -> list[Call]:
    found: list[Call | None] = []
    stack: list[_Open] = []
    for token in scan(formula):
        kind, start, end, text = token
        if kind == FUNCTION:
            name = function_name(text)
            if name in names:
                stack.append(_Open(name, end, len(found)))
                found.append(None)  # its place, filled in at its end
            else:
                stack.append(_Open(None, end, -1))
        elif kind == OPEN:
            stack.append(_Open(None, end, -1))
        elif not stack:
            continue
        elif kind == SEPARATOR and text == "," and stack[-1].name is not None:
            stack[-1].arguments.append((stack[-1].start, start))
            stack[-1].start = end
        elif kind == CLOSE:
            call = stack.pop()
            if call.name is not None:
                call.arguments.append((call.start, start))
                if call.arguments == [(start, start)]:
                    call.arguments = []  # NAME() has no arguments
                found[call.index] = Call(call.name, tuple(call.arguments))
    for call in stack:  # a call the formula never closes: the arguments read so far
        if call.name is not None:
            found[call.index] = Call(call.name, tuple(call.arguments))
    return [call for call in found if call is not None]


# The functions that count, add up or pick out cells meeting criteria; IronCalc 0.9.1 gives
# #VALUE! where one of their ranges is a single cell (Excel reads that cell), and reads a SUMIF
# or AVERAGEIF range to add up as given where Excel gives it the shape of the criteria range.
CRITERIA_FUNCTIONS = frozenset(
    {"COUNTIF", "COUNTIFS", "SUMIF", "SUMIFS", "AVERAGEIF", "AVERAGEIFS", "MAXIFS", "MINIFS"}
)
# The functions whose optional third argument is the range to add up or average.
RESIZED_RANGE_FUNCTIONS = frozenset({"SUMIF", "AVERAGEIF"})


def range_positions(call: Call) -> list[int]:
    """The positions of the arguments of a criteria function's call that must be ranges."""
    count = len(call.arguments)
    if call.name == "COUNTIF":
        return [0]
    if call.name in RESIZED_RANGE_FUNCTIONS:
        return [0, 2] if count > 2 else [0]
    if call.name == "COUNTIFS":
        return list(range(0, count, 2))
    return [0, *range(1, count, 2)]  # SUMIFS, AVERAGEIFS, MAXIFS, MINIFS: the range first


def criteria_pairs(call: Call) -> list[tuple[int, int]]:
    """The positions of each range of a criteria function's call and of the criteria on it."""
    if call.name in ("COUNTIF", *RESIZED_RANGE_FUNCTIONS):
        return [(0, 1)]
    first = 0 if call.name == "COUNTIFS" else 1
    return [(p, p + 1) for p in range(first, len(call.arguments) - 1, 2)]
