"""The Released Time and Stock sheets: the measurements behind register lines, and their value.

Each row has a Line code; a register line that rests on it names that code as its Source line,
and the register checks that its full-year effect agrees with the value worked out here.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from productive_xl.tracker.layout import Name, RatesColumn, Sheet, StockColumn, Table
from productive_xl.tracker.layout import TaskTimesColumn as T
from productive_xl.tracker.template.example import STOCK_COUNTS, TASK_TIMINGS
from productive_xl.tracker.template.tables import (
    COUNT,
    FIRST_TABLE_ROW,
    HOURS,
    MONEY,
    PENCE,
    WTE_FORMAT,
    Col,
    drop_down,
    once_started,
    sheet_heading,
    this_row,
    whole,
    write_table,
)


def _task(column: str) -> str:
    return this_row(Table.TASK_TIMES, column)


def _stock(column: str) -> str:
    return this_row(Table.STOCK, column)


def _task_started(formula: str) -> str:
    """``formula`` once the timing has its line code; blank on a row not yet typed in."""
    return once_started(_task(T.LINE), formula)


def _stock_started(formula: str) -> str:
    """``formula`` once the count has its line code; blank on a row not yet typed in."""
    return once_started(_stock(StockColumn.LINE), formula)


TASK_TIME_COLUMNS = (
    Col(T.LINE, "code", width=10),
    Col(T.WARD, "", width=26),
    Col(T.TASK, "", width=30),
    Col(T.BAND, "Agenda for Change (or £ an hour)", width=10),
    Col(T.MINUTES_BEFORE, "minutes each time", COUNT),
    Col(T.MINUTES_AFTER, "minutes each time", COUNT),
    Col(T.TIMES_A_DAY, "times a day", COUNT),
    Col(T.DAYS_A_YEAR, "days a year", COUNT),
    Col(
        T.HOURS_RELEASED,
        "hours a year",
        HOURS,
        _task_started(
            f"PRODUCTIVE_RELEASED_HOURS({_task(T.MINUTES_BEFORE)},{_task(T.MINUTES_AFTER)},"
            f"{_task(T.TIMES_A_DAY)},{_task(T.DAYS_A_YEAR)})"
        ),
    ),
    Col(
        T.HOURLY_COST,
        "£ an hour (Inputs)",
        PENCE,
        # a band's cost from the pay rates on Inputs; a number typed as the band is an agreed
        # cost an hour, as PRODUCTIVE_RELEASED_TIME_VALUE takes a band or an hourly cost (the
        # national example's illustrative rates); a band tblRates does not list is #N/A, not a
        # cost of nothing
        _task_started(
            f"IF(ISNUMBER({_task(T.BAND)}),{_task(T.BAND)},"
            f"INDEX({whole(Table.RATES, RatesColumn.HOURLY_COST)},"
            f"MATCH({_task(T.BAND)},{whole(Table.RATES, RatesColumn.BAND)},0)))"
        ),
    ),
    Col(
        T.VALUE,
        "£ a year",
        MONEY,
        _task_started(
            f"PRODUCTIVE_RELEASED_TIME_VALUE({_task(T.HOURS_RELEASED)},{_task(T.HOURLY_COST)})"
        ),
    ),
    Col(
        T.WTE,
        "WTE",
        WTE_FORMAT,
        _task_started(f"PRODUCTIVE_WTE({_task(T.HOURS_RELEASED)},{Name.PRODUCTIVE_HOURS})"),
    ),
)

STOCK_COLUMNS = (
    Col(StockColumn.LINE, "code", width=10),
    Col(StockColumn.WARD, "", width=26),
    Col(StockColumn.STOCK, "", width=28),
    Col(StockColumn.STOCK_BEFORE, "£ held", MONEY),
    Col(StockColumn.STOCK_AFTER, "£ held", MONEY),
    Col(StockColumn.USAGE_BEFORE, "£ used a year", MONEY),
    Col(StockColumn.USAGE_AFTER, "£ used a year", MONEY),
    Col(StockColumn.EXPIRED_BEFORE, "£ a year", MONEY),
    Col(StockColumn.EXPIRED_AFTER, "£ a year", MONEY),
    Col(
        StockColumn.ONE_OFF_RELEASE,
        "£ once",
        MONEY,
        _stock_started(
            f"PRODUCTIVE_STOCK_RELEASE({_stock(StockColumn.STOCK_BEFORE)},"
            f"{_stock(StockColumn.STOCK_AFTER)})"
        ),
    ),
    Col(
        StockColumn.RECURRENT,
        "£ a year",
        MONEY,
        _stock_started(
            f"PRODUCTIVE_STOCK_RECURRENT({_stock(StockColumn.USAGE_BEFORE)},"
            f"{_stock(StockColumn.USAGE_AFTER)},{_stock(StockColumn.EXPIRED_BEFORE)},"
            f"{_stock(StockColumn.EXPIRED_AFTER)})"
        ),
    ),
    Col(
        StockColumn.DAYS_BEFORE,
        "days",
        HOURS,
        _stock_started(
            f"PRODUCTIVE_STOCK_DAYS({_stock(StockColumn.STOCK_BEFORE)},"
            f"{_stock(StockColumn.USAGE_BEFORE)})"
        ),
    ),
    Col(
        StockColumn.DAYS_AFTER,
        "days",
        HOURS,
        _stock_started(
            f"PRODUCTIVE_STOCK_DAYS({_stock(StockColumn.STOCK_AFTER)},"
            f"{_stock(StockColumn.USAGE_AFTER)})"
        ),
    ),
)


def build_released_time(book: Workbook, *, example: bool, bands: str) -> Worksheet:
    """The Released Time sheet: tblTaskTimes, task timings valued at each band's hourly cost;
    ``bands`` is the range of tblRates' bands, which the Band column offers."""
    sheet = book.create_sheet(Sheet.RELEASED_TIME)
    sheet_heading(
        sheet,
        "Released time",
        "Tasks timed before and after a change (task timing method). Hours released are valued "
        "at the band's cost of an hour from the pay rates on Inputs (or at a cost an hour typed "
        "as the band, whose source the evidence names): not cash unless a budget is cut. "
        "Source: the ward's own timings; name the evidence on the register line.",
    )
    rows = (
        [
            (
                t.line,
                t.ward,
                t.task,
                t.band,
                t.minutes_before,
                t.minutes_after,
                t.times_a_day,
                t.days_a_year,
            )
            for t in TASK_TIMINGS
        ]
        if example
        else []
    )
    write_table(sheet, Table.TASK_TIMES, TASK_TIME_COLUMNS, rows, top=FIRST_TABLE_ROW)
    drop_down(
        sheet,
        Table.TASK_TIMES,
        T.BAND,
        bands,
        "The Agenda for Change band of the staff whose time is released (pay rates on Inputs). "
        "An agreed cost an hour in £ may be typed instead: name its source in the evidence.",
        warn_only=True,
    )
    return sheet


def build_stock(book: Workbook, *, example: bool) -> Worksheet:
    """The Stock sheet: tblStock, stock counts giving one-off releases and recurrent savings."""
    sheet = book.create_sheet(Sheet.STOCK)
    sheet_heading(
        sheet,
        "Stock",
        "Stock held, used and thrown away as expired, before and after a change. A one-off "
        "release is counted once, in the month it happens, never a year. Source: stock-takes "
        "and the ledger.",
    )
    rows = (
        [
            (
                s.line,
                s.ward,
                s.stock,
                s.stock_before,
                s.stock_after,
                s.usage_before,
                s.usage_after,
                s.expired_before,
                s.expired_after,
            )
            for s in STOCK_COUNTS
        ]
        if example
        else []
    )
    write_table(sheet, Table.STOCK, STOCK_COLUMNS, rows, top=FIRST_TABLE_ROW)
    return sheet
