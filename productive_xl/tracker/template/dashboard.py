"""The Dashboard sheet: the board's view of the register, with its charts.

Outputs only: headline totals, benefits by programme and order of benefit, and plan, forecast
and actual by month of the financial year, each a formula over the tables, each chart drawn
over those output cells.
"""

from __future__ import annotations

from typing import Final

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.worksheet.worksheet import Worksheet

from productive_xl.tracker.layout import (
    MONTHS,
    Measure,
    PhasingColumn,
    Sheet,
    Table,
    month_column,
)
from productive_xl.tracker.layout import TaskTimesColumn as T
from productive_xl.tracker.register import PROGRAMMES, Column
from productive_xl.tracker.template.inputs import ORDERS
from productive_xl.tracker.template.phasing import first_day_of_month
from productive_xl.tracker.template.tables import (
    HEADING,
    MONEY,
    MONTH,
    OUTPUT,
    WTE_FORMAT,
    sheet_heading,
    sum_where,
    whole,
)

HEADLINE_ROW: Final = 6
HEADLINES: Final = (
    ("Full-year effect (£)", f"SUM({whole(Table.BENEFITS, Column.FULL_YEAR_EFFECT)})", MONEY),
    ("In-year effect (£)", f"SUM({whole(Table.BENEFITS, Column.IN_YEAR_EFFECT)})", MONEY),
    ("Risk-adjusted in-year (£)", f"SUM({whole(Table.BENEFITS, Column.RISK_ADJUSTED)})", MONEY),
    ("Cash-releasing in-year (£)", f"SUM({whole(Table.BENEFITS, Column.CASH_IN_YEAR)})", MONEY),
    ("Staff time released (WTE)", f"SUM({whole(Table.TASK_TIMES, T.WTE)})", WTE_FORMAT),
    ("Plan for the year (£)", f"SUM({whole(Table.PHASING, PhasingColumn.PLAN_TOTAL)})", MONEY),
    (
        "Forecast for the year (£)",
        f"SUM({whole(Table.PHASING, PhasingColumn.FORECAST_TOTAL)})",
        MONEY,
    ),
    ("Actual to date (£)", f"SUM({whole(Table.PHASING, PhasingColumn.ACTUAL_TOTAL)})", MONEY),
)

BY_PROGRAMME_ROW: Final = HEADLINE_ROW + len(HEADLINES) + 3
BY_MONTH_ROW: Final = BY_PROGRAMME_ROW + len(PROGRAMMES) + 4


def _headlines(sheet: Worksheet) -> None:
    sheet.cell(HEADLINE_ROW - 1, 1, "The year at a glance").style = HEADING
    for row, (label, formula, number_format) in enumerate(HEADLINES, start=HEADLINE_ROW):
        sheet.cell(row, 1, label)
        cell = sheet.cell(row, 2, f"={formula}")
        cell.style = OUTPUT
        cell.number_format = number_format


def _by_programme(sheet: Worksheet) -> None:
    top = BY_PROGRAMME_ROW
    sheet.cell(top - 1, 1, "In-year effect by programme and order of benefit (£)").style = HEADING
    sheet.cell(top, 1, "Programme")
    for offset, order in enumerate(ORDERS, start=2):
        sheet.cell(top, offset, order)
    for row, programme in enumerate(PROGRAMMES, start=top + 1):
        sheet.cell(row, 1, programme)
        for column in range(2, len(ORDERS) + 2):
            order = sheet.cell(top, column).coordinate
            formula = sum_where(
                whole(Table.BENEFITS, Column.IN_YEAR_EFFECT),
                (whole(Table.BENEFITS, Column.PROGRAMME), f"$A{row}"),
                (whole(Table.BENEFITS, Column.ORDER), f"{order[0]}${top}"),
            )
            cell = sheet.cell(row, column, f"={formula}")
            cell.style = OUTPUT
            cell.number_format = MONEY
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = "In-year effect by programme"
    chart.y_axis.title = "£"
    chart.y_axis.numFmt = "#,##0"
    last = top + len(PROGRAMMES)
    data = Reference(sheet, min_col=2, max_col=len(ORDERS) + 1, min_row=top, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=top + 1, max_row=last))
    chart.width, chart.height = 18, 8
    sheet.add_chart(chart, "G5")


def _by_month(sheet: Worksheet) -> None:
    top = BY_MONTH_ROW
    sheet.cell(top - 1, 1, "Plan, forecast and actual by month (£)").style = HEADING
    sheet.cell(top, 1, "Month")
    for offset, measure in enumerate(Measure, start=2):
        sheet.cell(top, offset, str(measure))
    for row, month in enumerate(MONTHS, start=top + 1):
        label = sheet.cell(row, 1, f"={first_day_of_month(month)}")
        label.style = OUTPUT
        label.number_format = MONTH
        for offset, measure in enumerate(Measure, start=2):
            total = whole(Table.PHASING, month_column(measure, month))
            cell = sheet.cell(row, offset, f"=SUM({total})")
            cell.style = OUTPUT
            cell.number_format = MONEY
    last = top + len(MONTHS)
    chart = LineChart()
    chart.title = "Plan, forecast and actual by month"
    chart.y_axis.title = "£"
    chart.y_axis.numFmt = "#,##0"
    chart.x_axis.number_format = MONTH
    data = Reference(sheet, min_col=2, max_col=len(Measure) + 1, min_row=top, max_row=last)
    chart.add_data(data, titles_from_data=True)
    for series in chart.series:
        series.smooth = False  # a smoothed line would show money in months that have none
    chart.set_categories(Reference(sheet, min_col=1, min_row=top + 1, max_row=last))
    chart.width, chart.height = 18, 8
    sheet.add_chart(chart, "G23")


def build_dashboard(book: Workbook) -> Worksheet:
    """The Dashboard sheet: headline totals and the two charts, over output cells."""
    sheet = book.create_sheet(Sheet.DASHBOARD)
    sheet_heading(
        sheet,
        "Dashboard",
        "Outputs for the board: every figure is worked out from the Register and Phasing.",
    )
    sheet.column_dimensions["A"].width = 34
    for letter in "BCD":
        sheet.column_dimensions[letter].width = 16
    _headlines(sheet)
    _by_programme(sheet)
    _by_month(sheet)
    return sheet
