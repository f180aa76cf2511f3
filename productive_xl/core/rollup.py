"""Totals by group: what PRODUCTIVE_ROLLUP spills, and what a consolidation adds up.

Groups are matched as SUMIFS matches text, without regard to case, and shown as first written;
amounts are added one after another in the order given, as Excel's SUM adds them, so a total
is the one a SUMIFS over the same cells gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from productive_xl.core.checks import finite
from productive_xl.core.errors import InvalidValue

Group = str | float
SortOrder = Literal[-1, 0, 1]


def _key(group: Group) -> tuple[int, str | float]:
    """Text matched case-blind; a number only equals a number."""
    if isinstance(group, str):
        return (1, group.casefold())
    return (0, group)


def totals_by_group(
    amounts: Sequence[float | None],
    groups: Sequence[Sequence[Group]],
    order: SortOrder = 1,
) -> list[tuple[tuple[Group, ...], float]]:
    """The total of ``amounts`` for each distinct combination of ``groups`` (one tuple of keys
    per amount: one key, or two for a two-level breakdown).

    An amount of None (a blank cell) adds nothing; its keys still make a group, as a SUMIFS
    row for them would show 0. ``order`` 1 sorts the groups A to Z (numbers before text, as
    Excel sorts), 0 keeps the order they are first met in, -1 puts the largest total first.
    """
    if len(amounts) != len(groups):
        raise InvalidValue(
            f"values and groups must be the same size, but are {len(amounts)} and {len(groups)}"
        )
    shown: dict[tuple[tuple[int, str | float], ...], tuple[Group, ...]] = {}
    totals: dict[tuple[tuple[int, str | float], ...], float] = {}
    for amount, line in zip(amounts, groups, strict=True):
        key = tuple(_key(group) for group in line)
        shown.setdefault(key, tuple(line))
        total = totals.setdefault(key, 0.0)
        if amount is not None:
            totals[key] = total + finite(amount, "values")
    found = list(shown)
    if order == 1:
        found.sort()
    elif order == -1:
        found.sort(key=lambda k: -totals[k])  # a stable sort: equal totals keep their order
    return [(shown[key], totals[key]) for key in found]
