"""The Dashboard sheet: the board's view of the register and its phasing, with its charts.

Outputs only, each a formula over the tables: the year at a glance (full-year and in-year
effect, plan, actual and variance to date, forecast outturn, full-year variance, carry-forward
into next year), the same split into recurrent and non-recurrent, cash-releasing and non-cash,
the pounds at each status (Blue, Green, Amber, Red), the in-year effect by programme and order of
benefit, and plan, forecast and actual by month. "To date" means the months closed
(``MonthsClosed`` on Inputs); a month not yet closed has no actual, and the monthly chart shows
it as a gap (``#N/A``, which a line chart leaves out, where a 0 would draw a fall to nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.series import DataPoint
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from productive_xl.tracker.layout import (
    MONTHS,
    Measure,
    Name,
    Sheet,
    Table,
    month_column,
)
from productive_xl.tracker.layout import PhasingColumn as P
from productive_xl.tracker.layout import TaskTimesColumn as T
from productive_xl.tracker.register import PROGRAMMES, Column
from productive_xl.tracker.template.inputs import ORDERS, STATUS_WEIGHTS
from productive_xl.tracker.template.phasing import first_day_of_month, month_number
from productive_xl.tracker.template.tables import (
    COUNT,
    FRACTION,
    HEADING,
    MONEY,
    MONTH,
    NOTE,
    OUTPUT,
    RAG_COLOURS,
    WTE_FORMAT,
    colour_by_status,
    count_where,
    sheet_heading,
    sum_where,
    whole,
)


def _benefits(column: str) -> str:
    return whole(Table.BENEFITS, column)


def _phasing(column: str) -> str:
    return whole(Table.PHASING, column)


HEADLINE_ROW: Final = 6
HEADLINES: Final = (
    ("Months closed (actuals in)", Name.MONTHS_CLOSED, COUNT),
    ("Full-year effect (£)", f"SUM({_benefits(Column.FULL_YEAR_EFFECT)})", MONEY),
    (
        "In-year effect: the plan for the year (£)",
        f"SUM({_benefits(Column.IN_YEAR_EFFECT)})",
        MONEY,
    ),
    ("Risk-adjusted in-year (£)", f"SUM({_benefits(Column.RISK_ADJUSTED)})", MONEY),
    ("Cash-releasing in-year (£)", f"SUM({_benefits(Column.CASH_IN_YEAR)})", MONEY),
    ("Staff time released (WTE)", f"SUM({whole(Table.TASK_TIMES, T.WTE)})", WTE_FORMAT),
    ("Plan to date (£)", f"SUM({_phasing(P.YTD_PLAN)})", MONEY),
    ("Actual to date (£)", f"SUM({_phasing(P.YTD_ACTUAL)})", MONEY),
    ("Variance to date: actual less plan (£)", f"SUM({_phasing(P.YTD_VARIANCE)})", MONEY),
    ("Forecast outturn: actual plus forecast (£)", f"SUM({_phasing(P.OUTTURN)})", MONEY),
    ("Full-year variance: outturn less plan (£)", f"SUM({_phasing(P.OUTTURN_VARIANCE)})", MONEY),
    ("Carry-forward into next year (£)", f"SUM({_phasing(P.CARRY_FORWARD)})", MONEY),
)

# Return on the programme: the Costs sheet's ProgrammeNPV and ProgrammeROI, shown for the board
# (blank, as there, until the programme's costs are typed in)
APPRAISAL_ROW: Final = HEADLINE_ROW + len(HEADLINES) + 2
APPRAISAL: Final = (
    (
        "Programme NPV (£)",
        Name.PROGRAMME_NPV,
        MONEY,
        "PRODUCTIVE_NPV of benefits less costs (Costs)",
    ),
    ("Programme ROI", Name.PROGRAMME_ROI, FRACTION, "PRODUCTIVE_ROI of benefits and costs (Costs)"),
)

SPLIT_MEASURES: Final = (
    ("Full-year effect", P.FULL_YEAR_EFFECT),
    ("In-year plan", P.IN_YEAR_EFFECT),
    ("Plan to date", P.YTD_PLAN),
    ("Actual to date", P.YTD_ACTUAL),
    ("Forecast outturn", P.OUTTURN),
    ("Carry-forward", P.CARRY_FORWARD),
)
SPLITS: Final = (
    ("Recurrent", P.NON_RECURRENT, "0"),
    ("Non-recurrent (one-off)", P.NON_RECURRENT, "1"),
    ("Cash-releasing", P.CASH, "1"),
    ("Non-cash", P.CASH, "0"),
)
SPLIT_ROW: Final = APPRAISAL_ROW + len(APPRAISAL) + 3
"""The header row of the splits; the table of them is over tblPhasing's flags."""

