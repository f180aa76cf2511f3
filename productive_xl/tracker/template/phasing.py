"""The Phasing sheet: each register line's plan, forecast and actual by month, April to March.

The plan is worked out with a FAST timing flag: above the table a timeline numbers the months
of the year and gives each month's first day; a line's n-th benefit month (n counted from the
month its start date falls in) delivers the monthly run rate times min(1, n / ramp months), as
PRODUCTIVE_IN_YEAR does for the whole year (DOMAIN.md F6), and a one-off line delivers its whole
value in its first month. The check column says whether the twelve months add up to the line's
in-year effect on the register. Forecast and actual are typed in: the actual of each month
closed (``MonthsClosed`` on Inputs) and the forecast of each month to come, never both, so the
forecast outturn (actual to date plus forecast to come) counts each month once. The columns
after them report each line against its plan: to date, for the year, and into next year.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from productive_xl.core.phasing import monthly_phasing
from productive_xl.tracker.layout import MONTHS, Measure, Name, Sheet, Table, month_column
from productive_xl.tracker.layout import PhasingColumn as P
from productive_xl.tracker.register import Column, Recurrence
from productive_xl.tracker.template.example import (
    ACTUAL_FACTOR,
    ACTUAL_MONTHS,
    EXAMPLE_LINES,
    FORECAST_FACTOR,
    ExampleLine,
)
from productive_xl.tracker.template.inputs import EXAMPLE_YEAR
from productive_xl.tracker.template.register import YES
from productive_xl.tracker.template.tables import (
    CLOSED,
    DATE,
    FIRST_TABLE_ROW,
    GROWTH_ROWS,
    MONEY,
    MONTH,
    NOTE,
    Col,
    colour_by_status,
    column_cells,
    once_started,
    sheet_heading,
    this_row,
    whole,
    write_table,
)

MONTH_NUMBER_ROW: Final = FIRST_TABLE_ROW - 1
"""The timeline row numbering the months of the year 1 to 12, above each month column."""

TABLE_TOP: Final = FIRST_TABLE_ROW + 1
"""The unit row of tblPhasing, which holds each month column's first day (the timeline)."""


def _phase(column: str) -> str:
    return this_row(Table.PHASING, column)


def _started(formula: str) -> str:
    """``formula`` once the row names its register line; blank on a row not yet typed in."""
    return once_started(_phase(P.LINE), formula)


def _register(column: Column, missing: str = "0") -> str:
    """``column`` of the register line the row names: the first line with its ID. A row naming
    no register line reads 0 (its plan is nothing) rather than a chain of #N/A: the refresh
    lists it as a finding with its row. An ID used twice is the refresh's finding too, and a
    start date is never added to another's."""
    match = f"MATCH({_phase(P.LINE)},{whole(Table.BENEFITS, Column.ID)},0)"
    return f"IF(ISNUMBER({match}),INDEX({whole(Table.BENEFITS, column)},{match}),{missing})"


def _from_register(column: Column, missing: str = "0") -> str:
    return _started(_register(column, missing))


LEAD_COLUMNS: Final = (
    Col(P.LINE, "register ID", width=10),
    Col(P.FULL_YEAR_EFFECT, "£ (Register)", MONEY, _from_register(Column.FULL_YEAR_EFFECT)),
    Col(
        P.START_DATE,
        "date (Register)",
        DATE,
        _from_register(Column.START_DATE, Name.YEAR_START),
        width=11,
    ),
    Col(P.RAMP_MONTHS, "months (Register)", formula=_from_register(Column.RAMP_MONTHS), width=9),
    Col(
        P.NON_RECURRENT,
        "1 = one-off",
        formula=_started(f'--({_register(Column.RECURRENCE)}="{Recurrence.NON_RECURRENT}")'),
        width=9,
    ),
    Col(
        P.CASH,
        "1 = cash-releasing",
        formula=_started(f'--({_register(Column.CASH_RELEASING)}="{YES}")'),
        width=9,
    ),
    Col(P.STATUS, "RAG or Blue (Register)", formula=_from_register(Column.STATUS), width=9),
    Col(P.IN_YEAR_EFFECT, "£ (Register)", MONEY, _from_register(Column.IN_YEAR_EFFECT)),
    Col(
        P.MONTHS_BEFORE_START,
        "months from April",
        formula=_started(
            f"(YEAR({_phase(P.START_DATE)})-YEAR({Name.YEAR_START}))*{Name.MONTHS_IN_YEAR}"
            f"+MONTH({_phase(P.START_DATE)})-MONTH({Name.YEAR_START})"
        ),
        width=9,
    ),
    Col(
        P.RUN_RATE,
        "£ a month",
        MONEY,
        _started(f"{_phase(P.FULL_YEAR_EFFECT)}/{Name.MONTHS_IN_YEAR}"),
    ),
)


