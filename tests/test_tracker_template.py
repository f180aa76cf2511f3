"""The tracker template and the example tracker (``productive-xl new-tracker [--example]``).

The example's figures are worked out here by hand from DOMAIN.md's formulas and the example's
inputs (the pay points of Agenda for Change 2025/26, the task timings, the stock counts), then
compared with what productive-xl recalc computes in the workbook; LibreOffice headless opens
both workbooks and recalculates every ordinary formula independently.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlwings
from built_trackers import BOTH, BuiltTrackers
from example_figures import (
    BAND_5,
    CASH_RELEASING,
    FULL_YEAR,
    IN_YEAR,
    MONTHS_CLOSED,
    RT_01,
    RT_02,
    RT_03,
    RT_04,
    RT_05,
    STATUS,
    chart_gaps,
    hourly_cost,
    pence,
)
from libreoffice import formula_values, recalculated_values
from lxml import etree
from workbook_reading import named_value, table_rows

from productive_xl import recalc
from productive_xl.cli.main import EXIT_ENVIRONMENT, main
from productive_xl.core import FinancialYear
from productive_xl.tracker.checks import Check, check_register
from productive_xl.tracker.file_book import FileBook
from productive_xl.tracker.layout import (
    MONTHS,
    AssumptionsColumn,
    Name,
    PhasingColumn,
    RevenueColumn,
    RollupColumn,
    Sheet,
    StatusWeightsColumn,
    Table,
    TaskTimesColumn,
)
from productive_xl.tracker.refresh_file import refresh_file
from productive_xl.tracker.register import Column, benefit_line
from productive_xl.tracker.template.build import build_tracker, build_workbook
from productive_xl.vbaproject.reading import read_vba_project


@pytest.fixture(scope="module")
def example_values(tmp_path_factory: pytest.TempPathFactory) -> Iterator[openpyxl.Workbook]:
    """The example as built (no values), recalculated by productive_xl.recalc."""
    path = tmp_path_factory.mktemp("example") / "example.xlsx"
    build_workbook(path, example=True)
    report = recalc(path)
    assert report.complete, report.not_recalculated
    assert [error["cell"] for error in report.errors] == chart_gaps(MONTHS_CLOSED)
    book = openpyxl.load_workbook(path, data_only=True)
    yield book
    book.close()


# --- (a) a build is the same every time, and opens with the values recalc gives ----------------


@pytest.mark.parametrize("tracker", BOTH)
def test_two_builds_are_identical_byte_for_byte(
    built_trackers: BuiltTrackers, tracker: str, tmp_path: Path
) -> None:
    """new-tracker's build (the session's) and another by build_tracker, later, in another
    folder: the same bytes, so a build can be checked and reproduced without committing it."""
    again = tmp_path / "again.xlsm"
    build_tracker(again, example=tracker == "example", year=FinancialYear(2025))
    assert again.read_bytes() == built_trackers[tracker].read_bytes()


def test_the_built_trackers_carry_the_installed_xlwings_module(
    built_trackers: BuiltTrackers,
) -> None:
    """xlwings' module is taken from the installed package at build time, unchanged."""
    installed = (Path(xlwings.__file__).parent / "xlwings.bas").read_bytes().decode("cp1252")
    for tracker in BOTH:
        with zipfile.ZipFile(built_trackers[tracker]) as package:
            project = read_vba_project(package.read("xl/vbaProject.bin"))
        modules = {module.name: module.code for module in project.modules}
        assert modules["xlwings"] == installed, tracker


def test_the_built_example_holds_the_values_recalc_gives(
    built_trackers: BuiltTrackers, tmp_path: Path
) -> None:
    copy = tmp_path / "example.xlsm"
    copy.write_bytes(built_trackers.example.read_bytes())
    report = recalc(copy)
    assert report.complete
    assert report.formula_cells > 500
    assert report.changed_count == 0
    assert copy.read_bytes() == built_trackers.example.read_bytes()


# --- (b) the example's figures, worked out by hand ----------------------------------------------


def test_hand_worked_costs_agree_with_domain_worked_example() -> None:
    # DOMAIN.md: Band 5 entry (31,049) costs 25.3839 a productive hour
    assert hourly_cost(31049) == pytest.approx(25.3839, abs=1e-4)


