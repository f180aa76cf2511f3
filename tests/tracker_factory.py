"""A small tracker workbook for the refresh tests, built with openpyxl from the layout's names.

It stands in for the template until that lands: the tables and defined names the refresh needs,
with the register's columns, a couple of calculated columns (one a PRODUCTIVE_* call), a chart
and a comment to prove that a refresh leaves them alone. The register is broken on purpose, one
way for each check; what each check must find is worked out by hand in the tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import openpyxl
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from productive_xl.tracker.checks import Check
from productive_xl.tracker.layout import (
    ChecksColumn,
    FindingsColumn,
    Name,
    RollupColumn,
    Sheet,
    StatusWeightsColumn,
)
from productive_xl.tracker.layout import Table as Tables
from productive_xl.tracker.register import CALCULATED_COLUMNS, Column

REGISTER_TOP = 3  # the register's header row; its lines start on row 4
START_YEAR = Column.YEAR  # here the year a line starts in: PRODUCTIVE_FY of its start date
RISK_ADJUSTED = "Risk-adjusted FYE"

# One register line: ID, programme, ward, owner, type, cash?, recurrence, source line, FYE,
# start date, status, evidence. Rows 4 to 8 of the Register sheet.
Line = tuple[str, str, str, str, str, str, str, str, float, date, str, str]
BROKEN_REGISTER: tuple[Line, ...] = (
    # row 4: a sound line
    ("PW-001", "Productive Ward", "Ward 7", "A. Khan", "Released time", "No", "Recurrent", "",
     12000, date(2025, 5, 1), "Green", "Audit, May 2025"),
    # row 5: no owner; a one-off stock release phased as recurrent; its ID used twice
    ("PW-002", "Productive Ward", "Ward 7", "", "Stock release (one-off)", "No", "Recurrent", "",
     5000, date(2025, 6, 15), "Amber", "Stock count"),
    # row 6: the same ID again; no evidence; released time whose hours row 7 also counts as cash
    ("PW-002", "Productive Ward", "Ward 9", "B. Lee", "Released time", "No", "Recurrent", "RT-1",
     8000, date(2025, 9, 1), "Green", ""),
    # row 7: cash from the same hours; starts after 2025/26 ends; a status nobody weights
    ("PW-004", "Productive Ward", "Ward 9", "B. Lee", "Revenue reduction", "Yes", "Recurrent",
     "RT-1", 8000, date(2026, 5, 1), "Purple", "Bank invoices"),
    # row 8: a sound line
    ("PT-001", "Productive Operating Theatre", "Theatres", "C. Obi", "Income", "Yes",
     "Recurrent", "", 30000, date(2025, 4, 1), "Blue", "SLAM data"),
)  # fmt: skip

# The same register with every fault put right: no check finds anything.
SOUND_REGISTER: tuple[Line, ...] = (
    BROKEN_REGISTER[0],
    ("PW-002", "Productive Ward", "Ward 7", "D. Shah", "Stock release (one-off)", "No",
     "Non-recurrent", "", 5000, date(2025, 6, 15), "Amber", "Stock count"),
    ("PW-003", "Productive Ward", "Ward 9", "B. Lee", "Released time", "No", "Recurrent", "RT-1",
     8000, date(2025, 9, 1), "Green", "Task timings"),
    ("PW-004", "Productive Ward", "Ward 9", "B. Lee", "Revenue reduction", "Yes", "Recurrent",
     "RT-2", 8000, date(2025, 5, 1), "Red", "Bank invoices"),
    BROKEN_REGISTER[4],
)  # fmt: skip

# What the Rollup lists before the refresh: two keys still in the register and one that is not.
ROLLUP_BEFORE = (
    ("Productive Ward", "Ward 7", "2025/26"),
    ("Productive Operating Theatre", "Theatres", "2025/26"),
    ("Productive Ward", "Ward 3", "2024/25"),
)
# tblChecks before the refresh lists every check but the last; the refresh adds it.
CHECKS_BEFORE = [check.value for check in Check][:-1]
STALE_FINDINGS = 3  # rows left in tblFindings by an earlier refresh
STAMP_BEFORE = datetime(2025, 1, 6, 9, 30)


def _table(sheet: Worksheet, name: str, top_left: str, headers: Sequence[str], rows: int) -> None:
    first_row = sheet[top_left].row
    first_column = sheet[top_left].column
    for offset, header in enumerate(headers):
        sheet.cell(first_row, first_column + offset, header)
    last = sheet.cell(first_row + max(rows, 1), first_column + len(headers) - 1).coordinate
    table = Table(displayName=name, ref=f"{top_left}:{last}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    sheet.add_table(table)


def _name(book: openpyxl.Workbook, name: str, sheet: str, cell: str) -> None:
    book.defined_names[name] = DefinedName(name, attr_text=f"'{sheet}'!{cell}")


def _this_row(table: str, column: str) -> str:
    return f"{table}[[#This Row],[{column}]]"


def _register(sheet: Worksheet, lines: Sequence[Line]) -> None:
    sheet["A1"] = "Benefits register"
    headers = [*(c for c in Column if c not in CALCULATED_COLUMNS), START_YEAR, RISK_ADJUSTED]
    _table(sheet, Tables.BENEFITS, f"A{REGISTER_TOP}", headers, len(lines))
    for offset, line in enumerate(lines):
        row = REGISTER_TOP + 1 + offset
        ident, programme, ward, owner, kind, cash, recurrence, source, fye, start, status, ev = line
        values = {
            Column.ID: ident,
            Column.PROGRAMME: programme,
            Column.SCHEME: "Releasing time to care",
            Column.WARD: ward,
            Column.DIRECTORATE: "Medicine",
            Column.OWNER: owner or None,
            Column.BENEFIT_TYPE: kind,
            Column.CASH_RELEASING: cash,
            Column.RECURRENCE: recurrence,
            Column.SOURCE_LINE: source or None,
            Column.MEASURE: "pounds a year",
            Column.FULL_YEAR_EFFECT: fye,
            Column.START_DATE: start,
            Column.RAMP_MONTHS: 0,
            Column.STATUS: status,
            Column.EVIDENCE: ev or None,
            Column.ALSO_REPORTED_IN: None,
            START_YEAR: f"=PRODUCTIVE_FY({_this_row(Tables.BENEFITS, Column.START_DATE)})",
            RISK_ADJUSTED: f"={_this_row(Tables.BENEFITS, Column.FULL_YEAR_EFFECT)}*INDEX("
            f"{Tables.STATUS_WEIGHTS}[Weight],MATCH({_this_row(Tables.BENEFITS, Column.STATUS)},"
            f"{Tables.STATUS_WEIGHTS}[Status],0))",
        }
        for index, header in enumerate(headers):
            cell = sheet.cell(row, 1 + index, values[header])
            if header == Column.START_DATE:
                cell.number_format = "dd/mm/yyyy"
    statuses = DataValidation(type="list", formula1='"Blue,Green,Amber,Red"', allow_blank=True)
    sheet.add_data_validation(statuses)
    status_column = headers.index(Column.STATUS) + 1
    statuses.add(
        f"{get_column_letter(status_column)}{REGISTER_TOP + 1}:"
        f"{get_column_letter(status_column)}{REGISTER_TOP + len(lines)}"
    )


def _rollup_formulas(row: int) -> dict[str, str]:
    """The rollup's calculated columns, as Excel stores them in each body row."""
    rollup, benefits = Tables.ROLLUP, Tables.BENEFITS

    def total(column: str, *extra: str) -> str:
        criteria = [
            f"{benefits}[{Column.PROGRAMME}],{_this_row(rollup, RollupColumn.PROGRAMME)}",
            f"{benefits}[{Column.WARD}],{_this_row(rollup, RollupColumn.WARD)}",
            f"{benefits}[{START_YEAR}],{_this_row(rollup, RollupColumn.YEAR)}",
            *extra,
        ]
        return f"=SUMIFS({benefits}[{column}],{','.join(criteria)})"

    return {
        RollupColumn.FULL_YEAR_EFFECT: total(Column.FULL_YEAR_EFFECT),
        # a relative A1 reference, which a new row must get moved to its own row
        RollupColumn.IN_YEAR_EFFECT: f"=D{row}*9/12",
        RollupColumn.RISK_ADJUSTED: total(RISK_ADJUSTED),
        RollupColumn.CASH_RELEASING: total(
            Column.FULL_YEAR_EFFECT, f'{benefits}[{Column.CASH_RELEASING}],"Yes"'
        ),
    }


