"""The Register sheet: tblBenefits, one benefit line a row, its inputs then its calculations.

The inputs are the columns :class:`~productive_xl.tracker.register.Column` lists first; the
calculated columns that follow work out, for each line, its order of benefit, the year it starts
and the year it is reported in, its in-year effect, risk weight and risk-adjusted value, the cash
it releases, and how it stands against its source sheet and its phasing.
"""

from __future__ import annotations

from typing import Final

from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from productive_xl.tracker.layout import (
    SOURCE_TABLES,
    BenefitTypesColumn,
    Name,
    PhasingColumn,
    Sheet,
    StatusWeightsColumn,
    Table,
)
from productive_xl.tracker.register import CALCULATED_COLUMNS, Column, Recurrence
from productive_xl.tracker.template.example import EXAMPLE_LINES
from productive_xl.tracker.template.tables import (
    DATE,
    FIRST_TABLE_ROW,
    MONEY,
    PERCENT,
    TEXT,
    Col,
    colour_by_status,
    column_cells,
    count_where,
    drop_down,
    once_started,
    sheet_heading,
    sum_where,
    this_row,
    validate,
    whole,
    write_table,
)

YES: Final = "Yes"

PROMPTS: Final[dict[str, str]] = {
    Column.PROGRAMME: "The Productive Series programme the line belongs to.",
    Column.BENEFIT_TYPE: "The kind of benefit (benefit types on Inputs): its order of benefit "
    "follows from it.",
    Column.CASH_RELEASING: "Yes when a budget is actually reduced or income received; No for "
    "time released to care.",
    Column.RECURRENCE: "Recurrent: every year at its full-year effect. Non-recurrent: once, in "
    "the month it starts.",
    Column.STATUS: "Blue delivered, Green on track, Amber at risk, Red unlikely (status weights "
    "on Inputs).",
}
"""The input message of each register column with a drop-down."""


def _line(column: str) -> str:
    return this_row(Table.BENEFITS, column)


def _started(formula: str) -> str:
    """``formula`` once the line has its ID; blank on a row not yet typed in."""
    return once_started(_line(Column.ID), formula)


def _from_source(formula: str) -> str:
    """``formula`` once the line names its source line; blank for a line resting on none."""
    return once_started(_line(Column.SOURCE_LINE), formula)


def _sum_by_source(table: str, value: str, line: str) -> str:
    return sum_where(whole(table, value), (whole(table, line), _line(Column.SOURCE_LINE)))


def _count_by_source(table: str, line: str) -> str:
    return count_where((whole(table, line), _line(Column.SOURCE_LINE)))


# A one-off line counts its whole value in the year it starts in; a recurrent one what
# PRODUCTIVE_IN_YEAR gives. A flag (1 for one-off) picks between them, as FAST prefers to an IF.
_ONE_OFF: Final = f'({_line(Column.RECURRENCE)}="{Recurrence.NON_RECURRENT}")'
_IN_YEAR: Final = _started(
    f"{_ONE_OFF}*({_line(Column.START_YEAR)}={_line(Column.YEAR)})*{_line(Column.FULL_YEAR_EFFECT)}"
    f"+(1-{_ONE_OFF})*PRODUCTIVE_IN_YEAR({_line(Column.FULL_YEAR_EFFECT)},"
    f"{_line(Column.START_DATE)},{_line(Column.YEAR)},{_line(Column.RAMP_MONTHS)})"
)


def _in_register_order(columns: tuple[Col, ...]) -> tuple[Col, ...]:
    """``columns`` in the order :class:`Column` lists them, the one place that order is kept;
    each column must be described once, with a formula exactly when it is a calculated one."""
    by_header = {column.header: column for column in columns}
    if len(by_header) != len(columns) or set(by_header) != set(Column):
        raise ValueError("the Register's columns must be those of Column, each once")
    calculated = {column.header for column in columns if not column.is_input}
    if calculated != CALCULATED_COLUMNS:
        raise ValueError(f"formulas are for the calculated columns only: {sorted(calculated)}")
    return tuple(by_header[header] for header in Column)