def test_example_lines_give_the_hand_worked_figures(example_values: openpyxl.Workbook) -> None:
    lines = {row[Column.ID]: row for row in table_rows(example_values, Table.BENEFITS)}
    assert set(lines) == set(IN_YEAR)
    for line_id, expected in IN_YEAR.items():
        line = lines[line_id]
        assert line[Column.IN_YEAR_EFFECT] == pytest.approx(expected, abs=0.005), line_id
        assert line[Column.RISK_ADJUSTED] == pytest.approx(expected * STATUS[line_id], abs=0.005)
        cash = expected if line_id in CASH_RELEASING else 0
        assert line[Column.CASH_IN_YEAR] == pytest.approx(cash, abs=0.005)
        assert line[Column.START_YEAR] == "2025/26"


def test_example_totals_are_the_hand_worked_totals(example_values: openpyxl.Workbook) -> None:
    dashboard = {
        row[0]: row[1]
        for row in example_values[Sheet.DASHBOARD].iter_rows(
            min_row=6, max_row=17, values_only=True
        )
    }
    typed = sum(map(pence, (RT_01, RT_02, RT_03, RT_04, RT_05)))
    full_year = typed + 36_000 + 134_000 + 11_500 + 2_000_000 + 172_800 + 35_250
    assert full_year == pytest.approx(sum(FULL_YEAR.values()))
    assert dashboard["Full-year effect (£)"] == pytest.approx(full_year, abs=0.001)
    in_year = sum(IN_YEAR.values())
    assert in_year == pytest.approx(1_070_346.28, abs=0.01)  # the sum above, once more by eye
    assert dashboard["In-year effect: the plan for the year (£)"] == pytest.approx(
        in_year, abs=0.01
    )
    assert dashboard["Risk-adjusted in-year (£)"] == pytest.approx(
        sum(value * STATUS[line] for line, value in IN_YEAR.items()), abs=0.01
    )
    assert dashboard["Cash-releasing in-year (£)"] == pytest.approx(
        sum(IN_YEAR[line] for line in CASH_RELEASING), abs=0.01
    )
    hours = (
        (45 - 30) * 3 * 365 + (40 - 25) * 3 * 365 + (50 - 20) * 2 * 365 + 30 * 260 + 20 * 2 * 250
    ) / 60
    assert dashboard["Staff time released (WTE)"] == pytest.approx(hours / 1553)
    # the twelve months of plan add up to the in-year effect
    plan = [r[PhasingColumn.PLAN_TOTAL] for r in table_rows(example_values, Table.PHASING)]
    assert sum(plan) == pytest.approx(in_year, abs=0.01)

    # the timeline by hand: theatre income (POT-01) from October with a 3-month ramp
    theatre = next(r for r in table_rows(example_values, Table.PHASING) if r["Line ID"] == "POT-01")
    monthly = 800 * (3400 - 900) / 12
    assert [theatre[f"Plan {month}"] for month in MONTHS] == pytest.approx(
        [0] * 6 + [monthly / 3, monthly * 2 / 3] + [monthly] * 4
    )
    stock = next(r for r in table_rows(example_values, Table.PHASING) if r["Line ID"] == "PCS-01")
    assert [stock[f"Plan {month}"] for month in MONTHS] == [0, 0, 134_000] + [0] * 9

    rollup = table_rows(example_values, Table.ROLLUP)
    assert sum(row[RollupColumn.IN_YEAR_EFFECT] for row in rollup) == pytest.approx(in_year)
    theatre = [
        row for row in rollup if row[RollupColumn.PROGRAMME] == "Productive Operating Theatre"
    ]
    assert [row[RollupColumn.FULL_YEAR_EFFECT] for row in theatre] == [2_000_000 + 172_800 + 35_250]


def test_source_sheets_value_each_line_as_worked_by_hand(
    example_values: openpyxl.Workbook,
) -> None:
    tasks = {
        row["Line"]: row["Value a year"] for row in table_rows(example_values, Table.TASK_TIMES)
    }
    assert tasks == pytest.approx(
        {"RT-01": RT_01, "RT-02": RT_02, "RT-03": RT_03, "RT-04": RT_04, "RT-05": RT_05}
    )
    assert round(RT_01, 2) == 7504.85  # 273.75 h x £27.415
    stock = {row["Line"]: row for row in table_rows(example_values, Table.STOCK)}
    assert stock["ST-01"]["One-off release"] == 134_000
    assert stock["ST-02"]["Recurrent a year"] == 11_500
    # days of stock: 78,000 / (640,000 / 365)
    assert stock["ST-01"]["Days of stock after"] == pytest.approx(78000 / (640000 / 365))