def _plan(month_number: str) -> str:
    """The plan of one month: ``month_number`` is the timeline cell above its column.

    The Non-recurrent column is a flag (1 for a one-off line), so the month is the one-off's
    value in its first month plus the recurrent run rate ramped up, each times its flag.
    """
    benefit_month = f"({month_number}-{_phase(P.MONTHS_BEFORE_START)})"
    one_off = _phase(P.NON_RECURRENT)
    return _started(
        f"{one_off}*{_phase(P.FULL_YEAR_EFFECT)}*({benefit_month}=1)"
        f"+(1-{one_off})*{_phase(P.RUN_RATE)}"
        f"*MAX(0,MIN(1,{benefit_month}/MAX({_phase(P.RAMP_MONTHS)},1)))"
    )


def _months(measure: Measure) -> str:
    """The row's twelve months of ``measure``, April to March."""
    first, last = month_column(measure, MONTHS[0]), month_column(measure, MONTHS[-1])
    return f"{Table.PHASING}[[#This Row],[{first}]:[{last}]]"


def _total(measure: Measure) -> str:
    return _started(f"SUM({_months(measure)})")


_PLAN_CHECKS: Final = 2
"""The two columns after the plan months: Plan total and Plan disagrees."""

FIRST_MONTH_COLUMN: Final = {
    Measure.PLAN: len(LEAD_COLUMNS) + 1,
    Measure.FORECAST: len(LEAD_COLUMNS) + 1 + len(MONTHS) + _PLAN_CHECKS,
    Measure.ACTUAL: len(LEAD_COLUMNS) + 1 + 2 * len(MONTHS) + _PLAN_CHECKS + 1,
}
"""The sheet column of each measure's April; :func:`phasing_columns` checks it."""


def timeline(measure: Measure, *, sheet: bool = False) -> str:
    """The timeline cells numbering the months 1 to 12 above ``measure``'s month columns, e.g.
    ``$I$5:$T$5`` (with ``sheet``, ``Phasing!$I$5:$T$5``, for a formula on another sheet)."""
    first = FIRST_MONTH_COLUMN[measure]
    span = f"${get_column_letter(first)}${MONTH_NUMBER_ROW}:"
    span += f"${get_column_letter(first + len(MONTHS) - 1)}${MONTH_NUMBER_ROW}"
    return f"{Sheet.PHASING}!{span}" if sheet else span


def _closed(measure: Measure) -> str:
    """``measure``'s months that are closed (MonthsClosed on Inputs), summed: the year to date."""
    return _started(f"SUMPRODUCT(--({timeline(measure)}<={Name.MONTHS_CLOSED}),{_months(measure)})")


def _to_come(measure: Measure) -> str:
    """``measure``'s months not yet closed, summed: a forecast typed for a closed month is
    never counted, since that month's actual stands in its place."""
    return _started(f"SUMPRODUCT(--({timeline(measure)}>{Name.MONTHS_CLOSED}),{_months(measure)})")


REPORT_COLUMNS: Final = (
    Col(P.YTD_PLAN, "£ months closed", MONEY, _closed(Measure.PLAN)),
    Col(P.YTD_ACTUAL, "£ months closed", MONEY, _closed(Measure.ACTUAL)),
    Col(
        P.YTD_VARIANCE,
        "£ actual - plan",
        MONEY,
        _started(f"{_phase(P.YTD_ACTUAL)}-{_phase(P.YTD_PLAN)}"),
    ),
    Col(
        P.OUTTURN,
        "£ actual + forecast",
        MONEY,
        _started(f"{_phase(P.YTD_ACTUAL)}+{_phase(P.FORECAST_TOTAL)}"),
    ),
    Col(
        P.OUTTURN_VARIANCE,
        "£ outturn - plan",
        MONEY,
        _started(f"{_phase(P.OUTTURN)}-{_phase(P.PLAN_TOTAL)}"),
    ),
    Col(
        P.CARRY_FORWARD,
        "£ full year - in year",
        MONEY,
        _started(f"{_phase(P.FULL_YEAR_EFFECT)}-{_phase(P.IN_YEAR_EFFECT)}"),
    ),
)
"""Each line against its plan: to date (the months closed), the forecast outturn for the year,
and what the line adds next year (its carry-forward)."""


def phasing_columns() -> tuple[Col, ...]:
    """Every column of tblPhasing, in order."""
    start = len(LEAD_COLUMNS) + 1
    plan = tuple(
        Col(
            month_column(Measure.PLAN, month),
            "",
            MONEY,
            _plan(f"{get_column_letter(start + index)}${MONTH_NUMBER_ROW}"),
            width=10,
        )
        for index, month in enumerate(MONTHS)
    )
    checks = (
        Col(P.PLAN_TOTAL, "£ in the year", MONEY, _total(Measure.PLAN)),
        Col(
            P.PLAN_DISAGREES,
            "TRUE is a finding",
            formula=_started(
                f"ABS({_phase(P.PLAN_TOTAL)}-{_phase(P.IN_YEAR_EFFECT)})>{Name.AGREEMENT_TOLERANCE}"
            ),
            width=10,
        ),
    )
    typed: list[Col] = [
        *(Col(month_column(Measure.FORECAST, month), "", MONEY, width=10) for month in MONTHS),
        Col(P.FORECAST_TOTAL, "£ months not closed", MONEY, _to_come(Measure.FORECAST)),
        *(Col(month_column(Measure.ACTUAL, month), "", MONEY, width=10) for month in MONTHS),
        Col(P.ACTUAL_TOTAL, "£ in the year", MONEY, _total(Measure.ACTUAL)),
    ]
    columns = (*LEAD_COLUMNS, *plan, *checks, *typed, *REPORT_COLUMNS)
    headers = [column.header for column in columns]
    for measure, first in FIRST_MONTH_COLUMN.items():
        if headers.index(month_column(measure, MONTHS[0])) + 1 != first:
            raise ValueError(f"tblPhasing's {measure} months moved: update FIRST_MONTH_COLUMN")
    return columns


