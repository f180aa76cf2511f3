"""Many trackers as one: their lines with each line's phasing totals, the totals by each way of
cutting them, and the exceptions a programme office must look at.

Totals are worked out here the way the consolidated workbook's formulas work them out (SUMIFS
over the lines: a case-blind match, figures added in the order of the lines), so the value
written beside each formula is the one Excel shows when it recalculates it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from productive_xl.consolidation.reading import (
    FILE_HASH,
    ORGANISATION,
    ORGANISATION_CODE,
    PROVENANCE,
    ROW,
    SHEET,
    SOURCE_FILE,
    TrackerData,
)
from productive_xl.tracker.layout import ChecksColumn, PhasingColumn
from productive_xl.tracker.register import PROGRAMMES, Column

PLAN, FORECAST, ACTUAL = "Plan", "Forecast", "Actual"

MEASURES: tuple[str, ...] = (
    Column.FULL_YEAR_EFFECT,
    Column.IN_YEAR_EFFECT,
    PLAN,
    FORECAST,
    ACTUAL,
    Column.RISK_ADJUSTED,
    Column.CASH_IN_YEAR,
)
"""The figures totalled, each a column of the consolidated lines: plan, forecast and actual are
the totals of the line's phasing rows."""

DIMENSIONS: tuple[tuple[str, str], ...] = (
    ("Programme", Column.PROGRAMME),
    ("Organisation", ORGANISATION),
    ("Directorate", Column.DIRECTORATE),
    ("Order of benefit", Column.ORDER),
    ("Cash releasing", Column.CASH_RELEASING),
    ("Recurrence", Column.RECURRENCE),
    ("Financial year", Column.YEAR),
)
"""The ways the totals are cut: a title and the column of the lines it groups by."""

LINE_COLUMNS: tuple[str, ...] = (
    *PROVENANCE,
    Column.ID,
    Column.PROGRAMME,
    Column.DIRECTORATE,
    Column.WARD,
    Column.SCHEME,
    Column.BENEFIT_TYPE,
    Column.ORDER,
    Column.CASH_RELEASING,
    Column.RECURRENCE,
    Column.YEAR,
    Column.STATUS,
    Column.ALSO_REPORTED_IN,
    *MEASURES,
)
"""The consolidated lines' columns, in order."""

PHASING_COLUMNS: tuple[str, ...] = (
    *PROVENANCE,
    PhasingColumn.LINE,
    PhasingColumn.PLAN_TOTAL,
    PhasingColumn.FORECAST_TOTAL,
    PhasingColumn.ACTUAL_TOTAL,
)
PHASING_TOTALS = {
    PLAN: PhasingColumn.PLAN_TOTAL,
    FORECAST: PhasingColumn.FORECAST_TOTAL,
    ACTUAL: PhasingColumn.ACTUAL_TOTAL,
}

# The exceptions, each a kind of thing to look at.
MASTER_CHECK_NOT_ZERO = "Master check is not 0"
NOT_REFRESHED = "Not refreshed in the last month"
ALSO_REPORTED = "Also reported elsewhere"
DUPLICATE_ID = "Line ID in more than one organisation"
FIGURE_ERROR = "A figure shows an error"
SAME_FILE = "The same tracker read twice"
EXCEPTION_KINDS = (
    MASTER_CHECK_NOT_ZERO,
    NOT_REFRESHED,
    ALSO_REPORTED,
    DUPLICATE_ID,
    FIGURE_ERROR,
    SAME_FILE,
)
EXCEPTION = "Exception"
LINE_ID = "Line ID"
DETAIL = "Detail"
EXCEPTION_COLUMNS = (EXCEPTION, ORGANISATION, SOURCE_FILE, SHEET, ROW, LINE_ID, DETAIL)

TRACKER_COLUMNS = (
    ORGANISATION,
    ORGANISATION_CODE,
    SOURCE_FILE,
    FILE_HASH,
    "Master check",
    "Refreshed at",
    "Lines",
)


def excel_sum(values: Iterable[float]) -> float:
    """The sum Excel's SUM and SUMIFS give: the figures added one after another, in order,
    blanks (NaN here) skipped. Not ``math.fsum`` nor pandas' pairwise sum, which can differ
    from it in the last digit."""
    total = 0.0
    for value in values:
        if not math.isnan(value):
            total += value
    return total


def match_key(value: object) -> str:
    """How SUMIFS matches text: without regard to case."""
    return str(value).casefold()


