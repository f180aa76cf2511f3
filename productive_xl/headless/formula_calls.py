"""The calls of chosen functions in a formula's text, and where each of their arguments lies.

Two readers need this: the engine's copy, which gives IronCalc a form of some arguments it
evaluates as Excel does, and the trust checks, which look at what an argument holds. The
formula's tokens (:mod:`formula_text`) tell the calls and the commas between their arguments:
commas inside text, quoted sheet names, structured references (``tbl[[#This Row],[Qty]]``) and
array constants (``{1,2}``) are inside tokens of their own, and separate nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache
from typing import NamedTuple

from productive_xl.headless.formula_text import (
    CLOSE,
    FUNCTION,
    OPEN,
    SEPARATOR,
    function_name,
    scan,
    shape,
)

Spans = tuple[tuple[int, int], ...]


class Call(NamedTuple):
    """A call of ``name`` (upper case, without the _xlfn. prefix), its arguments' spans."""

    name: str
    arguments: Spans

    def argument(self, formula: str, position: int) -> str | None:
        """The text of the argument at ``position`` (from 0), stripped; None if not given."""
        if position >= len(self.arguments):
            return None
        start, end = self.arguments[position]
        return formula[start:end].strip()


def calls(formula: str, names: Collection[str]) -> list[Call]:
    """Every call in ``formula`` of a function in ``names`` (upper case), nested ones included,
    in the order they start."""
    capitals = formula.upper()
    if not any(name in capitals for name in names):
        return []  # most formulas call none of them: a look for their names spares the reading
    found = []
    for start, end, arguments in _every_call(shape(formula)):
        name = function_name(formula[start:end])
        if name in names:
            found.append(Call(name, arguments))
    return found


def all_calls(formula: str) -> list[Call]:
    """Every call in ``formula``, nested ones included, in the order they start."""
    return [
        Call(function_name(formula[start:end]), arguments)
        for start, end, arguments in _every_call(shape(formula))
    ]


class _Open:
    """A call being read (``index`` -1 for a parenthesis): its place among the calls found,
    where its function's name stands, where the argument being read starts, those read."""

    __slots__ = ("arguments", "index", "name_end", "name_start", "start")

    def __init__(self, index: int, name_start: int, name_end: int):
        self.index = index
        self.name_start = name_start
        self.name_end = name_end
        self.start = name_end
        self.arguments: list[tuple[int, int]] = []

    def read(self) -> tuple[int, int, Spans]:
        return self.name_start, self.name_end, tuple(self.arguments)


@lru_cache(maxsize=4096)
def _every_call(formula_shape: str) -> tuple[tuple[int, int, Spans], ...]:
    """Where each call of a formula's shape names its function (name and "("), and its
    arguments' spans, in the order the calls start: the same for every formula of the shape."""
    found: list[tuple[int, int, Spans] | None] = []
    stack: list[_Open] = []
    for kind, start, end, text in scan(formula_shape):
        if kind == FUNCTION:
            stack.append(_Open(len(found), start, end))
            found.append(None)  # its place, filled in at its end
        elif kind == OPEN:
            stack.append(_Open(-1, start, end))
        elif not stack:
            continue
        elif kind == CLOSE:
            call = stack.pop()
            if call.index >= 0:
                call.arguments.append((call.start, start))
                if call.arguments == [(start, start)]:
                    call.arguments = []  # NAME() has no arguments
                found[call.index] = call.read()
        elif kind == SEPARATOR and text == "," and stack[-1].index >= 0:
            stack[-1].arguments.append((stack[-1].start, start))
            stack[-1].start = end
    for call in stack:  # a call the formula never closes: the arguments read so far
        if call.index >= 0:
            found[call.index] = call.read()
    return tuple(call for call in found if call is not None)


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
