"""The Costs sheet: what the programme costs by year, and its NPV and ROI.

tblCosts has a row for each year of the programme, 0 being the year the tracker reports; its
one-off and recurrent costs are typed in. The benefits of each year come from the register: in
year 0 the in-year effect of every line, in each later year the full-year effect of the
recurrent lines (a one-off is counted once, in its own year). Neither is risk-adjusted: the
register's Risk-adjusted column is there for the prudent view. ``ProgrammeNPV`` discounts the
net benefit by year at the Green Book rate on Inputs (PRODUCTIVE_NPV, year 0 undiscounted) and
``ProgrammeROI`` sets the benefits against the costs (PRODUCTIVE_ROI); the Dashboard may show
both by those names.
"""

from __future__ import annotations

from typing import Final

from openpyxl import Workbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from productive_xl.tracker.layout import CostsColumn as C
from productive_xl.tracker.layout import Name, Sheet, Table
from productive_xl.tracker.register import Column, Recurrence
from productive_xl.tracker.template.example import PROGRAMME_COSTS
from productive_xl.tracker.template.tables import (
    COUNT,
    FIRST_TABLE_ROW,
    FRACTION,
    HEADING,
    MONEY,
    OUTPUT,
    Col,
    once_started,
    sheet_heading,
    sum_where,
    this_row,
    value_cell,
    whole,
    write_table,
)

YEARS: Final = 5
"""Years of the programme a new tracker lists: the tracker's year (0) and four after it."""


VALUE_COLUMN: Final = 4
"""The column of the NPV and ROI cells, right of their labels."""


def _cost(column: str) -> str:
    return this_row(Table.COSTS, column)


def _started(formula: str) -> str:
    return once_started(_cost(C.YEAR), formula)


_RECURRENT_FULL_YEAR: Final = sum_where(
    whole(Table.BENEFITS, Column.FULL_YEAR_EFFECT),
    (whole(Table.BENEFITS, Column.RECURRENCE), f'"{Recurrence.RECURRENT}"'),
)

COST_COLUMNS: Final = (
    Col(C.YEAR, "0 = the tracker's year", COUNT, width=10),
    Col(C.ONE_OFF, "£ in the year", MONEY),
    Col(C.RECURRENT, "£ in the year", MONEY),
    Col(C.TOTAL, "£ in the year", MONEY, _started(f"{_cost(C.ONE_OFF)}+{_cost(C.RECURRENT)}")),
    Col(
        C.BENEFITS,
        "£ in the year (Register)",
        MONEY,
        # year 0: every line's in-year effect; a later year: the recurrent lines' full year
        _started(
            f"({_cost(C.YEAR)}=0)*SUM({whole(Table.BENEFITS, Column.IN_YEAR_EFFECT)})"
            f"+({_cost(C.YEAR)}>0)*{_RECURRENT_FULL_YEAR}"
        ),
    ),
    Col(C.NET, "£ in the year", MONEY, _started(f"{_cost(C.BENEFITS)}-{_cost(C.TOTAL)}")),
)

# Blank until there are costs to set benefits against: a tracker with none typed shows no error.
NPV: Final = (
    f'IF(SUM({whole(Table.COSTS, C.TOTAL)})=0,"",'
    f"PRODUCTIVE_NPV({whole(Table.COSTS, C.NET)},{Name.DISCOUNT_RATE}))"
)
ROI: Final = (
    f'IF(SUM({whole(Table.COSTS, C.TOTAL)})=0,"",'
    f"PRODUCTIVE_ROI({whole(Table.COSTS, C.BENEFITS)},{whole(Table.COSTS, C.TOTAL)}))"
)


def build_costs(book: Workbook, *, example: bool) -> Worksheet:
    """The Costs sheet: tblCosts and the programme's NPV and ROI (ProgrammeNPV, ProgrammeROI)."""
    sheet = book.create_sheet(Sheet.COSTS)
    sheet_heading(
        sheet,
        "Programme costs, NPV and ROI",
        "Type the programme's one-off and recurrent costs for each year (year 0 is the "
        "tracker's). Benefits come from the register: year 0 its in-year effect, later years "
        "the recurrent lines' full-year effect. Not risk-adjusted.",
    )
    rows = PROGRAMME_COSTS if example else [(year, 0, 0) for year in range(YEARS)]
    last = write_table(sheet, Table.COSTS, COST_COLUMNS, rows, top=FIRST_TABLE_ROW)
    top = last + 3
    sheet.cell(top - 1, 1, "Appraisal of the programme").style = HEADING
    for row, (label, name, formula, number_format) in enumerate(
        (
            ("Net present value (£, discount rate on Inputs)", Name.PROGRAMME_NPV, NPV, MONEY),
            (
                "Return on investment (benefits less costs, over costs)",
                Name.PROGRAMME_ROI,
                ROI,
                FRACTION,
            ),
        ),
        start=top,
    ):
        sheet.cell(row, 1, label)
        cell = sheet.cell(row, VALUE_COLUMN, f"={formula}")
        cell.style = OUTPUT
        cell.number_format = number_format
        book.defined_names[name] = DefinedName(name, attr_text=value_cell(sheet, row, VALUE_COLUMN))
    return sheet