STATUSES: Final = tuple(status for status, _, _ in STATUS_WEIGHTS)
STATUS_ROW: Final = SPLIT_ROW + len(SPLITS) + 4
BY_PROGRAMME_ROW: Final = STATUS_ROW + len(STATUSES) + 4
BY_MONTH_ROW: Final = BY_PROGRAMME_ROW + len(PROGRAMMES) + 3
LAST_ROW: Final = BY_MONTH_ROW + len(MONTHS) + 1
DASHBOARD_TABLE_COLUMNS: Final = 7
"""Columns A to G hold the Dashboard's tables; the charts stand to their right."""
LAST_COLUMN: Final = "R"
"""The Dashboard's print area is A1 to this column of LAST_ROW: the tables and the charts."""

OUTPUT_FILL: Final = "FFF2F2F2"
"""The fill of Excel's Output style, which the Dashboard's figures have."""

_CHART_COLUMN: Final = "I"
_CHART_SIZE: Final = (17.5, 9.5)  # cm: three stacked beside the tables fill one landscape page
_CHART_ROWS: Final = 20  # rows from one chart's top to the next's: 9.5 cm is 18 rows of 15 pt


def _chart_at(index: int) -> str:
    """Where the ``index``-th chart (0, 1, 2) stands, beside the tables, one under another."""
    return f"{_CHART_COLUMN}{HEADLINE_ROW - 1 + index * _CHART_ROWS}"


def _output(sheet: Worksheet, row: int, column: int, formula: str, number_format: str) -> None:
    cell = sheet.cell(row, column, f"={formula}")
    cell.style = OUTPUT
    cell.number_format = number_format


def _header(sheet: Worksheet, row: int, first: str, headers: Sequence[str]) -> None:
    sheet.cell(row, 1, first).font = Font(bold=True)
    for column, header in enumerate(headers, start=2):
        sheet.cell(row, column, header).font = Font(bold=True)


def _headlines(sheet: Worksheet) -> None:
    sheet.cell(HEADLINE_ROW - 1, 1, "The year at a glance").style = HEADING
    for row, (label, formula, number_format) in enumerate(HEADLINES, start=HEADLINE_ROW):
        sheet.cell(row, 1, label)
        _output(sheet, row, 2, formula, number_format)
    sheet.cell(APPRAISAL_ROW - 1, 1, "Return on the programme").style = HEADING
    for row, (label, name, number_format, note) in enumerate(APPRAISAL, start=APPRAISAL_ROW):
        sheet.cell(row, 1, label)
        _output(sheet, row, 2, name, number_format)
        sheet.cell(row, 3, note).style = NOTE


def _splits(sheet: Worksheet) -> None:
    top = SPLIT_ROW
    sheet.cell(top - 1, 1, "Recurrent and one-off, cash-releasing and non-cash (£)").style = HEADING
    _header(sheet, top, "Which lines", [label for label, _ in SPLIT_MEASURES])
    for row, (label, flag, value) in enumerate(SPLITS, start=top + 1):
        sheet.cell(row, 1, label)
        for column, (_, measure) in enumerate(SPLIT_MEASURES, start=2):
            formula = sum_where(_phasing(measure), (_phasing(flag), value))
            _output(sheet, row, column, formula, MONEY)
    total = top + len(SPLITS) + 1
    sheet.cell(total, 1, "All lines").font = Font(bold=True)
    for column, (_, measure) in enumerate(SPLIT_MEASURES, start=2):
        _output(sheet, total, column, f"SUM({_phasing(measure)})", MONEY)


def _by_status(sheet: Worksheet) -> None:
    top = STATUS_ROW
    sheet.cell(top - 1, 1, "Pounds at each status (RAG and Blue for delivered)").style = HEADING
    measures: tuple[tuple[str, str, str], ...] = (
        ("Full-year effect", Table.BENEFITS, Column.FULL_YEAR_EFFECT),
        ("In-year effect", Table.BENEFITS, Column.IN_YEAR_EFFECT),
        ("Risk-adjusted", Table.BENEFITS, Column.RISK_ADJUSTED),
        ("Actual to date", Table.PHASING, P.YTD_ACTUAL),
        ("Forecast outturn", Table.PHASING, P.OUTTURN),
    )
    _header(sheet, top, "Status", ["Lines", *(label for label, _, _ in measures)])
    for row, status in enumerate(STATUSES, start=top + 1):
        sheet.cell(row, 1, status)
        key = f"$A{row}"
        _output(sheet, row, 2, count_where((_benefits(Column.STATUS), key)), COUNT)
        for column, (_, table, measure) in enumerate(measures, start=3):
            status_column = Column.STATUS if table == Table.BENEFITS else P.STATUS
            formula = sum_where(whole(table, measure), (whole(table, status_column), key))
            _output(sheet, row, column, formula, MONEY)
    last = top + len(STATUSES)
    colour_by_status(sheet, f"A{top + 1}:A{last}")
    sheet.cell(last + 1, 1, "All lines").font = Font(bold=True)
    for column in range(2, len(measures) + 3):
        letter = sheet.cell(top, column).column_letter
        number_format = COUNT if column == 2 else MONEY
        _output(sheet, last + 1, column, f"SUM({letter}{top + 1}:{letter}{last})", number_format)

    chart = BarChart()
    chart.type = "col"
    chart.title = "In-year effect at each status"
    chart.y_axis.title = "£"
    chart.y_axis.numFmt = "#,##0"
    chart.legend = None
    chart.add_data(Reference(sheet, min_col=4, min_row=top, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=top + 1, max_row=last))
    (series,) = chart.series
    for index, status in enumerate(STATUSES):
        point = DataPoint(idx=index)
        point.graphicalProperties = GraphicalProperties(solidFill=RAG_COLOURS[status][2])
        series.dPt.append(point)
    chart.width, chart.height = _CHART_SIZE
    sheet.add_chart(chart, _chart_at(2))