def test_example_passes_every_check(example_values: openpyxl.Workbook) -> None:
    assert named_value(example_values, Name.MASTER_CHECK) == 0
    counts = [row["Count"] for row in table_rows(example_values, Table.CHECKS)]
    assert len(counts) == len(Check)
    assert all(count == 0 for count in counts)
    # The register's rules, as the refresh checks them, find nothing in the example
    register = example_values[Sheet.REGISTER]
    first = register.tables[Table.BENEFITS].ref.split(":")[0]
    top = register[first].row + 1
    lines = [
        benefit_line(
            top + offset,
            {k: v.date() if isinstance(v, datetime) else v for k, v in row.items()},
        )
        for offset, row in enumerate(table_rows(example_values, Table.BENEFITS))
    ]
    statuses = [
        row[StatusWeightsColumn.STATUS] for row in table_rows(example_values, Table.STATUS_WEIGHTS)
    ]
    assert check_register(lines, FinancialYear(2025), statuses) == []


def test_example_has_every_kind_of_line(example_values: openpyxl.Workbook) -> None:
    lines = table_rows(example_values, Table.BENEFITS)
    assert {line[Column.STATUS] for line in lines} == {"Red", "Amber", "Green", "Blue"}
    assert {line[Column.CASH_RELEASING] for line in lines} == {"Yes", "No"}
    bands = {row["Band"] for row in table_rows(example_values, Table.TASK_TIMES)}
    assert len(bands) >= 4


def test_a_broken_line_shows_in_the_master_check(tmp_path: Path) -> None:
    """The checks can fail: a register figure that no longer agrees with its source sheet."""
    path = tmp_path / "broken.xlsx"
    build_workbook(path, example=True)
    book = openpyxl.load_workbook(path)
    register = book[Sheet.REGISTER]
    for row in register.iter_rows():
        for cell in row:
            if cell.value == "PW-01":
                fye = register.cell(cell.row, list(Column).index(Column.FULL_YEAR_EFFECT) + 1)
                fye.value = 9000  # 7,504.85 on the Released Time sheet
    book.save(path)
    recalc(path)
    values = openpyxl.load_workbook(path, data_only=True)
    # the source check, and the phasing row still agrees (it follows the register)
    assert named_value(values, Name.MASTER_CHECK) == 1


# --- (b2) the empty template opens with blanks and a master check of 0 ----------------------------

# The tables a new tracker holds no rows of: each keeps the one empty row Excel needs.
EMPTY_TABLES = (
    Table.BENEFITS,
    Table.TASK_TIMES,
    Table.STOCK,
    Table.PHASING,
    Table.ROLLUP,
    Table.FINDINGS,
)


def test_the_empty_template_shows_no_error_and_a_master_check_of_0(
    built_trackers: BuiltTrackers, tmp_path: Path
) -> None:
    copy = tmp_path / "template.xlsm"
    copy.write_bytes(built_trackers.template.read_bytes())
    report = recalc(copy)
    assert report.complete
    # no error but the monthly chart's gaps: no month is closed in a new tracker
    assert [error["cell"] for error in report.errors] == chart_gaps(0)
    assert copy.read_bytes() == built_trackers.template.read_bytes()  # built with these values
    values = openpyxl.load_workbook(copy, data_only=True)
    assert named_value(values, Name.MASTER_CHECK) == 0
    for sheet in values.worksheets[:-1]:  # every sheet but xlwings.conf shows it in C2
        assert sheet["C2"].value == 0, sheet.title
    assert [row["Count"] for row in table_rows(values, Table.CHECKS)] == [0] * len(Check)
    # each empty row's calculated cells are blank, not 0 and not an error
    formulas = openpyxl.load_workbook(copy)
    blanks = 0
    for table in EMPTY_TABLES:
        (row,) = table_rows(formulas, table)
        (shown,) = table_rows(values, table)
        calculated = [header for header, value in row.items() if value is not None]
        assert all(row[header].startswith("=IF(") for header in calculated), table
        assert {header: shown[header] for header in calculated} == dict.fromkeys(calculated)
        assert all(value is None for value in shown.values()), table
        blanks += len(calculated)
    assert blanks > 40
    # the Dashboard's totals of nothing are 0
    headline = [row[1] for row in values[Sheet.DASHBOARD].iter_rows(6, 17, values_only=True)]
    assert headline == [0] * 12