def plan_by_month(line: ExampleLine) -> tuple[float, ...]:
    """An example line's plan for each month (as the workbook works it out), for its typed
    forecast and actuals."""
    if line.recurrence == Recurrence.NON_RECURRENT:
        months = monthly_phasing(line.full_year_effect, line.start_date, EXAMPLE_YEAR)
        first = next(index for index, value in enumerate(months) if value)
        return tuple(line.full_year_effect if i == first else 0.0 for i in range(len(months)))
    return monthly_phasing(line.full_year_effect, line.start_date, EXAMPLE_YEAR, line.ramp_months)


def _example_row(line: ExampleLine) -> Sequence[object]:
    plan = plan_by_month(line)
    actual = [round(value * ACTUAL_FACTOR[line.status]) for value in plan[:ACTUAL_MONTHS]]
    # a closed month has its actual and no forecast (never typed twice); the months to come
    # have the owner's forecast and no actual yet
    to_come = [round(value * FORECAST_FACTOR[line.status]) for value in plan[ACTUAL_MONTHS:]]
    closed = [None] * ACTUAL_MONTHS
    blanks = [None] * (len(plan) - ACTUAL_MONTHS)
    return (line.id, *closed, *to_come, *actual, *blanks)


def first_day_of_month(month: str) -> str:
    """The timeline cell holding the first day of ``month`` (above its Plan column)."""
    headers = [column.header for column in phasing_columns()]
    letter = get_column_letter(headers.index(month_column(Measure.PLAN, month)) + 1)
    return f"{Sheet.PHASING}!${letter}${TABLE_TOP}"


def month_number(month: str) -> str:
    """The timeline cell numbering ``month`` 1 to 12 (above its Plan column), with its sheet."""
    headers = [column.header for column in phasing_columns()]
    letter = get_column_letter(headers.index(month_column(Measure.PLAN, month)) + 1)
    return f"{Sheet.PHASING}!${letter}${MONTH_NUMBER_ROW}"


def _timeline(sheet: Worksheet, columns: Sequence[Col]) -> None:
    sheet.cell(MONTH_NUMBER_ROW, 1, "Month of the year").style = NOTE
    for index, column in enumerate(columns, start=1):
        for measure in Measure:
            if column.header.startswith(f"{measure} ") and column.header[-3:] in MONTHS:
                number = MONTHS.index(column.header[-3:]) + 1
                sheet.cell(MONTH_NUMBER_ROW, index, number).style = NOTE
                first_day = sheet.cell(TABLE_TOP, index)
                number_cell = f"{first_day.column_letter}${MONTH_NUMBER_ROW}"
                first_day.value = f"=EDATE({Name.YEAR_START},{number_cell}-1)"
                first_day.number_format = MONTH


def _grey_closed_forecasts(sheet: Worksheet) -> None:
    """Grey the forecast cells of months closed: their actual stands in their place, and a
    forecast typed there is not counted."""
    first = sheet.tables[Table.PHASING].ref.split(":")[0]
    body = sheet[first].row + 1
    left = get_column_letter(FIRST_MONTH_COLUMN[Measure.FORECAST])
    right = get_column_letter(FIRST_MONTH_COLUMN[Measure.FORECAST] + len(MONTHS) - 1)
    sheet.conditional_formatting.add(
        f"{left}{body}:{right}{body + GROWTH_ROWS}",
        FormulaRule(formula=[f"{left}${MONTH_NUMBER_ROW}<={Name.MONTHS_CLOSED}"], fill=CLOSED),
    )


def build_phasing(book: Workbook, *, example: bool) -> Worksheet:
    """The Phasing sheet: the timeline and tblPhasing, one row per register line."""
    sheet = book.create_sheet(Sheet.PHASING)
    sheet_heading(
        sheet,
        "Phasing",
        "Each register line by month: the plan follows from its full-year effect, start date "
        "and ramp (grey); type the actual of each month closed (Months closed on Inputs) and "
        "the forecast of each month to come (orange). Refresh adds a row for each new "
        "register line.",
    )
    columns = phasing_columns()
    rows = [_example_row(line) for line in EXAMPLE_LINES] if example else []
    write_table(sheet, Table.PHASING, columns, rows, top=TABLE_TOP)
    _timeline(sheet, columns)
    _grey_closed_forecasts(sheet)
    colour_by_status(sheet, column_cells(sheet, Table.PHASING, P.STATUS))
    sheet.freeze_panes = sheet.cell(TABLE_TOP + 2, 2)
    return sheet
