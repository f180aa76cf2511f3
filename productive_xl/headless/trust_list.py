"""Which functions and constructs recalc trusts the engine with, and why.

A feature (:mod:`formula_features`) is trusted **by evidence** when the committed agreement table
(``agreement.json``, made by ``tools/agreement_table.py`` from workbooks Excel saved) shows, for
the cells that count for or against it, no disagreement of its own and at least
:data:`MIN_CELLS` agreeing cells in at least :data:`MIN_WORKBOOKS` workbooks; or **proven** by a
test of ours against hand-worked or LibreOffice values (:data:`PROVEN` names the test). A
feature in :data:`NEVER_TRUSTED` is not trusted whatever the evidence. PRODUCTIVE_* functions
are ours, always evaluated, and never looked up here.

Why these thresholds: the cells of one workbook are not independent (a formula filled down a
column is one formula many times), so workbooks count as much as cells. Three workbooks mean
three authors' uses of a feature at the least; twenty cells with no disagreement put the rate of
disagreement below about 1 in 7 with 95% confidence (the rule of three) before the workbooks'
independence is counted; most trusted features are far above both (see benchmarks/agreement.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from productive_xl.headless.formula_features import ASCII_CHAR, IMPLICIT_INTERSECTION, THREE_D

MIN_CELLS = 20
MIN_WORKBOOKS = 3

# Never trusted, whatever the table shows, and why (the report says it).
NEVER_TRUSTED: dict[str, str] = {
    "SHEETS": "uses SHEETS, which would count recalc's own scratch sheet",
    "SHEET": "uses SHEET, which would count recalc's own scratch sheet",
    "INFO": "uses INFO, which describes the machine and the workbook, not the cells",
    "CELL": "uses CELL, which can describe the file and its formatting, not the cells",
    THREE_D: (
        "uses a 3-D reference (a range of sheets), whose sheets between recalc does not follow"
    ),
    IMPLICIT_INTERSECTION: (
        "uses a range or a name where one value belongs (implicit intersection), which the "
        "formula engine does not evaluate as Excel does"
    ),
}

# Proven by a test of ours: the feature, and the test that proves it.
PROVEN: dict[str, str] = {
    "TODAY": "tests/test_recalc_trust.py::test_today_and_now_are_the_moment_of_recalculation",
    "NOW": "tests/test_recalc_trust.py::test_today_and_now_are_the_moment_of_recalculation",
    "RAND": "tests/test_recalc_trust.py::test_rand_and_randbetween_fall_in_their_range",
    "RANDBETWEEN": "tests/test_recalc_trust.py::test_rand_and_randbetween_fall_in_their_range",
    ASCII_CHAR: "tests/test_recalc_trust.py::test_char_of_codes_below_128",
}


def trusted_by_evidence(table: Mapping[str, Mapping[str, Any]]) -> frozenset[str]:
    """The features the table's counts trust (:data:`NEVER_TRUSTED` left out)."""
    return frozenset(
        feature
        for feature, entry in table.items()
        if feature not in NEVER_TRUSTED
        and entry["disagree"] == 0
        and entry["agree"] >= MIN_CELLS
        and entry["workbooks"] >= MIN_WORKBOOKS
    )


@cache
def agreement_table() -> dict[str, dict[str, Any]]:
    """The committed table's counts, by feature."""
    text = resources.files(__package__).joinpath("agreement.json").read_text(encoding="utf-8")
    features: dict[str, dict[str, Any]] = json.loads(text)["features"]
    return features


@cache
def trusted() -> frozenset[str]:
    """Every feature recalc trusts the engine with: by evidence or proven."""
    return trusted_by_evidence(agreement_table()) | frozenset(PROVEN)


def untrusted_reason(feature: str) -> str:
    """What the report says of a formula using ``feature`` that is not trusted."""
    if feature in NEVER_TRUSTED:
        return NEVER_TRUSTED[feature]
    entry = agreement_table().get(feature)
    if entry is not None and entry["disagree"]:
        return f"uses {feature}, which disagreed with Excel on workbooks it saved"
    return f"uses {feature}, not yet shown to agree with Excel"


def reason_order(feature: str) -> tuple[int, str]:
    """The order a formula's untrusted features are told in: the one never trusted first,
    then one that disagreed, then one not yet shown to agree."""
    if feature in NEVER_TRUSTED:
        return 0, feature
    entry = agreement_table().get(feature)
    return (1 if entry is not None and entry["disagree"] else 2), feature