def _a_released_time_line(band: str, start: date | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """A register line resting on task timing RT-01, of ``band``, and the timing itself."""
    return {
        Column.ID: "PW-001",
        Column.PROGRAMME: "Productive Ward",
        Column.WARD: "Ward 1",
        Column.OWNER: "Ward manager",
        Column.BENEFIT_TYPE: "Released time",
        Column.CASH_RELEASING: "No",
        Column.RECURRENCE: "Recurrent",
        Column.SOURCE_LINE: "RT-01",
        Column.FULL_YEAR_EFFECT: 3000,
        Column.START_DATE: start,
        Column.RAMP_MONTHS: 0,
        Column.STATUS: "Green",
        Column.EVIDENCE: "Timings, May 2025",
    }, {
        TaskTimesColumn.LINE: "RT-01",
        TaskTimesColumn.WARD: "Ward 1",
        TaskTimesColumn.TASK: "Drug round",
        TaskTimesColumn.BAND: band,
        TaskTimesColumn.MINUTES_BEFORE: 30,
        TaskTimesColumn.MINUTES_AFTER: 20,
        TaskTimesColumn.TIMES_A_DAY: 2,
        TaskTimesColumn.DAYS_A_YEAR: 365,
    }


def _template_with(
    template: Path, tmp_path: Path, band: str, start: date | None
) -> openpyxl.Workbook:
    """The template with one register line and its task timing typed in (through FileBook,
    which changes only those cells), recalculated; its values."""
    line, timing = _a_released_time_line(band, start)
    book = FileBook(template)
    book.append_row(Table.BENEFITS, line)
    book.append_row(Table.TASK_TIMES, timing)
    path = tmp_path / "filled.xlsm"
    book.save(path)
    recalc(path)
    return openpyxl.load_workbook(path, data_only=True)


def test_a_filled_lines_unknown_band_still_shows_and_breaks_the_master_check(
    built_trackers: BuiltTrackers, tmp_path: Path
) -> None:
    values = _template_with(built_trackers.template, tmp_path, "Band 10", date(2025, 5, 1))
    (timing,) = table_rows(values, Table.TASK_TIMES)
    assert timing[TaskTimesColumn.HOURS_RELEASED] == pytest.approx((30 - 20) * 2 * 365 / 60)
    assert timing[TaskTimesColumn.HOURLY_COST] == "#N/A"  # tblRates has no Band 10
    assert timing[TaskTimesColumn.VALUE] == "#N/A"
    (line,) = table_rows(values, Table.BENEFITS)
    assert line[Column.SOURCE_FULL_YEAR_EFFECT] == "#N/A"
    assert line[Column.DISAGREES_WITH_SOURCE] == "#N/A"
    assert named_value(values, Name.MASTER_CHECK) == "#N/A"
    assert values[Sheet.REGISTER]["C2"].value == "#N/A"


def test_a_filled_lines_missing_start_date_still_shows_and_breaks_the_master_check(
    built_trackers: BuiltTrackers, tmp_path: Path
) -> None:
    values = _template_with(built_trackers.template, tmp_path, "Band 5", None)
    (line,) = table_rows(values, Table.BENEFITS)
    assert str(line[Column.START_YEAR]).startswith("#")
    assert str(line[Column.IN_YEAR_EFFECT]).startswith("#")
    # the line's other calculations still show: its timing is (30 - 20) x 2 x 365 / 60 hours
    # at Band 5's cost of an hour, 121.67 x 27.415 = 3,335.49, which is not the 3,000 typed
    assert line[Column.SOURCE_FULL_YEAR_EFFECT] == pytest.approx(
        (30 - 20) * 2 * 365 / 60 * BAND_5, abs=0.01
    )
    assert line[Column.DISAGREES_WITH_SOURCE] is True
    assert line[Column.PHASING_ROWS] == 0
    # disagrees with its source, has no phasing row, and the rollup has no row for it yet
    assert named_value(values, Name.MASTER_CHECK) == 1 + 1 + 1


# --- (c) LibreOffice opens both and agrees on every ordinary formula ----------------------------


@pytest.fixture(scope="module")
def as_built(tmp_path_factory: pytest.TempPathFactory) -> dict[bool, Path]:
    """Template and example as built and recalculated, before the VBA project is attached.

    LibreOffice imports a workbook's VBA and would run the PRODUCTIVE_* wrappers as Basic,
    which cannot reach Python there: the ordinary formulas are compared without them.
    """
    folder = tmp_path_factory.mktemp("as-built")
    built = {}
    for example in (False, True):
        path = folder / f"tracker-{example}.xlsx"
        build_workbook(path, example=example)
        assert recalc(path).complete
        built[example] = path
    return built


# How many formula cells LibreOffice works out at least, from the template's layout. It has no
# PRODUCTIVE_* function (#NAME?), nor does any cell that depends on one: the master check in C2
# of each sheet, the checks' total, anything over the rates Inputs computes. What is left:
MONTH_HEADERS = 3 * 12  # Phasing row 7: the month of each plan, forecast and actual column
DASHBOARD_TIMELINE = 12 * 4  # Dashboard rows 27-38: a month, its plan, forecast and actual
# The template: each table's one empty row, whose calculated cells are IF(key="","",...) and so
# "" in LibreOffice too, PRODUCTIVE_* call or not: tblBenefits 11, tblTaskTimes 4, tblStock 4,
# tblRollup 5, tblPhasing 23, tblIncome, tblRevenue and tblAssets 1 each; tblCosts' five years
# of total, benefits and net (ordinary formulas over the empty register); the note on Inputs.
# The Dashboard's totals of nothing: 8 headline figures, the 5 x 3 programme-by-order table and
# the timeline. Checks: the 9 counts of tblChecks and 5 of the 6 checks below them (the sixth
# calls PRODUCTIVE_FY).
TEMPLATE_COMPARED = (
    (11 + 4 + 4 + 5 + 23 + 3 + 5 * 3 + 1)
    + MONTH_HEADERS
    + (8 + 5 * 3 + DASHBOARD_TIMELINE)
    + (9 + 5)
)
# The example: the month headers, the 12 plan months of each of its lines (ordinary formulas over
# the line's in-year figures), and the Dashboard's timeline, which adds them up.
EXAMPLE_COMPARED = MONTH_HEADERS + 12 * len(IN_YEAR) + DASHBOARD_TIMELINE


@pytest.mark.slow
@pytest.mark.parametrize("example", [False, True], ids=["template", "example"])
@pytest.mark.libreoffice
def test_libreoffice_agrees_on_every_ordinary_formula(
    as_built: dict[bool, Path], example: bool
) -> None:
    workbook = as_built[example]
    ours = formula_values(workbook)
    theirs = recalculated_values(workbook)
    assert set(theirs) == set(ours)
    compared = 0
    for cell, value in ours.items():
        if theirs[cell] == "#NAME?":  # LibreOffice has no PRODUCTIVE_* functions
            continue
        if isinstance(value, float | int) and not isinstance(value, bool):
            assert theirs[cell] == pytest.approx(value, abs=1e-6), cell
        else:
            assert theirs[cell] == value, cell
        compared += 1
    assert compared >= (EXAMPLE_COMPARED if example else TEMPLATE_COMPARED)
    if example:
        # every plan month is an ordinary formula, so LibreOffice works out the whole timeline
        plan = {key for key in ours if key[0] == Sheet.PHASING and key[1][0] in "KLMNOPQRSTUV"}
        assert sum(1 for key in plan if theirs[key] != "#NAME?") == 12 + 12 * len(IN_YEAR)


@pytest.mark.slow
@pytest.mark.parametrize("tracker", BOTH)
@pytest.mark.libreoffice
def test_libreoffice_opens_the_macro_enabled_trackers(
    built_trackers: BuiltTrackers, tracker: str
) -> None:
    """The .xlsm trackers new-tracker builds, VBA project and ribbon included, load and save in
    LibreOffice, every sheet with them."""
    workbook = built_trackers[tracker]
    theirs = recalculated_values(workbook)
    assert {sheet for sheet, _ in theirs} == {sheet.value for sheet in Sheet}


# --- (d) openpyxl sees every table and name ----------------------------------------------------


@pytest.mark.parametrize("tracker", BOTH)
def test_openpyxl_sees_every_table_and_name(built_trackers: BuiltTrackers, tracker: str) -> None:
    workbook = built_trackers[tracker]
    book = openpyxl.load_workbook(workbook)
    assert book.sheetnames == [sheet.value for sheet in Sheet]
    tables = {name for sheet in book.worksheets for name in sheet.tables}
    assert tables == {table.value for table in Table}
    assert set(book.defined_names) == {name.value for name in Name}
    register = table_rows(book, Table.BENEFITS)
    assert list(register[0]) == [column.value for column in Column]
    phasing = list(table_rows(book, Table.PHASING)[0])
    assert phasing[0] == PhasingColumn.LINE
    assert [f"Plan {month}" in phasing for month in MONTHS] == [True] * 12


# --- (e) FAST rules, checked mechanically -----------------------------------------------------

# Strings, structured references, sheet-qualified names and cell references hold digits that
# are not constants; what is left of a formula after removing them may hold no number but 0 or 1.
_NOT_CONSTANTS = re.compile(
    r'"[^"]*"'  # a string
    r"|'[^']*'!"  # a quoted sheet name
    r"|\w+\[(?:[^\[\]]|\[[^\[\]]*\])*\]"  # a structured reference
    r"|\$?[A-Z]{1,3}\$?\d+"  # a cell reference
    r"|[A-Za-z_][\w.]*"  # a function or defined name
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _formulas(workbook: Path) -> Iterator[tuple[str, Any]]:
    book = openpyxl.load_workbook(workbook)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    yield f"{sheet.title}!{cell.coordinate}", cell


@pytest.mark.parametrize("tracker", BOTH)
def test_no_number_is_typed_inside_a_formula(built_trackers: BuiltTrackers, tracker: str) -> None:
    workbook = built_trackers[tracker]
    found = []
    for where, cell in _formulas(workbook):
        rest = _NOT_CONSTANTS.sub(" ", str(cell.value))
        found += [(where, n) for n in _NUMBER.findall(rest) if float(n) not in (0, 1)]
    assert found == []


@pytest.mark.parametrize("tracker", BOTH)
def test_each_table_column_is_one_formula_or_all_inputs(
    built_trackers: BuiltTrackers, tracker: str
) -> None:
    workbook = built_trackers[tracker]
    book = openpyxl.load_workbook(workbook)
    columns = 0
    for sheet in book.worksheets:
        for table in sheet.tables.values():
            body = list(zip(*sheet[table.ref][1:], strict=True))
            for column, cells in zip(table.tableColumns, body, strict=True):
                formulas = {c.value for c in cells if c.data_type == "f"}
                if formulas:
                    columns += 1
                    assert len(formulas) == 1, (table.displayName, column.name)
                    assert all(c.data_type == "f" for c in cells), (table.displayName, column.name)
                    assert all(c.style == "Calculation" for c in cells)
                    assert column.calculatedColumnFormula.attr_text == next(iter(formulas))[1:]
                elif (table.displayName, column.name) in NOT_TYPED:
                    assert all(c.style == "Normal" for c in cells), (table.displayName, column.name)
                    assert all(c.protection.locked for c in cells)
                else:
                    assert all(c.style == "Input" for c in cells), (table.displayName, column.name)
                    assert not any(c.protection.locked for c in cells)  # open to typing
    assert columns > 40


# Columns with no formula that no one types into: labels of the inputs, and what Refresh writes
NOT_TYPED = {
    (Table.ASSUMPTIONS, "Item"),
    (Table.ASSUMPTIONS, "Unit"),
    (Table.ASSUMPTIONS, "Comment"),
    (Table.STATUS_WEIGHTS, "Status"),
    (Table.STATUS_WEIGHTS, "Meaning"),
    (Table.BENEFIT_TYPES, "Benefit type"),
    (Table.BENEFIT_TYPES, "Meaning"),
    (Table.CHECKS, "Check"),
    (Table.ROLLUP, "Programme"),
    (Table.ROLLUP, "Ward or team"),
    (Table.ROLLUP, "Financial year"),
    *((Table.FINDINGS, name) for name in ("Check", "Line ID", "Row", "Column", "Finding")),
}


@pytest.mark.parametrize("tracker", BOTH)
def test_every_input_has_unit_and_source(built_trackers: BuiltTrackers, tracker: str) -> None:
    workbook = built_trackers[tracker]
    book = openpyxl.load_workbook(workbook)
    rows = table_rows(book, Table.ASSUMPTIONS)
    assert rows
    for row in rows:
        assert row[AssumptionsColumn.UNIT], row
        assert row[AssumptionsColumn.SOURCE], row
        assert row[AssumptionsColumn.COMMENT], row


@pytest.mark.parametrize("tracker", BOTH)
def test_master_check_shows_on_every_sheet(built_trackers: BuiltTrackers, tracker: str) -> None:
    workbook = built_trackers[tracker]
    book = openpyxl.load_workbook(workbook)
    for sheet in book.worksheets[:-1]:  # every sheet but xlwings.conf, xlwings' settings
        assert sheet.title != Sheet.XLWINGS_CONF
        assert sheet["C2"].value == f"={Name.MASTER_CHECK}", sheet.title
        assert sheet["C2"].style == "Check Cell"
    styles = {style.name if hasattr(style, "name") else style for style in book.named_styles}
    assert {"Input", "Calculation", "Output", "Check Cell"} <= styles


@pytest.mark.parametrize("tracker", BOTH)
def test_excel_is_not_asked_to_recalculate_on_opening(
    built_trackers: BuiltTrackers, tracker: str
) -> None:
    """Before its macros are enabled, Excel would turn every PRODUCTIVE_* cell into #NAME?."""
    workbook = built_trackers[tracker]
    with zipfile.ZipFile(workbook) as package:
        calculation = etree.fromstring(package.read("xl/workbook.xml")).find(
            "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}calcPr"
        )
    assert calculation is not None
    assert calculation.get("fullCalcOnLoad") in (None, "0", "false")
    assert int(calculation.get("calcId", "0")) >= 191029  # not an older Excel's engine


def test_dashboard_has_its_three_charts(built_trackers: BuiltTrackers) -> None:
    with zipfile.ZipFile(built_trackers.example) as package:
        charts = [name for name in package.namelist() if name.startswith("xl/charts/chart")]
        kinds = {
            etree.QName(element).localname
            for name in charts
            for element in etree.fromstring(package.read(name)).iter()
            if isinstance(element.tag, str)
        }
    assert len(charts) == 3  # by programme, by status, by month
    assert {"barChart", "lineChart"} <= kinds


# --- the command ---------------------------------------------------------------------------------


def test_new_tracker_command_writes_the_workbook(tmp_path: Path) -> None:
    out = tmp_path / "trust" / "tracker.xlsm"
    assert main(["new-tracker", str(out), "--example"]) == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [sheet.value for sheet in Sheet]
    assert len(table_rows(book, Table.BENEFITS)) == len(IN_YEAR)  # the example's ten lines
    with zipfile.ZipFile(out) as package:
        assert "xl/vbaProject.bin" in package.namelist()


def test_new_tracker_refuses_a_name_without_macros(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "tracker.xlsx"
    assert main(["new-tracker", str(out)]) == 2
    assert f"{out}: the tracker holds macros" in capsys.readouterr().err
    assert not out.exists()


def test_new_tracker_says_which_file_it_cannot_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    out = blocker / "tracker.xlsm"
    assert main(["new-tracker", str(out)]) == EXIT_ENVIRONMENT
    error = capsys.readouterr().err
    assert len(error.splitlines()) == 1
    assert str(blocker) in error
    assert blocker.read_text() == "a file where a folder should be"
    assert list(tmp_path.iterdir()) == [blocker]


def test_python_calamine_reads_the_example_values(built_trackers: BuiltTrackers) -> None:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(built_trackers.example))
    assert book.sheet_names == [sheet.value for sheet in Sheet]
    for sheet in book.sheet_names[:-1]:  # every sheet but xlwings' own settings
        rows = book.get_sheet_by_name(sheet).to_python()
        assert rows[1][2] == 0, sheet  # C2: the master check, as stored by recalc


def test_every_typed_value_is_one_its_drop_down_offers(built_trackers: BuiltTrackers) -> None:
    book = openpyxl.load_workbook(built_trackers.example)
    checked = []
    warned = []
    for sheet in book.worksheets:
        for rule in sheet.data_validations.dataValidation:
            # every input rule tells the user what to type, and refuses what breaks it; only a
            # band warns, as a cost an hour in £ may stand in its place (Released Time)
            assert rule.showInputMessage, rule.sqref
            assert rule.prompt, rule.sqref
            assert rule.promptTitle, rule.sqref
            assert rule.showErrorMessage, rule.sqref
            assert rule.error, rule.sqref
            if rule.errorStyle == "warning":
                warned.append((sheet.title, rule.promptTitle))
            else:
                assert rule.errorStyle in (None, "stop"), rule.sqref
            if rule.type != "list":
                continue
            source = rule.formula1
            if source.startswith('"'):
                allowed = set(source.strip('"').split(","))
            else:
                where, cells = source.split("!")
                allowed = {row[0].value for row in book[where.strip("'")][cells.replace("$", "")]}
            for cell_range in rule.sqref.ranges:
                low_column, low_row, high_column, high_row = cell_range.bounds
                typed = {
                    cell.value
                    for row in sheet.iter_rows(low_row, high_row, low_column, high_column)
                    for cell in row
                    if cell.value is not None
                }
                assert typed, cell_range.coord
                assert typed <= allowed, (sheet.title, cell_range.coord, typed - allowed)
                checked.append(sheet.title)
    # Register: programme, benefit type, cash releasing, recurrence, status; Released Time:
    # band; Phasing: the line ID; Inputs: pay point, hours basis, order of benefit
    assert sorted(checked) == sorted(
        [Sheet.REGISTER] * 5 + [Sheet.RELEASED_TIME, Sheet.PHASING] + [Sheet.INPUTS] * 3
    )
    assert warned == [(Sheet.RELEASED_TIME, "Band")]


def test_register_columns_typed_and_calculated_are_as_register_py_says() -> None:
    from productive_xl.tracker.register import CALCULATED_COLUMNS
    from productive_xl.tracker.template.register import REGISTER_COLUMNS

    assert [column.header for column in REGISTER_COLUMNS] == list(Column)
    for column in REGISTER_COLUMNS:
        assert column.is_input == (column.header not in CALCULATED_COLUMNS), column.header


def test_a_figure_typed_with_no_source_is_a_finding_until_its_working_is_there(
    built_trackers: BuiltTrackers, tmp_path: Path
) -> None:
    """A line typed into the template with no source line: the refresh gives it its phasing
    row, and the check "Each line's figure rests on a row of a source sheet" counts it. Once
    its working is on Second Order (bank shifts 10 -> 6 a month at £250: 4 x 250 x 12 =
    12,000) and the line names it, the tracker is sound."""
    line, _ = _a_released_time_line("Band 5", date(2025, 10, 1))
    line |= {
        Column.BENEFIT_TYPE: "Revenue reduction",
        Column.CASH_RELEASING: "Yes",
        Column.SOURCE_LINE: None,
        Column.FULL_YEAR_EFFECT: 12_000,
    }
    book = FileBook(built_trackers.template)
    book.append_row(Table.BENEFITS, line)
    typed = tmp_path / "typed.xlsm"
    book.save(typed)
    out = tmp_path / "refreshed.xlsm"
    result, report = refresh_file(typed, out, user="Finance team")
    assert result.findings == []
    assert result.phasing_added == ["PW-001"]
    assert [error["cell"] for error in report.errors] == chart_gaps(0)
    values = openpyxl.load_workbook(out, data_only=True)
    (row,) = table_rows(values, Table.BENEFITS)
    assert row[Column.SOURCE_ROWS] == 0
    assert row[Column.PHASING_ROWS] == 1  # the row the refresh added
    assert named_value(values, Name.MASTER_CHECK) == 1  # the figure rests on no working

    book = FileBook(out)
    book.replace_rows(Table.BENEFITS, [{**line, Column.SOURCE_LINE: "BANK-1"}])
    book.append_row(
        Table.REVENUE,
        {
            RevenueColumn.LINE: "BANK-1",
            RevenueColumn.WARD: "Ward 1",
            RevenueColumn.WHAT: "Bank shifts",
            RevenueColumn.BASELINE: 10,
            RevenueColumn.CURRENT: 6,
            RevenueColumn.UNIT_COST: 250,
        },
    )
    fixed = tmp_path / "fixed.xlsm"
    book.save(fixed)
    result, report = refresh_file(fixed, fixed, user="Finance team")
    assert result.findings == []
    assert result.phasing_added == []
    values = openpyxl.load_workbook(fixed, data_only=True)
    (row,) = table_rows(values, Table.BENEFITS)
    assert row[Column.SOURCE_FULL_YEAR_EFFECT] == pytest.approx(12_000)
    assert row[Column.DISAGREES_WITH_SOURCE] is False
    # 12,000 a year from October, no ramp: October to March, 6 months of 1,000; Green 0.9
    assert row[Column.IN_YEAR_EFFECT] == pytest.approx(12_000 / 12 * 6)
    assert row[Column.RISK_ADJUSTED] == pytest.approx(6_000 * 0.9)
    (rollup,) = table_rows(values, Table.ROLLUP)
    assert rollup[RollupColumn.CASH_RELEASING] == pytest.approx(6_000)
    assert named_value(values, Name.MASTER_CHECK) == 0
