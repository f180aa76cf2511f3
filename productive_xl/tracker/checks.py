"""The register's checks: each finds the lines that break one rule of a sound benefits tracker.

Every check is 0 when all is well, as the FAST and ICAEW rules have it; the refresh writes each
finding to the Checks sheet with the line and the column to fix, and the count of each check
rolls into the master check shown on every sheet.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from productive_xl.core.financial_year import FinancialYear
from productive_xl.tracker.register import PROGRAMMES, BenefitLine, BenefitType, Column, Recurrence


class Check(StrEnum):
    """The checks, as the Checks sheet names them."""

    UNIQUE_ID = "Every line has its own ID"
    OWNER = "Every line has an owner"
    EVIDENCE = "Every line has evidence"
    KNOWN_VALUES = "Programme, benefit type and status are known"
    START_IN_YEAR = "Every line starts by the end of the year"
    COUNTED_ONCE = "Each source line is counted once"
    ONE_OFF_STOCK = "One-off stock releases are not recurrent"
    COUNTED_IN_BOTH = "No cash is counted here and in the CIP"
    ROWS_NAME_A_LINE = "Every phasing and source row names a register line"


@dataclass(frozen=True)
class Finding:
    """One line breaking one rule: where to look and what is wrong."""

    check: Check
    line_id: str
    row: int  # the worksheet row: of the register, or of the sheet the message names
    column: str  # a register column, or the column of that sheet
    message: str


def _unique_ids(lines: Sequence[BenefitLine]) -> Iterable[Finding]:
    counts = Counter(line.id for line in lines)
    for line in lines:
        if not line.id:
            yield Finding(Check.UNIQUE_ID, "", line.row, Column.ID, "the line has no ID")
        elif counts[line.id] > 1:
            yield Finding(
                Check.UNIQUE_ID,
                line.id,
                line.row,
                Column.ID,
                f"ID {line.id} is used by {counts[line.id]} lines",
            )


def _required(lines: Sequence[BenefitLine]) -> Iterable[Finding]:
    for line in lines:
        if not line.owner:
            yield Finding(Check.OWNER, line.id, line.row, Column.OWNER, "no owner is named")
        if not line.evidence:
            yield Finding(
                Check.EVIDENCE, line.id, line.row, Column.EVIDENCE, "no evidence is recorded"
            )


def _known(lines: Sequence[BenefitLine], statuses: Collection[str]) -> Iterable[Finding]:
    folded = {status.casefold() for status in statuses}
    types = {kind.value for kind in BenefitType}
    for line in lines:
        if line.programme not in PROGRAMMES:
            yield Finding(
                Check.KNOWN_VALUES,
                line.id,
                line.row,
                Column.PROGRAMME,
                f"programme {line.programme!r} is not one of the Productive Series",
            )
        if line.benefit_type not in types:
            yield Finding(
                Check.KNOWN_VALUES,
                line.id,
                line.row,
                Column.BENEFIT_TYPE,
                f"benefit type {line.benefit_type!r} is not one of: {', '.join(sorted(types))}",
            )
        if line.status.casefold() not in folded:
            yield Finding(
                Check.KNOWN_VALUES,
                line.id,
                line.row,
                Column.STATUS,
                f"status {line.status!r} is not one of: {', '.join(statuses)}",
            )


def _starts(lines: Sequence[BenefitLine], year: FinancialYear) -> Iterable[Finding]:
    for line in lines:
        if line.start_date is None:
            yield Finding(
                Check.START_IN_YEAR, line.id, line.row, Column.START_DATE, "no start date"
            )
        elif line.start_date > year.last_day:
            yield Finding(
                Check.START_IN_YEAR,
                line.id,
                line.row,
                Column.START_DATE,
                f"starts on {line.start_date:%d/%m/%Y}, after {year} ends: nothing falls in it",
            )


def _counted_once(lines: Sequence[BenefitLine]) -> Iterable[Finding]:
    by_source: defaultdict[str, list[BenefitLine]] = defaultdict(list)
    for line in lines:
        if line.source_line:
            by_source[line.source_line].append(line)
    for source, sharing in by_source.items():
        if len(sharing) < 2:
            continue
        others = ", ".join(line.id for line in sharing)
        both_ways = len({line.cash_releasing for line in sharing}) == 2
        released_time = any(line.benefit_type == BenefitType.RELEASED_TIME for line in sharing)
        what = (
            "counted both as cash released and as productivity"
            if both_ways and released_time
            else "counted more than once"
        )
        for line in sharing:
            yield Finding(
                Check.COUNTED_ONCE,
                line.id,
                line.row,
                Column.SOURCE_LINE,
                f"source line {source} is {what} (lines {others})",
            )


def _one_off_stock(lines: Sequence[BenefitLine]) -> Iterable[Finding]:
    for line in lines:
        if (
            line.benefit_type == BenefitType.STOCK_RELEASE
            and line.recurrence == Recurrence.RECURRENT
        ):
            yield Finding(
                Check.ONE_OFF_STOCK,
                line.id,
                line.row,
                Column.RECURRENCE,
                "a one-off stock release counts once, in the month it happens, not as recurrent",
            )


CIP: Final = "CIP"
"""What the "Also reported in" field names for the trust's cost improvement programme."""


_NAMES_CIP: Final = re.compile(rf"\b{CIP}\b", re.IGNORECASE)


def _counted_in_both(lines: Sequence[BenefitLine]) -> Iterable[Finding]:
    """A line counted in both: its "Also reported in" names the trust's CIP (the word CIP, in
    any case) and it is cash-releasing here, so its cash would be in both totals. Its cash
    belongs in one: the CIP's (then mark it not cash-releasing here) or this tracker's (then
    take it out of the CIP and clear the field). A line also reported elsewhere (an elective
    recovery plan, a board paper) is not counted twice in the trust's savings."""
    for line in lines:
        if line.cash_releasing and _NAMES_CIP.search(line.also_reported_in):
            yield Finding(
                Check.COUNTED_IN_BOTH,
                line.id,
                line.row,
                Column.ALSO_REPORTED_IN,
                f"also reported in {line.also_reported_in!r} and cash-releasing here: its cash "
                "is counted in both; count it in one (Cash releasing No here, or clear the field)",
            )


def check_register(
    lines: Sequence[BenefitLine], year: FinancialYear, statuses: Collection[str]
) -> list[Finding]:
    """Every finding of every check on the register ``lines`` of a tracker for ``year``;
    ``statuses`` are the statuses the workbook weights (tblStatusWeights)."""
    return [
        *_unique_ids(lines),
        *_required(lines),
        *_known(lines, statuses),
        *_starts(lines, year),
        *_counted_once(lines),
        *_one_off_stock(lines),
        *_counted_in_both(lines),
    ]


def check_counts(findings: Iterable[Finding]) -> dict[Check, int]:
    """How many findings each check has, every check listed (0 when all is well)."""
    counts = Counter(finding.check for finding in findings)
    return {check: counts.get(check, 0) for check in Check}
