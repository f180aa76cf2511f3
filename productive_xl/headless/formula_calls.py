"""The calls of chosen functions in a formula's text, and where each of their arguments lies.

Two readers need this: the engine's copy, which gives IronCalc a form of some arguments it
evaluates as Excel does, and the trust checks, which look at what an argument holds. Commas
inside text, quoted sheet names, structured references (``tbl[[#This Row],[Qty]]``) and array
constants (``{1,2}``) do not separate arguments, so they are blanked out before the text is read.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

_CALL = re.compile(r"(?<![\w.])(?:_xl\w+\.)*([A-Za-z][\w.]*)\(")
_CLOSING = {'"': '"', "'": "'"}
_MARKS = re.compile(r"[(),]")


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


def _masked(formula: str) -> str:
    """``formula`` with the inside of text, quoted names, brackets and braces made blanks, so
    that what is left shows the calls and the commas between arguments; same length."""
    if not any(mark in formula for mark in "\"'[{"):
        return formula  # most formulas: nothing to blank
    out = list(formula)
    index = 0
    while index < len(formula):
        char = formula[index]
        if char in _CLOSING:  # "text" or 'sheet name', doubled quotes inside
            end = index + 1
            while end < len(formula):
                if formula[end] == char:
                    if formula[end + 1 : end + 2] == char:
                        end += 2
                        continue
                    break
                end += 1
            for blank in range(index + 1, min(end, len(formula))):
                out[blank] = " "
            index = end + 1
        elif char in "[{":
            closing = "]" if char == "[" else "}"
            depth, end = 1, index + 1
            while end < len(formula) and depth:
                depth += {char: 1, closing: -1}.get(formula[end], 0)
                end += 1
            for blank in range(index + 1, end - 1):
                out[blank] = " "
            index = end
        else:
            index += 1
    return "".join(out)


def calls(formula: str, names: Collection[str]) -> list[Call]:
    """Every call in ``formula`` of a function in ``names`` (upper case), nested ones included."""
    masked = _masked(formula)
    found: list[Call] = []
    for match in _CALL.finditer(masked):
        name = match.group(1).upper()
        if name not in names:
            continue
        depth, start = 0, match.end()
        arguments: list[tuple[int, int]] = []
        for mark in _MARKS.finditer(masked, match.end()):
            char, index = mark.group(), mark.start()
            if char == "(":
                depth += 1
            elif char == ")" and depth:
                depth -= 1
            elif char in ",)" and not depth:
                arguments.append((start, index))
                start = index + 1
                if char == ")":
                    break
        if arguments == [(match.end(), match.end())]:
            arguments = []  # NAME() has no arguments
        found.append(Call(name, tuple(arguments)))
    return found


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
