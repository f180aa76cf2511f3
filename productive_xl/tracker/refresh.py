"""Refresh a tracker: check the register, write the findings, extend the rollup, stamp it.

The same function runs from the ribbon in Excel and from ``productive-xl refresh`` on a server;
it sees the workbook only through a :class:`~productive_xl.tracker.book.Book`. It writes inputs
only (findings, rollup keys, the stamp): every total is left to the workbook's formulas, which
Excel, or ``productive-xl recalc`` after it, calculates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from productive_xl.core.errors import InvalidValue
from productive_xl.core.financial_year import FinancialYear
from productive_xl.tracker.book import Book, NotATracker, Value, require_columns
from productive_xl.tracker.checks import Check, Finding, check_counts, check_register
from productive_xl.tracker.layout import (
    SOURCE_TABLES,
    ChecksColumn,
    FindingsColumn,
    Name,
    PhasingColumn,
    RollupColumn,
    StatusWeightsColumn,
    Table,
)
from productive_xl.tracker.register import BenefitLine, Column, benefit_line

RollupKey = tuple[str, str, str]  # programme, ward or team, financial year

# The register columns the checks read; a register without them is not a tracker's.
_NEEDED = (
    Column.ID,
    Column.PROGRAMME,
    Column.WARD,
    Column.OWNER,
    Column.BENEFIT_TYPE,
    Column.CASH_RELEASING,
    Column.RECURRENCE,
    Column.SOURCE_LINE,
    Column.START_DATE,
    Column.STATUS,
    Column.EVIDENCE,
)


@dataclass
class RefreshResult:
    """What a refresh found and changed."""

    year: FinancialYear
    lines: int
    findings: list[Finding]
    rollup_added: list[RollupKey] = field(default_factory=list)
    rollup_not_in_register: list[RollupKey] = field(default_factory=list)
    checks_added: list[str] = field(default_factory=list)
    phasing_added: list[str] = field(default_factory=list)
    refreshed_at: datetime | None = None
    refreshed_by: str = ""

    @property
    def counts(self) -> dict[Check, int]:
        return check_counts(self.findings)

    def summary(self) -> str:
        """A few lines for a message box or a terminal."""
        text = [
            f"{self.lines} register lines checked for {self.year}: "
            f"{len(self.findings)} finding{'s' if len(self.findings) != 1 else ''}."
        ]
        text += [f"  {check}: {count}" for check, count in self.counts.items() if count]
        if self.checks_added:
            text.append(f"Checks: {len(self.checks_added)} checks added to tblChecks.")
        if self.phasing_added:
            text.append(
                f"Phasing: a row added for {len(self.phasing_added)} new lines: "
                + ", ".join(self.phasing_added)
            )
        if self.rollup_added:
            text.append(f"Rollup: {len(self.rollup_added)} rows added:")
            text += [f"  {' / '.join(key)}" for key in self.rollup_added]
        if self.rollup_not_in_register:
            text.append(
                f"Rollup: {len(self.rollup_not_in_register)} rows no longer match any register "
                "line (kept; their totals are 0; delete them if they are not wanted):"
            )
            text += [f"  {' / '.join(key)}" for key in self.rollup_not_in_register]
        if self.refreshed_at is not None:
            text.append(f"Refreshed {self.refreshed_at:%d/%m/%Y %H:%M} by {self.refreshed_by}.")
        return "\n".join(text)


def rollup_year(line: BenefitLine, tracker_year: FinancialYear) -> str:
    """The financial year a line rolls up under: the one its register row gives (the Financial
    year column that tblRollup's totals match on), else the year the tracker reports."""
    return line.financial_year or tracker_year.label


def financial_year(book: Book) -> FinancialYear:
    """The year the tracker reports, from its FinancialYear cell."""
    value = book.name_value(Name.FINANCIAL_YEAR)
    try:
        return FinancialYear.parse(str(value or ""), Name.FINANCIAL_YEAR)
    except InvalidValue as error:
        raise NotATracker(error.message) from None


def _finding_row(finding: Finding) -> dict[str, str | float]:
    return {
        FindingsColumn.CHECK: finding.check.value,
        FindingsColumn.LINE: finding.line_id,
        FindingsColumn.ROW: finding.row,
        FindingsColumn.COLUMN: str(finding.column),
        FindingsColumn.FINDING: finding.message,
    }


def _write_findings(book: Book, findings: Sequence[Finding]) -> None:
    require_columns(book, Table.FINDINGS, list(FindingsColumn))
    order = list(Check)
    # the register's findings by its row, then those of rows on other sheets
    ranked = sorted(
        findings,
        key=lambda f: (f.check == Check.ROWS_NAME_A_LINE, f.row, order.index(f.check), f.column),
    )
    book.replace_rows(Table.FINDINGS, [_finding_row(finding) for finding in ranked])


def _list_checks(book: Book) -> list[str]:
    """Add to tblChecks any check it does not list yet; the count is the table's formula."""
    require_columns(book, Table.CHECKS, list(ChecksColumn))
    listed = {str(row.values.get(ChecksColumn.CHECK) or "") for row in book.rows(Table.CHECKS)}
    missing = [check.value for check in Check if check.value not in listed]
    for name in missing:
        book.append_row(Table.CHECKS, {ChecksColumn.CHECK: name})
    return missing


def _key(values: Mapping[str, Value]) -> RollupKey:
    def text(column: str) -> str:
        return str(values.get(column) or "").strip()

    return text(RollupColumn.PROGRAMME), text(RollupColumn.WARD), text(RollupColumn.YEAR)


def _extend_rollup(
    book: Book, lines: Sequence[BenefitLine]
) -> tuple[list[RollupKey], list[RollupKey]]:
    """Add a rollup row for each (programme, ward, year) of the register not yet listed.

    Existing rows keep their place and order, whatever a user has put beside them; rows whose
    key no longer matches any line are kept too (their totals fall to 0) and reported, since
    deleting a row a user may have annotated is for the user to decide.
    """
    require_columns(
        book, Table.ROLLUP, [RollupColumn.PROGRAMME, RollupColumn.WARD, RollupColumn.YEAR]
    )
    existing = [_key(row.values) for row in book.rows(Table.ROLLUP)]
    tracker_year = financial_year(book)
    wanted: list[RollupKey] = []
    for line in lines:
        key = (line.programme, line.ward, rollup_year(line, tracker_year))
        if line.programme and key not in wanted:
            wanted.append(key)
    added = [key for key in wanted if key not in existing]
    for programme, ward, year in added:
        book.append_row(
            Table.ROLLUP,
            {RollupColumn.PROGRAMME: programme, RollupColumn.WARD: ward, RollupColumn.YEAR: year},
        )
    return added, [key for key in existing if key not in wanted]


def _add_phasing_rows(book: Book, lines: Sequence[BenefitLine]) -> list[str]:
    """Give every register line with an ID that has no phasing row one, at the bottom of
    tblPhasing (its plan is the table's formulas); the IDs it was given for."""
    try:
        if PhasingColumn.LINE not in book.columns(Table.PHASING):
            return []
    except NotATracker:  # a team's own workbook, phased (if at all) its own way
        return []
    phased = {_text(row.values.get(PhasingColumn.LINE)) for row in book.rows(Table.PHASING)}
    added: list[str] = []
    for line in lines:
        if line.id and line.id not in phased and line.id not in added:
            book.append_row(Table.PHASING, {PhasingColumn.LINE: line.id})
            added.append(line.id)
    return added


def _text(value: Value) -> str:
    return "" if value is None else str(value).strip()


def _rows_naming_no_line(book: Book, lines: Sequence[BenefitLine]) -> list[Finding]:
    """Phasing rows naming no register line, and source rows (Released Time, Stock, Second
    Order) that no register line names as its source line: one finding each, with its sheet
    and row. A table the workbook lacks (a team's own workbook) has none."""
    ids = {line.id for line in lines}
    sources = {line.source_line for line in lines}
    tables: list[tuple[str, str, set[str], str, str]] = [
        (Table.PHASING, PhasingColumn.LINE, ids, "names line", "no register line has")
    ]
    tables += [
        (table, line, sources, "has code", "no register line names it as its Source line")
        for table, line, _ in SOURCE_TABLES
    ]
    found = []
    for table, column, known, has, why in tables:
        try:
            if column not in book.columns(table):
                continue
        except NotATracker:
            continue
        for row in book.rows(table):
            code = _text(row.values.get(column))
            if code and code not in known:
                sheet = book.cell_address(table, column, row.row).partition("!")[0]
                found.append(
                    Finding(
                        Check.ROWS_NAME_A_LINE,
                        code,
                        row.row,
                        column,
                        f"{sheet} row {row.row} ({table}) {has} {code}, which {why}: "
                        "correct the code, or delete the row",
                    )
                )
    return found


def read_register(book: Book) -> list[BenefitLine]:
    """The register's lines, from tblBenefits."""
    require_columns(book, Table.BENEFITS, _NEEDED)
    return [benefit_line(row.row, row.values) for row in book.rows(Table.BENEFITS)]


def read_statuses(book: Book) -> list[str]:
    """The statuses the tracker weights, from tblStatusWeights."""
    require_columns(book, Table.STATUS_WEIGHTS, [StatusWeightsColumn.STATUS])
    statuses = (
        row.values.get(StatusWeightsColumn.STATUS) for row in book.rows(Table.STATUS_WEIGHTS)
    )
    return [str(status).strip() for status in statuses if status not in (None, "")]


def refresh(book: Book, user: str, now: datetime) -> RefreshResult:
    """Check the register, write the findings to Checks, extend the rollup, stamp the tracker.

    Raises :class:`NotATracker` (before writing anything) when a table, column or name the
    refresh needs is missing.
    """
    year = financial_year(book)
    lines = read_register(book)
    statuses = read_statuses(book)
    for table, columns in (
        (Table.FINDINGS, list(FindingsColumn)),
        (Table.CHECKS, list(ChecksColumn)),
        (Table.ROLLUP, [RollupColumn.PROGRAMME, RollupColumn.WARD, RollupColumn.YEAR]),
    ):
        require_columns(book, table, columns)
    for name in (Name.REFRESHED_AT, Name.REFRESHED_BY):
        book.name_value(name)  # a missing name is found now, not after half the writing

    phasing_added = _add_phasing_rows(book, lines)
    findings = [*check_register(lines, year, statuses), *_rows_naming_no_line(book, lines)]
    _write_findings(book, findings)
    checks_added = _list_checks(book)
    added, stale = _extend_rollup(book, lines)
    book.set_name_value(Name.REFRESHED_AT, now)
    book.set_name_value(Name.REFRESHED_BY, user)
    return RefreshResult(
        year=year,
        lines=len(lines),
        findings=findings,
        rollup_added=added,
        rollup_not_in_register=stale,
        checks_added=checks_added,
        phasing_added=phasing_added,
        refreshed_at=now,
        refreshed_by=user,
    )