def _by_programme(sheet: Worksheet) -> None:
    top = BY_PROGRAMME_ROW
    sheet.cell(top - 1, 1, "In-year effect by programme and order of benefit (£)").style = HEADING
    _header(sheet, top, "Programme", ORDERS)
    for row, programme in enumerate(PROGRAMMES, start=top + 1):
        sheet.cell(row, 1, programme)
        for column in range(2, len(ORDERS) + 2):
            order = sheet.cell(top, column).column_letter
            formula = sum_where(
                _benefits(Column.IN_YEAR_EFFECT),
                (_benefits(Column.PROGRAMME), f"$A{row}"),
                (_benefits(Column.ORDER), f"{order}${top}"),
            )
            _output(sheet, row, column, formula, MONEY)
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
    chart.width, chart.height = _CHART_SIZE
    sheet.add_chart(chart, _chart_at(0))


def _month_closed(month: str) -> str:
    """TRUE for a month closed: its number on the Phasing timeline is at most MonthsClosed."""
    return f"{month_number(month)}<={Name.MONTHS_CLOSED}"


def _by_month(sheet: Worksheet) -> None:
    top = BY_MONTH_ROW
    sheet.cell(top - 1, 1, "Plan, forecast and actual by month (£)").style = HEADING
    _header(sheet, top, "Month", ["Plan", "Forecast outturn", "Actual"])
    for row, month in enumerate(MONTHS, start=top + 1):
        _output(sheet, row, 1, first_day_of_month(month), MONTH)
        closed = _month_closed(month)
        plan = f"SUM({_phasing(month_column(Measure.PLAN, month))})"
        actual = f"SUM({_phasing(month_column(Measure.ACTUAL, month))})"
        forecast = f"SUM({_phasing(month_column(Measure.FORECAST, month))})"
        _output(sheet, row, 2, plan, MONEY)
        # a closed month's outturn is its actual, a month to come its forecast: a flag each
        _output(sheet, row, 3, f"({closed})*{actual}+(1-({closed}))*{forecast}", MONEY)
        # a month not closed has no actual yet: #N/A, a gap in the chart, not a fall to 0
        _output(sheet, row, 4, f"IF({closed},{actual},NA())", MONEY)
    last = top + len(MONTHS)
    sheet.cell(
        last + 1,
        1,
        "A month not closed yet has no actual: its cell is #N/A, shown blank, so the "
        "chart leaves a gap.",
    ).style = NOTE
    # The #N/A is what makes the gap (a line chart skips it; 0 or "" would plot as £0), so it
    # stays in the cell; only its text is hidden, in the colour of the Output style's fill: a
    # number format cannot hide an error, a conditional format's font can.
    hidden = Font(color=OUTPUT_FILL)
    sheet.conditional_formatting.add(
        f"D{top + 1}:D{last}", FormulaRule(formula=[f"ISNA(D{top + 1})"], font=hidden)
    )
    chart = LineChart()
    chart.title = "Plan, forecast and actual by month"
    chart.y_axis.title = "£"
    chart.y_axis.numFmt = "#,##0"
    chart.x_axis.number_format = MONTH
    chart.display_blanks = "gap"
    data = Reference(sheet, min_col=2, max_col=4, min_row=top, max_row=last)
    chart.add_data(data, titles_from_data=True)
    for series in chart.series:
        series.smooth = False  # a smoothed line would show money in months that have none
    chart.set_categories(Reference(sheet, min_col=1, min_row=top + 1, max_row=last))
    chart.width, chart.height = _CHART_SIZE
    sheet.add_chart(chart, _chart_at(1))


PRINT_AREA: Final = f"A1:{LAST_COLUMN}{max(LAST_ROW, HEADLINE_ROW - 1 + 3 * _CHART_ROWS)}"
"""The tables and the three charts: what the Dashboard prints, on one page."""


def build_dashboard(book: Workbook) -> Worksheet:
    """The Dashboard sheet: the year against plan, its splits, the pounds at each status, the
    programmes, the months, and three charts over those output cells."""
    sheet = book.create_sheet(Sheet.DASHBOARD)
    sheet_heading(
        sheet,
        "Dashboard",
        "Outputs for the board: every figure is worked out from the Register and Phasing. "
        "To date means the months closed (Inputs).",
    )
    sheet.column_dimensions["A"].width = 40
    for letter in "BCDEFG":
        sheet.column_dimensions[letter].width = 13
    _headlines(sheet)
    _splits(sheet)
    _by_status(sheet)
    _by_programme(sheet)
    _by_month(sheet)
    return sheet
