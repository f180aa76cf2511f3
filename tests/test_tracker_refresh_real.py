"""The refresh on the real tracker: the example and template new-tracker builds, not a stand-in.

The example tracker is refreshed as it is, then broken the way a user would break
it (an owner cleared, a line given another's ID, a line added for a new ward), the changes typed
through productive_xl's own FileBook, which rewrites only the cells it changes (openpyxl would
rewrite the whole file). The findings, the check counts and the new ward's totals are worked out
by hand below from DOMAIN.md; openpyxl and LibreOffice read the results.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from built_trackers import BuiltTrackers
from example_figures import MONTHS_CLOSED, chart_gaps
from libreoffice import formula_values, recalculated_values
from workbook_reading import named_value, table_rows

from productive_xl.cli.main import main
from productive_xl.ooxml.package import open_package
from productive_xl.ooxml.workbook import read_workbook
from productive_xl.tracker.book import Value
from productive_xl.tracker.checks import Check
from productive_xl.tracker.file_book import FileBook
from productive_xl.tracker.layout import (
    MONTHS,
    ChecksColumn,
    FindingsColumn,
    Measure,
    Name,
    PhasingColumn,
    RevenueColumn,
    RollupColumn,
    Sheet,
    Table,
    month_column,
)
from productive_xl.tracker.refresh_file import refresh_file
from productive_xl.tracker.register import Column

NOW = datetime(2026, 11, 25, 21, 30)
USER = "Finance team"

# The example's register: a header on worksheet row 7, then PW-01 on row 8 ... POT-03 on row 18.
PW_03_ROW = 10
POT_01_ROW = 16
POT_02_ROW = 17
NEW_LINE_ROW = 19

# The line added for a new ward: £24,000 a year of bank shifts avoided, from 1 November 2025
# with a two-month ramp, Green, cash releasing.
NEW_WARD = "Ward 3 (Elderly care)"
NEW_LINE: dict[str, Value] = {
    Column.ID: "PW-06",
    Column.PROGRAMME: "Productive Ward",
    Column.SCHEME: "Rostering",
    Column.WARD: NEW_WARD,
    Column.DIRECTORATE: "Medicine",
    Column.OWNER: "Sister H. Shah",
    Column.BENEFIT_TYPE: "Revenue reduction",
    Column.CASH_RELEASING: "Yes",
    Column.RECURRENCE: "Recurrent",
    Column.SOURCE_LINE: "BANK-W3",
    Column.MEASURE: "Bank shifts 20 -> 12 a month at £250",
    Column.FULL_YEAR_EFFECT: 24_000,
    Column.START_DATE: date(2025, 11, 1),
    Column.RAMP_MONTHS: 2,
    Column.STATUS: "Green",
    Column.EVIDENCE: "Bank office shift reports",
}
# ... and its working on Second Order: (20 - 12) shifts a month x £250 x 12 months = 24,000
NEW_WORKING: dict[str, Value] = {
    RevenueColumn.LINE: "BANK-W3",
    RevenueColumn.WARD: NEW_WARD,
    RevenueColumn.WHAT: "Bank shifts",
    RevenueColumn.BASELINE: 20,
    RevenueColumn.CURRENT: 12,
    RevenueColumn.UNIT_COST: 250,
}
# DOMAIN.md F6 by hand: the run rate is 24,000 / 12 = 2,000 a month; November is benefit month
# 1 of a 2-month ramp (1/2 of the rate), December to March months 2 to 5 (all of it):
NEW_PLAN = [0.0] * 7 + [2_000 * 1 / 2] + [2_000.0] * 4  # April..October nothing
NEW_IN_YEAR = 2_000 * (1 / 2 + 4)  # 9,000
# F7: Green weighs 0.9; the line releases cash, so all of its in-year effect is cash
NEW_RISK_ADJUSTED = NEW_IN_YEAR * 0.9  # 8,100
NEW_CASH = NEW_IN_YEAR  # 9,000

# The findings, in the order the refresh writes them (by register row): PW-03 lost its owner;
# POT-02 was given POT-01's ID, so both lines with it are found. The new line breaks no rule.
EXPECTED_FINDINGS = [
    (Check.OWNER.value, "PW-03", PW_03_ROW, Column.OWNER.value),
    (Check.UNIQUE_ID.value, "POT-01", POT_01_ROW, Column.ID.value),
    (Check.UNIQUE_ID.value, "POT-01", POT_02_ROW, Column.ID.value),
]
EXPECTED_COUNTS = {check.value: 0 for check in Check} | {
    Check.OWNER.value: 1,
    Check.UNIQUE_ID.value: 2,
}


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _sheet_part(path: Path, sheet: str) -> str:
    part = read_workbook(open_package(path)).sheet(sheet).part
    assert part is not None
    return part


def _typed(values: Mapping[str, Value], change: Mapping[str, Value]) -> dict[str, Value]:
    return {**values, **change}


def _break_example(example: Path, target: Path, *, keep_stale_phasing_row: bool) -> None:
    """The example as a user breaks it, typed in through FileBook: PW-03's owner cleared,
    POT-02 given POT-01's ID, PW-06 added for a new ward with its phasing row. Unless
    ``keep_stale_phasing_row``, the phasing row of the old ID POT-02 is deleted too."""
    book = FileBook(example)
    changes: dict[str, dict[str, Value]] = {
        "PW-03": {Column.OWNER: None},
        "POT-02": {Column.ID: "POT-01"},
    }
    lines = [
        _typed(row.values, changes.get(str(row.values[Column.ID]), {}))
        for row in book.rows(Table.BENEFITS)
    ]
    book.replace_rows(Table.BENEFITS, lines)  # calculated columns keep their formulas
    assert book.append_row(Table.BENEFITS, NEW_LINE) == NEW_LINE_ROW
    book.append_row(Table.REVENUE, NEW_WORKING)
    phasing = [dict(row.values) for row in book.rows(Table.PHASING)]
    if not keep_stale_phasing_row:
        phasing = [row for row in phasing if row[PhasingColumn.LINE] != "POT-02"]
    book.replace_rows(Table.PHASING, [*phasing, {PhasingColumn.LINE: "PW-06"}])
    book.save(target)


@pytest.fixture(scope="module")
def example(built_trackers: BuiltTrackers) -> Path:
    return built_trackers.example


@pytest.fixture(scope="module")
def template(built_trackers: BuiltTrackers) -> Path:
    return built_trackers.template


# --- (a) the example as built --------------------------------------------------------------------


@pytest.fixture(scope="module")
def refreshed_example(example: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("example") / "refreshed.xlsm"
    before = example.read_bytes()
    result, report = refresh_file(example, out, user=USER, now=NOW)
    assert example.read_bytes() == before
    assert result.findings == []
    assert result.rollup_added == []
    assert result.rollup_not_in_register == []
    assert report.complete
    assert [error["cell"] for error in report.errors] == chart_gaps(MONTHS_CLOSED)
    return out


def test_the_example_refreshes_with_no_finding_and_a_master_check_of_0(
    example: Path, refreshed_example: Path
) -> None:
    values = openpyxl.load_workbook(refreshed_example, data_only=True)
    assert named_value(values, Name.MASTER_CHECK) == 0
    assert [row[ChecksColumn.COUNT] for row in table_rows(values, Table.CHECKS)] == [0] * len(Check)
    assert [list(row.values()) for row in table_rows(values, Table.FINDINGS)] == [[None] * 5]
    book = FileBook(refreshed_example)
    assert book.name_value(Name.REFRESHED_AT) == NOW
    assert book.name_value(Name.REFRESHED_BY) == USER
    assert FileBook(example).name_value(Name.REFRESHED_BY) != USER


def test_refreshing_the_example_changes_the_about_sheet_alone(
    example: Path, refreshed_example: Path
) -> None:
    before, after = _members(example), _members(refreshed_example)
    assert list(after) == list(before)
    differing = {name for name in before if before[name] != after[name]}
    assert differing == {_sheet_part(example, Sheet.ABOUT)}


# --- (b) the example broken as a user would, then refreshed -------------------------------------


@pytest.fixture(scope="module")
def broken_and_refreshed(
    example: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("broken")
    broken = folder / "broken.xlsm"
    _break_example(example, broken, keep_stale_phasing_row=False)
    # the user's typing changed the Register and Phasing sheets and the grown register table,
    # and nothing else of the example
    typed = {name for name, data in _members(example).items() if _members(broken)[name] != data}
    info = read_workbook(open_package(broken))
    grown = {t.part for t in info.tables if t.name in (Table.BENEFITS, Table.REVENUE)}
    assert typed == {
        _sheet_part(broken, Sheet.REGISTER),
        _sheet_part(broken, Sheet.PHASING),
        _sheet_part(broken, Sheet.SECOND_ORDER),
        *grown,
    }
    out = folder / "refreshed.xlsm"
    result, report = refresh_file(broken, out, user=USER, now=NOW)
    assert report.complete
    assert [error["cell"] for error in report.errors] == chart_gaps(MONTHS_CLOSED)
    assert [(f.check.value, f.line_id, f.row, f.column) for f in result.findings] == [
        EXPECTED_FINDINGS[1],  # the checks' order: IDs first, then owners
        EXPECTED_FINDINGS[2],
        EXPECTED_FINDINGS[0],
    ]
    assert result.rollup_added == [("Productive Ward", NEW_WARD, "2025/26")]
    return broken, out


def test_the_findings_name_each_broken_line_and_column(
    broken_and_refreshed: tuple[Path, Path],
) -> None:
    _, out = broken_and_refreshed
    values = openpyxl.load_workbook(out, data_only=True)
    found = [
        (
            row[FindingsColumn.CHECK],
            row[FindingsColumn.LINE],
            row[FindingsColumn.ROW],
            row[FindingsColumn.COLUMN],
        )
        for row in table_rows(values, Table.FINDINGS)
    ]
    assert found == EXPECTED_FINDINGS
    messages = [row[FindingsColumn.FINDING] for row in table_rows(values, Table.FINDINGS)]
    assert messages == [
        "no owner is named",
        "ID POT-01 is used by 2 lines",
        "ID POT-01 is used by 2 lines",
    ]


def test_the_check_counts_and_master_check_are_the_number_of_findings(
    broken_and_refreshed: tuple[Path, Path],
) -> None:
    _, out = broken_and_refreshed
    values = openpyxl.load_workbook(out, data_only=True)
    counts = {
        row[ChecksColumn.CHECK]: row[ChecksColumn.COUNT] for row in table_rows(values, Table.CHECKS)
    }
    assert counts == EXPECTED_COUNTS
    # 1 owner + 2 IDs; the formula checks find nothing: the new line agrees with its phasing
    # row, the rollup holds it, and a phasing row takes the first register line of its ID
    assert named_value(values, Name.MASTER_CHECK) == 1 + 2 == len(EXPECTED_FINDINGS)
    for sheet in values.worksheets[:-1]:  # every sheet but xlwings.conf
        assert sheet["C2"].value == 3, sheet.title


def test_the_new_wards_rollup_row_is_worked_out_by_hand(
    example: Path, broken_and_refreshed: tuple[Path, Path]
) -> None:
    _, out = broken_and_refreshed
    values = openpyxl.load_workbook(out, data_only=True)
    rollup = table_rows(values, Table.ROLLUP)
    new = rollup[-1]
    assert (new[RollupColumn.PROGRAMME], new[RollupColumn.WARD], new[RollupColumn.YEAR]) == (
        "Productive Ward",
        NEW_WARD,
        "2025/26",
    )
    assert new[RollupColumn.FULL_YEAR_EFFECT] == 24_000
    assert new[RollupColumn.IN_YEAR_EFFECT] == pytest.approx(NEW_IN_YEAR)  # 9,000
    assert new[RollupColumn.RISK_ADJUSTED] == pytest.approx(NEW_RISK_ADJUSTED)  # 8,100
    assert new[RollupColumn.CASH_RELEASING] == pytest.approx(NEW_CASH)  # 9,000
    # the rows the example had are where they were, with the same figures: no line moved ward
    before = table_rows(openpyxl.load_workbook(example, data_only=True), Table.ROLLUP)
    assert rollup[:-1] == before
    # the new line's phasing row follows F6 month by month, and adds up to its in-year effect
    (phasing,) = [
        row for row in table_rows(values, Table.PHASING) if row[PhasingColumn.LINE] == "PW-06"
    ]
    assert [phasing[month_column(Measure.PLAN, month)] for month in MONTHS] == pytest.approx(
        NEW_PLAN
    )
    assert phasing[PhasingColumn.PLAN_TOTAL] == pytest.approx(NEW_IN_YEAR)
    assert phasing[PhasingColumn.PLAN_DISAGREES] is False


def test_only_what_the_user_and_the_refresh_changed_differs(
    broken_and_refreshed: tuple[Path, Path],
) -> None:
    broken, out = broken_and_refreshed
    before, after = _members(broken), _members(out)
    assert list(after) == list(before)
    differing = {name for name in before if before[name] != after[name]}
    info = read_workbook(open_package(out))
    sheets = {sheet.part for sheet in info.worksheets() if sheet.name != Sheet.XLWINGS_CONF}
    grown = {table.part for table in info.tables if table.name in (Table.ROLLUP, Table.FINDINGS)}
    # every sheet shows the master check (now 3) in C2, so every sheet's values change but
    # xlwings' settings; of the tables, the two the refresh grew; the VBA project, ribbon,
    # styles, shared strings, charts and the other tables keep their bytes
    assert differing == sheets | grown


def test_a_phasing_row_left_naming_no_line_is_a_finding_with_its_row(
    example: Path, tmp_path: Path
) -> None:
    """Had the user left POT-02's phasing row, it names no register line: the refresh lists it
    with its sheet and row, it plans nothing, and no cell shows an error."""
    broken = tmp_path / "broken.xlsm"
    _break_example(example, broken, keep_stale_phasing_row=True)
    out = tmp_path / "refreshed.xlsm"
    result, report = refresh_file(broken, out, user=USER, now=NOW)
    assert [error["cell"] for error in report.errors] == chart_gaps(MONTHS_CLOSED)
    stale_row = next(
        row.row
        for row in FileBook(broken).rows(Table.PHASING)
        if row.values[PhasingColumn.LINE] == "POT-02"
    )
    assert stale_row == 18  # tblPhasing's header is on row 8; POT-02 is the example's tenth line
    assert [(f.check.value, f.line_id, f.row, f.column) for f in result.findings][-1] == (
        Check.ROWS_NAME_A_LINE.value,
        "POT-02",
        stale_row,
        PhasingColumn.LINE.value,
    )
    assert result.findings[-1].message.startswith(f"Phasing row {stale_row} (tblPhasing)")
    values = openpyxl.load_workbook(out, data_only=True)
    (stale,) = [r for r in table_rows(values, Table.PHASING) if r[PhasingColumn.LINE] == "POT-02"]
    assert stale[PhasingColumn.FULL_YEAR_EFFECT] == 0
    assert stale[PhasingColumn.PLAN_TOTAL] == 0
    counts = {
        row[ChecksColumn.CHECK]: row[ChecksColumn.COUNT] for row in table_rows(values, Table.CHECKS)
    }
    assert counts == EXPECTED_COUNTS | {Check.ROWS_NAME_A_LINE.value: 1}
    assert named_value(values, Name.MASTER_CHECK) == len(EXPECTED_FINDINGS) + 1


@pytest.mark.slow
@pytest.mark.libreoffice
def test_libreoffice_opens_the_refreshed_tracker_and_counts_the_findings(
    broken_and_refreshed: tuple[Path, Path],
) -> None:
    _, out = broken_and_refreshed
    ours = formula_values(out)
    theirs = recalculated_values(out)
    assert {sheet for sheet, _ in theirs} == {sheet.value for sheet in Sheet}
    # tblChecks' counts are ordinary formulas over tblFindings: LibreOffice's own count
    checks = openpyxl.load_workbook(out)[Sheet.CHECKS]
    header, *body = checks[checks.tables[Table.CHECKS].ref]
    at = [cell.value for cell in header].index(ChecksColumn.COUNT)
    counted = {row[0].value: theirs[Sheet.CHECKS, row[at].coordinate] for row in body}
    assert counted == EXPECTED_COUNTS
    assert [ours[Sheet.CHECKS, row[at].coordinate] for row in body] == list(
        EXPECTED_COUNTS.values()
    )


# --- (c) the command on the empty template -------------------------------------------------------


def test_cli_refresh_of_the_empty_template(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "tracker.xlsm"
    report = tmp_path / "report.json"
    before = template.read_bytes()
    argv = ["refresh", str(template), "-o", str(out), "--user", USER, "--report", str(report)]
    assert main(argv) == 0
    assert template.read_bytes() == before
    printed = capsys.readouterr().out
    assert "0 register lines checked for 2025/26: 0 findings." in printed
    assert "12 show errors" in printed  # the monthly chart's gaps: no month closed yet
    errors = json.loads(report.read_text())["errors"]
    assert [error["cell"] for error in errors] == chart_gaps(0)
    values = openpyxl.load_workbook(out, data_only=True)
    shown = [
        f"{sheet.title}!{cell.coordinate}"
        for sheet in values.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.value.startswith("#")
    ]
    assert shown == chart_gaps(0)
    assert named_value(values, Name.MASTER_CHECK) == 0
    assert FileBook(out).name_value(Name.REFRESHED_BY) == USER