REGISTER_COLUMNS: Final = _in_register_order(
    (
        Col(Column.ID, "code", width=9),
        Col(Column.PROGRAMME, "Productive Series", width=30),
        Col(Column.SCHEME, "module or scheme", width=26),
        Col(Column.WARD, "", width=24),
        Col(Column.DIRECTORATE, ""),
        Col(Column.OWNER, "name", width=20),
        Col(Column.BENEFIT_TYPE, "benefit types (Inputs)", width=22),
        Col(Column.CASH_RELEASING, "Yes or No", width=9),
        Col(Column.RECURRENCE, "", width=14),
        Col(Column.SOURCE_LINE, "code on a source sheet", width=10),
        Col(Column.MEASURE, "what is measured", width=40),
        Col(Column.FULL_YEAR_EFFECT, "£ a year (one-off: £)", MONEY),
        Col(Column.START_DATE, "date", DATE, width=11),
        Col(Column.RAMP_MONTHS, "months", width=8),
        Col(Column.STATUS, "RAG or Blue (Inputs)", width=9),
        Col(Column.EVIDENCE, "", width=34),
        Col(Column.ALSO_REPORTED_IN, "e.g. CIP", width=18),
        Col(
            Column.ORDER,
            "benefit types (Inputs)",
            formula=_started(
                f"INDEX({whole(Table.BENEFIT_TYPES, BenefitTypesColumn.ORDER)},"
                f"MATCH({_line(Column.BENEFIT_TYPE)},"
                f"{whole(Table.BENEFIT_TYPES, BenefitTypesColumn.BENEFIT_TYPE)},0))"
            ),
        ),
        Col(
            Column.START_YEAR,
            "financial year",
            TEXT,
            _started(f"PRODUCTIVE_FY({_line(Column.START_DATE)})"),
            width=10,
        ),
        Col(Column.YEAR, "financial year", TEXT, _started(Name.FINANCIAL_YEAR), width=10),
        Col(Column.IN_YEAR_EFFECT, "£ in the year", MONEY, _IN_YEAR),
        Col(
            Column.RISK_WEIGHT,
            "fraction",
            PERCENT,
            _started(
                sum_where(
                    whole(Table.STATUS_WEIGHTS, StatusWeightsColumn.WEIGHT),
                    (whole(Table.STATUS_WEIGHTS, StatusWeightsColumn.STATUS), _line(Column.STATUS)),
                )
            ),
            width=8,
        ),
        Col(
            Column.RISK_ADJUSTED,
            "£ in the year",
            MONEY,
            _started(
                f"PRODUCTIVE_RISK_ADJUST({_line(Column.IN_YEAR_EFFECT)},{_line(Column.RISK_WEIGHT)})"
            ),
        ),
        Col(
            Column.CASH_IN_YEAR,
            "£ in the year",
            MONEY,
            _started(f'({_line(Column.CASH_RELEASING)}="{YES}")*{_line(Column.IN_YEAR_EFFECT)}'),
        ),
        Col(
            Column.SOURCE_FULL_YEAR_EFFECT,
            "£ a year (one-off: £)",
            MONEY,
            _from_source(
                "+".join(
                    _sum_by_source(table, value, line)
                    for table, line, values in SOURCE_TABLES
                    for value in values
                )
            ),
        ),
        Col(
            Column.SOURCE_ROWS,
            "rows",
            # 0 for a line naming no source line: its figure rests on no working (Checks)
            formula=_started(
                f'({_line(Column.SOURCE_LINE)}<>"")*('
                + "+".join(_count_by_source(table, line) for table, line, _ in SOURCE_TABLES)
                + ")"
            ),
            width=8,
        ),
        Col(
            Column.DISAGREES_WITH_SOURCE,
            "TRUE is a finding",
            formula=_from_source(
                f"AND({_line(Column.SOURCE_ROWS)}>0,ABS({_line(Column.FULL_YEAR_EFFECT)}"
                f"-{_line(Column.SOURCE_FULL_YEAR_EFFECT)})>{Name.AGREEMENT_TOLERANCE})"
            ),
            width=10,
        ),
        Col(
            Column.PHASING_ROWS,
            "rows",
            formula=_started(
                count_where((whole(Table.PHASING, PhasingColumn.LINE), _line(Column.ID)))
            ),
            width=8,
        ),
    )
)


def build_register(book: Workbook, *, example: bool, lists: dict[str, str]) -> Worksheet:
    """The Register sheet; ``lists`` maps an input column to the range its drop-down offers."""
    sheet = book.create_sheet(Sheet.REGISTER)
    sheet_heading(
        sheet,
        "Benefits register",
        "One line per benefit. Type the orange columns; the grey ones are worked out. Each line "
        "names as Source line the code of its working (Released Time, Stock or Second Order); "
        "its full-year effect must agree with that sheet's value (Checks).",
    )
    rows = [line.values() for line in EXAMPLE_LINES] if example else []
    write_table(sheet, Table.BENEFITS, REGISTER_COLUMNS, rows, top=FIRST_TABLE_ROW)
    for header, source in lists.items():
        drop_down(sheet, Table.BENEFITS, header, source, PROMPTS[header])
    ramp = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0")
    validate(
        sheet,
        column_cells(sheet, Table.BENEFITS, Column.RAMP_MONTHS),
        ramp,
        Column.RAMP_MONTHS,
        "Months the line takes to reach its full run rate: 0 for at once, 3 for a third, two "
        "thirds, then all of it.",
    )
    start = DataValidation(type="date", operator="greaterThan", formula1="1")
    validate(
        sheet,
        column_cells(sheet, Table.BENEFITS, Column.START_DATE),
        start,
        Column.START_DATE,
        "The date the benefit starts, e.g. 01/10/2025: its whole month counts.",
    )
    colour_by_status(sheet, column_cells(sheet, Table.BENEFITS, Column.STATUS))
    sheet.freeze_panes = sheet.cell(FIRST_TABLE_ROW + 2, 2)
    return sheet