@dataclass
class Consolidation:
    """Every tracker's lines, phasing and checks in one place, with the exceptions found."""

    trackers: list[TrackerData]
    lines: pd.DataFrame
    phasing: pd.DataFrame
    checks: pd.DataFrame
    exceptions: pd.DataFrame
    as_of: datetime
    _figure_lists: dict[str, list[float]] = field(default_factory=dict, repr=False)
    _groups: dict[str, dict[str, list[int]]] = field(default_factory=dict, repr=False)

    def tracker_table(self) -> pd.DataFrame:
        rows = [
            {
                ORGANISATION: t.organisation,
                ORGANISATION_CODE: t.organisation_code,
                SOURCE_FILE: str(t.path),
                FILE_HASH: t.sha256,
                "Master check": t.master_check,
                "Refreshed at": t.refreshed_at,
                "Lines": len(t.lines),
            }
            for t in self.trackers
        ]
        return pd.DataFrame(rows, columns=list(TRACKER_COLUMNS))

    def groups(self, column: str) -> list[str]:
        """The values of ``column`` the lines hold, each once (the first spelling of a value
        SUMIFS would match case-blind), in order: programmes as the catalogue lists them, the
        rest alphabetically."""
        first: dict[str, str] = {}
        for value in self.lines[column].fillna(""):
            first.setdefault(match_key(value), str(value))
        order = (
            {match_key(p): i for i, p in enumerate(PROGRAMMES)}
            if column == Column.PROGRAMME
            else {}
        )
        return sorted(
            first.values(), key=lambda v: (order.get(match_key(v), len(order)), match_key(v))
        )

    def total(self, measure: str, column: str | None = None, group: str | None = None) -> float:
        """The total of ``measure`` over the lines whose ``column`` is ``group`` (all lines when
        no column is given), as SUMIFS works it out."""
        figures = self._figures(measure)
        if column is None:
            return excel_sum(figures)
        rows = self._rows_by_group(column).get(match_key(group or ""), [])
        return excel_sum(figures[row] for row in rows)

    def _figures(self, measure: str) -> list[float]:
        if measure not in self._figure_lists:
            self._figure_lists[measure] = [float(v) for v in self.lines[measure].astype("float64")]
        return self._figure_lists[measure]

    def _rows_by_group(self, column: str) -> dict[str, list[int]]:
        """The lines of each group of ``column``, in order, worked out once per column."""
        if column not in self._groups:
            rows: dict[str, list[int]] = {}
            for index, value in enumerate(self.lines[column].fillna("")):
                rows.setdefault(match_key(value), []).append(index)
            self._groups[column] = rows
        return self._groups[column]


def _phasing_totals(lines: pd.DataFrame, phasing: pd.DataFrame) -> pd.DataFrame:
    """The lines with the plan, forecast and actual of their phasing rows (same file, same line
    ID, any case), added in the order of the phasing rows as SUMIFS adds them."""
    keys = list(zip(phasing[SOURCE_FILE], phasing[PhasingColumn.LINE].map(match_key), strict=True))
    for measure, column in PHASING_TOTALS.items():
        by_line: dict[tuple[str, str], list[float]] = {}
        for key, value in zip(keys, phasing[column], strict=True):
            by_line.setdefault(key, []).append(value)
        lines[measure] = [
            excel_sum(by_line.get((file, match_key(line)), []))
            for file, line in zip(lines[SOURCE_FILE], lines[Column.ID], strict=True)
        ]
    return lines


def _exception(
    kind: str, tracker: TrackerData, where: tuple[str, int | None], detail: str, line: str = ""
) -> dict[str, object]:
    """One exception: its kind, the tracker, the sheet and row to look at, and what is wrong."""
    sheet, row = where
    return {
        EXCEPTION: kind,
        ORGANISATION: tracker.organisation,
        SOURCE_FILE: str(tracker.path),
        SHEET: sheet,
        ROW: row,
        LINE_ID: line,
        DETAIL: detail,
    }


def _master_check(tracker: TrackerData) -> list[dict[str, object]]:
    master = tracker.master_check
    if master == 0:
        return []
    checks = tracker.checks
    failing = checks[checks[ChecksColumn.COUNT].fillna(0) != 0]
    named = "; ".join(
        f"{check}: {count:g}"
        for check, count in zip(
            failing[ChecksColumn.CHECK], failing[ChecksColumn.COUNT], strict=True
        )
    )
    shown = "blank" if master is None else (f"{master:g}" if isinstance(master, float) else master)
    detail = f"MasterCheck shows {shown}" + (f" ({named})" if named else "")
    return [_exception(MASTER_CHECK_NOT_ZERO, tracker, ("Checks", None), detail)]


