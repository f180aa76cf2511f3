"""The Second Order sheet: the drivers behind second-order lines, and their value a year.

Income from extra cases (PRODUCTIVE_INCOME), revenue spend avoided such as bank shifts and
out-of-hours theatre lists (PRODUCTIVE_SAVING over the months of a year), and assets no longer
employed (PRODUCTIVE_ASSET_SAVING at the PDC rate on Inputs). As on Released Time and Stock,
each row has a Line code; the register line resting on it names that code as its Source line,
and the check "Each line's full-year effect agrees with its source sheet" holds them together.
"""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from productive_xl.tracker.layout import AssetsColumn as A
from productive_xl.tracker.layout import IncomeColumn as I
from productive_xl.tracker.layout import Name, Sheet, Table
from productive_xl.tracker.layout import RevenueColumn as R
from productive_xl.tracker.template.example import ASSET_DRIVERS, INCOME_DRIVERS, REVENUE_DRIVERS
from productive_xl.tracker.template.tables import (
    COUNT,
    FIRST_TABLE_ROW,
    HEADING,
    MONEY,
    Col,
    once_started,
    sheet_heading,
    this_row,
    write_table,
)


def _row(table: str, line: str, formula: str) -> str:
    """``formula`` once the row has its line code; blank on a row not yet typed in."""
    return once_started(this_row(table, line), formula)


def _income(column: str) -> str:
    return this_row(Table.INCOME, column)


def _revenue(column: str) -> str:
    return this_row(Table.REVENUE, column)


def _asset(column: str) -> str:
    return this_row(Table.ASSETS, column)


INCOME_COLUMNS = (
    Col(I.LINE, "code", width=10),
    Col(I.WARD, "", width=26),
    Col(I.WHAT, "", width=30),
    Col(I.EXTRA_CASES, "cases a year", COUNT),
    Col(I.TARIFF, "£ a case", MONEY),
    Col(I.VARIABLE_COST, "£ a case", MONEY),
    Col(
        I.INCOME,
        "£ a year",
        MONEY,
        _row(
            Table.INCOME,
            I.LINE,
            f"PRODUCTIVE_INCOME({_income(I.EXTRA_CASES)},{_income(I.TARIFF)},"
            f"{_income(I.VARIABLE_COST)})",
        ),
    ),
)

REVENUE_COLUMNS = (
    Col(R.LINE, "code", width=10),
    Col(R.WARD, "", width=26),
    Col(R.WHAT, "", width=30),
    Col(R.BASELINE, "units a month", COUNT),
    Col(R.CURRENT, "units a month", COUNT),
    Col(R.UNIT_COST, "£ a unit", MONEY),
    Col(
        R.SAVING,
        "£ a year",
        MONEY,
        _row(
            Table.REVENUE,
            R.LINE,
            f"PRODUCTIVE_SAVING({_revenue(R.BASELINE)},{_revenue(R.CURRENT)},"
            f"{_revenue(R.UNIT_COST)},{Name.MONTHS_IN_YEAR})",
        ),
    ),
)

ASSET_COLUMNS = (
    Col(A.LINE, "code", width=10),
    Col(A.WARD, "", width=26),
    Col(A.ASSET, "", width=30),
    Col(A.VALUE_REDUCTION, "£ of assets", MONEY),
    Col(A.DEPRECIATION, "£ a year", MONEY),
    Col(
        A.SAVING,
        "£ a year",
        MONEY,
        _row(
            Table.ASSETS,
            A.LINE,
            f"PRODUCTIVE_ASSET_SAVING({_asset(A.VALUE_REDUCTION)},{_asset(A.DEPRECIATION)},"
            f"{Name.PDC_RATE})",
        ),
    ),
)


def _section(
    sheet: Worksheet,
    *,
    top: int,
    title: str,
    table: str,
    columns: Sequence[Col],
    rows: Sequence[Sequence[object]],
) -> int:
    """One table under its heading, at ``top``; returns the last row it takes."""
    sheet.cell(top - 1, 1, title).style = HEADING
    return write_table(sheet, table, columns, rows, top=top)


def build_second_order(book: Workbook, *, example: bool) -> Worksheet:
    """The Second Order sheet: tblIncome, tblRevenue and tblAssets, one below another."""
    sheet = book.create_sheet(Sheet.SECOND_ORDER)
    sheet_heading(
        sheet,
        "Second-order benefits",
        "The drivers of income, revenue spend avoided and assets released, each valued by a "
        "PRODUCTIVE_* function. Value theatre time as cost or as income, never both. Source: "
        "the theatre system, the bank office and the ledger; name the evidence on the register.",
    )
    income = [
        (d.line, d.ward, d.cases, d.extra_cases, d.tariff, d.variable_cost) for d in INCOME_DRIVERS
    ]
    revenue = [
        (d.line, d.ward, d.spend, d.baseline, d.current, d.unit_cost) for d in REVENUE_DRIVERS
    ]
    assets = [(d.line, d.ward, d.asset, d.value_reduction, d.depreciation) for d in ASSET_DRIVERS]
    last = _section(
        sheet,
        top=FIRST_TABLE_ROW,
        title="Income from extra cases: cases x (tariff - variable cost)",
        table=Table.INCOME,
        columns=INCOME_COLUMNS,
        rows=income if example else [],
    )
    last = _section(
        sheet,
        top=last + 3,
        title="Revenue spend avoided: (before - after) a month x cost of one x months in a year",
        table=Table.REVENUE,
        columns=REVENUE_COLUMNS,
        rows=revenue if example else [],
    )
    _section(
        sheet,
        top=last + 3,
        title="Assets employed: value x PDC rate (Inputs) + depreciation avoided",
        table=Table.ASSETS,
        columns=ASSET_COLUMNS,
        rows=assets if example else [],
    )
    return sheet