def build_tracker(path: Path, lines: Sequence[Line] = BROKEN_REGISTER) -> None:
    """Write the test tracker to ``path``."""
    book = openpyxl.Workbook()
    about = book.active
    assert about is not None
    about.title = Sheet.ABOUT
    about["A1"] = "Productive Series benefits tracker"
    about["A1"].comment = Comment("Built for the refresh tests", "productive_xl")
    about["A3"], about["A4"] = "Refreshed at", "Refreshed by"
    about["B3"] = STAMP_BEFORE
    about["B3"].number_format = "dd/mm/yyyy hh:mm"
    about["B4"] = "an earlier refresh"
    _name(book, Name.REFRESHED_AT, Sheet.ABOUT, "$B$3")
    _name(book, Name.REFRESHED_BY, Sheet.ABOUT, "$B$4")

    inputs = book.create_sheet(Sheet.INPUTS)
    inputs["A2"], inputs["B2"] = "Financial year", "2025/26"
    _name(book, Name.FINANCIAL_YEAR, Sheet.INPUTS, "$B$2")
    assumptions = [
        ("Productive hours", 1553, "hours a year", "PSSRU 2024", ""),
        ("PDC dividend rate", 0.035, "fraction", "HM Treasury", ""),
        ("Discount rate", 0.035, "fraction", "Green Book", ""),
    ]
    _table(inputs, Tables.ASSUMPTIONS, "A4", ["Item", "Value", "Unit", "Source", "Comment"], 3)
    for offset, row in enumerate(assumptions):
        for index, value in enumerate(row):
            inputs.cell(5 + offset, 1 + index, value or None)
    weights = [("Blue", 1.0), ("Green", 0.9), ("Amber", 0.5), ("Red", 0.1)]
    _table(inputs, Tables.STATUS_WEIGHTS, "A10", list(StatusWeightsColumn), len(weights))
    for offset, (status, weight) in enumerate(weights):
        inputs.cell(11 + offset, 1, status)
        inputs.cell(11 + offset, 2, weight)
        inputs.cell(11 + offset, 3, "risk weight")
    _table(inputs, Tables.RATES, "A17", ["Band", "Entry", "Mid", "Top", "Hourly cost (mid)"], 1)
    inputs["A18"], inputs["B18"], inputs["C18"], inputs["D18"] = "Band 5", 30000, 32000, 36000
    inputs["E18"] = '=PRODUCTIVE_HOURLY_COST(tblRates[[#This Row],[Band]],FinancialYear,"mid")'

    _register(book.create_sheet(Sheet.REGISTER), lines)

    rollup = book.create_sheet(Sheet.ROLLUP)
    rollup["A1"] = "Rollup by programme, ward or team, and year"
    _table(rollup, Tables.ROLLUP, "A3", list(RollupColumn), len(ROLLUP_BEFORE))
    for offset, key in enumerate(ROLLUP_BEFORE):
        row = 4 + offset
        for index, value in enumerate(key):
            rollup.cell(row, 1 + index, value)
        for index, column in enumerate(list(RollupColumn)[3:]):
            if column in _rollup_formulas(row):  # the amounts; the directorate is left blank
                rollup.cell(row, 4 + index, _rollup_formulas(row)[column]).number_format = "#,##0"
    rollup["J3"] = "Note beside the rollup"

    dashboard = book.create_sheet(Sheet.DASHBOARD)
    chart = BarChart()
    chart.title = "Full-year effect by ward"
    chart.add_data(Reference(rollup, min_col=4, min_row=3, max_row=6), titles_from_data=True)
    chart.set_categories(Reference(rollup, min_col=2, min_row=4, max_row=6))
    dashboard.add_chart(chart, "B2")

    checks = book.create_sheet(Sheet.CHECKS)
    checks["A1"], checks["B1"] = "Master check", f"=SUM({Tables.CHECKS}[{ChecksColumn.COUNT}])"
    _name(book, Name.MASTER_CHECK, Sheet.CHECKS, "$B$1")
    _table(checks, Tables.CHECKS, "A3", list(ChecksColumn), len(CHECKS_BEFORE))
    for offset, name in enumerate(CHECKS_BEFORE):
        checks.cell(4 + offset, 1, name)
        checks.cell(
            4 + offset,
            2,
            f"=COUNTIFS({Tables.FINDINGS}[{FindingsColumn.CHECK}],"
            f"{_this_row(Tables.CHECKS, ChecksColumn.CHECK)})",
        )
    checks.conditional_formatting.add(
        f"B4:B{3 + len(CHECKS_BEFORE)}",
        CellIsRule(operator="greaterThan", formula=["0"], fill=PatternFill("solid", "FFC7CE")),
    )
    _table(checks, Tables.FINDINGS, "D3", list(FindingsColumn), STALE_FINDINGS)
    for offset in range(STALE_FINDINGS):
        row = 4 + offset
        checks.cell(row, 4, Check.OWNER.value)
        checks.cell(row, 5, f"OLD-{offset}")
        checks.cell(row, 6, 100 + offset)
        checks.cell(row, 7, Column.OWNER.value)
        checks.cell(row, 8, "found by an earlier refresh")
    book.save(path)