def _refresh(tracker: TrackerData, as_of: datetime) -> list[dict[str, object]]:
    if tracker.refreshed_at is None:
        detail = "RefreshedAt is blank: never refreshed"
    elif tracker.refreshed_at < as_of - pd.DateOffset(months=1):
        detail = f"last refreshed {tracker.refreshed_at:%d %b %Y %H:%M}"
    else:
        return []
    return [_exception(NOT_REFRESHED, tracker, ("About", None), detail)]


def _line_exceptions(tracker: TrackerData) -> list[dict[str, object]]:
    lines = tracker.lines
    found = [
        _exception(ALSO_REPORTED, tracker, (sheet, int(row)), f"also reported in {elsewhere}", line)
        for sheet, row, line, elsewhere in zip(
            lines[SHEET], lines[ROW], lines[Column.ID], lines[Column.ALSO_REPORTED_IN], strict=True
        )
        if elsewhere
    ]
    by_row: dict[tuple[str, int], list[str]] = {}
    for error in tracker.errors:
        by_row.setdefault((error.sheet, error.row), []).append(f"{error.column} ({error.error})")
    found += [
        _exception(FIGURE_ERROR, tracker, where, "shows an error in " + ", ".join(columns))
        for where, columns in by_row.items()
    ]
    return found


def _same_files(trackers: Sequence[TrackerData]) -> list[dict[str, object]]:
    """Each tracker whose bytes are those of one read before it: its lines count twice."""
    first: dict[str, TrackerData] = {}
    found = []
    for tracker in trackers:
        earlier = first.setdefault(tracker.sha256, tracker)
        if earlier is not tracker:
            detail = f"the same file as {earlier.path}: its lines are counted twice"
            found.append(_exception(SAME_FILE, tracker, ("", None), detail))
    return found


def _duplicate_ids(trackers: Sequence[TrackerData]) -> list[dict[str, object]]:
    organisations: dict[str, set[str]] = {}
    for tracker in trackers:
        for line in tracker.lines[Column.ID]:
            if line:
                organisations.setdefault(match_key(line), set()).add(tracker.organisation)
    found = []
    for tracker in trackers:
        lines = tracker.lines
        for sheet, row, line in zip(lines[SHEET], lines[ROW], lines[Column.ID], strict=True):
            others = organisations.get(match_key(line), set()) - {tracker.organisation}
            if line and others:
                detail = "also in " + ", ".join(sorted(others))
                found.append(_exception(DUPLICATE_ID, tracker, (sheet, int(row)), detail, line))
    return found


def _dtype(column: str) -> str:
    return "float64" if column in MEASURES else "string"


def consolidate(trackers: Sequence[TrackerData], as_of: datetime) -> Consolidation:
    """The trackers as one: lines (with their phasing totals), phasing, checks and exceptions.

    ``as_of`` is the moment a refresh more than a month before counts as stale.
    """
    if not trackers:
        raise ValueError("there is no tracker to consolidate")
    lines = pd.concat([t.lines for t in trackers], ignore_index=True)
    for column in LINE_COLUMNS:  # a column a team's register lacks reads as blank
        if column not in lines.columns and column not in PHASING_TOTALS:
            blank = float("nan") if column in MEASURES else ""
            lines[column] = pd.Series([blank] * len(lines), dtype=_dtype(column), index=lines.index)
    phasing = pd.concat([t.phasing[list(PHASING_COLUMNS)] for t in trackers], ignore_index=True)
    checks = pd.concat([t.checks for t in trackers], ignore_index=True)
    lines = _phasing_totals(lines, phasing)[list(LINE_COLUMNS)]
    found = (
        [
            exception
            for tracker in trackers
            for exception in (
                _master_check(tracker) + _refresh(tracker, as_of) + _line_exceptions(tracker)
            )
        ]
        + _duplicate_ids(trackers)
        + _same_files(trackers)
    )
    order = {kind: i for i, kind in enumerate(EXCEPTION_KINDS)}
    found.sort(key=lambda e: order[str(e[EXCEPTION])])
    exceptions = pd.DataFrame(found, columns=list(EXCEPTION_COLUMNS))
    exceptions[ROW] = exceptions[ROW].astype("Int64")
    return Consolidation(list(trackers), lines, phasing, checks, exceptions, as_of)
