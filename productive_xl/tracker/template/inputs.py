"""The Inputs sheet: every reference value the tracker's formulas use, with unit and source.

Formulas never hold a number that could change: they use these inputs by name (``MonthsInYear``,
``ProductiveHours``...), each name pointing at its Value cell in tblAssumptions, so a change here
changes every result that depends on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from openpyxl import Workbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from productive_xl.core.financial_year import FinancialYear
from productive_xl.core.reference import default_reference_values
from productive_xl.core.staff_cost import pay_point
from productive_xl.tracker.layout import (
    AssumptionsColumn,
    BenefitTypesColumn,
    Name,
    RatesColumn,
    Sheet,
    StatusWeightsColumn,
    Table,
)
from productive_xl.tracker.register import BenefitType
from productive_xl.tracker.template.tables import (
    DATE,
    FIRST_TABLE_ROW,
    GENERAL,
    HEADING,
    HOURS,
    MONEY,
    PENCE,
    PERCENT,
    TEXT,
    Col,
    sheet_heading,
    this_row,
    value_cell,
    write_table,
)

TRACKER_YEAR: Final = FinancialYear(2025)
"""The year a new tracker reports: the only one whose pay scale productive_xl ships."""


@dataclass(frozen=True)
class Assumption:
    """One row of tblAssumptions, and the defined name its Value cell goes by."""

    name: Name
    item: str
    value: object
    unit: str
    source: str
    comment: str
    number_format: str = GENERAL


ASSUMPTIONS: Final = (
    Assumption(
        Name.FINANCIAL_YEAR,
        "Financial year",
        TRACKER_YEAR.label,
        "NHS financial year",
        "Set by the trust",
        "The year this tracker reports: in-year effects, phasing and the rollup are for it.",
        TEXT,
    ),
    Assumption(
        Name.YEAR_START,
        "First day of the year",
        TRACKER_YEAR.first_day,
        "date",
        "NHS financial year: 1 April to 31 March",
        "The first day of the financial year above; the Phasing timeline starts here.",
        DATE,
    ),
    Assumption(
        Name.MONTHS_IN_YEAR,
        "Months in a year",
        12,
        "months",
        "Calendar",
        "Turns a full-year effect into a monthly run rate.",
    ),
    Assumption(
        Name.MONTHS_CLOSED,
        "Months closed",
        0,
        "months (0 to 12)",
        "Set by finance at each month end",
        "Months of the year whose actuals are in (6 = April to September): the figures to "
        "date cover them; the forecast outturn adds the forecast of the months after them.",
    ),
    Assumption(
        Name.PAY_POINT,
        "Pay point",
        "mid",
        "entry, mid or top",
        "Productive Series finance guidance: cost staff time at the mid point",
        "The Agenda for Change pay point at which each band's hour is costed (pay rates below).",
        TEXT,
    ),
    Assumption(
        Name.COST_BASIS,
        "Hours an annual cost is spread over",
        "productive",
        "productive or paid",
        "PSSRU Unit Costs of Health and Social Care 2024",
        "Productive hours (1,553 a year) value time released to care; paid hours are 1,950.",
        TEXT,
    ),
    Assumption(
        Name.PRODUCTIVE_HOURS,
        "Productive hours a year",
        1553,
        "hours a year per WTE",
        "PSSRU Unit Costs of Health and Social Care 2024 (hospital nurse)",
        "Turns hours released into whole-time equivalent staff (WTE released).",
        HOURS,
    ),
    Assumption(
        Name.AGREEMENT_TOLERANCE,
        "Agreement tolerance",
        1,
        "£",
        "Set by the trust",
        "Two figures that should agree (register and source sheet, plan and in-year effect) "
        "may differ by this much, for rounding, before a check counts it.",
        PENCE,
    ),
)

STATUS_WEIGHTS: Final = (
    ("Blue", 1.0, "Delivered: the benefit is realised and evidenced."),
    ("Green", 0.9, "On track to deliver."),
    ("Amber", 0.5, "At risk: delivery needs action."),
    ("Red", 0.1, "Unlikely to deliver without intervention."),
)
"""Each status and its risk weight (DOMAIN.md F7); the trust may change the weights."""

FIRST_ORDER: Final = "First order"
SECOND_ORDER: Final = "Second order"
RELEASED_TIME: Final = "Released time"
ORDERS: Final = (FIRST_ORDER, SECOND_ORDER, RELEASED_TIME)

BENEFIT_TYPES: Final = (
    (
        BenefitType.RELEASED_TIME,
        RELEASED_TIME,
        "Staff time released to direct care, valued at the cost of an hour: not cash unless "
        "a budget is cut (then record the cut as a revenue reduction, from the same source line).",
    ),
    (
        BenefitType.STOCK_RELEASE,
        FIRST_ORDER,
        "Working capital released once by holding less stock; counted once, in its month.",
    ),
    (
        BenefitType.STOCK_RECURRENT,
        FIRST_ORDER,
        "Less stock used or thrown away as expired, every year.",
    ),
    (
        BenefitType.REVENUE_REDUCTION,
        SECOND_ORDER,
        "Revenue spend avoided: bank and agency shifts, waiting-list initiative sessions.",
    ),
    (
        BenefitType.INCOME,
        SECOND_ORDER,
        "Income from extra cases. Value theatre time as cost or as income, never both.",
    ),
    (
        BenefitType.ASSETS,
        SECOND_ORDER,
        "Assets employed reduced: PDC dividend and depreciation avoided.",
    ),
)


def _pay_points(year: FinancialYear) -> list[tuple[str, float, float, float]]:
    """(band, entry, mid, top) of every band in ``year``'s pay scale, as shipped."""
    scale = default_reference_values().pay_scale(year.label)
    return [
        (band, points[0], pay_point(points, "mid"), points[-1])
        for band, points in scale.points.items()
    ]


_HOURLY_COST: Final = (
    f"PRODUCTIVE_HOURLY_COST({this_row(Table.RATES, RatesColumn.BAND)},"
    f"{Name.FINANCIAL_YEAR},{Name.PAY_POINT},{Name.COST_BASIS})"
)


def _assumptions(book: Workbook, sheet: Worksheet, top: int) -> int:
    columns = (
        Col(AssumptionsColumn.ITEM, "", width=34, typed=False),
        Col(AssumptionsColumn.VALUE, "", width=14),
        Col(AssumptionsColumn.UNIT, "", width=22, typed=False),
        Col(AssumptionsColumn.SOURCE, "", width=44),
        Col(AssumptionsColumn.COMMENT, "", width=60, typed=False),
    )
    rows = [(a.item, a.value, a.unit, a.source, a.comment) for a in ASSUMPTIONS]
    last = write_table(sheet, Table.ASSUMPTIONS, columns, rows, top=top)
    for row, assumption in enumerate(ASSUMPTIONS, start=top + 2):
        sheet.cell(row, 2).number_format = assumption.number_format
        book.defined_names[assumption.name] = DefinedName(
            assumption.name, attr_text=value_cell(sheet, row, 2)
        )
    return last


def build_inputs(book: Workbook) -> Worksheet:
    """The Inputs sheet: tblAssumptions (with a defined name for each value), tblRates,
    tblStatusWeights and tblBenefitTypes."""
    sheet = book.create_sheet(Sheet.INPUTS)
    sheet_heading(
        sheet,
        "Inputs",
        "Every value the tracker's formulas use, with its unit and source. Change them here, "
        "and only here: orange cells are inputs, grey cells are calculations.",
    )
    last = _assumptions(book, sheet, FIRST_TABLE_ROW)

    top = last + 3
    sheet.cell(
        top - 1,
        1,
        "Pay points of each band in the year above (NHS Employers; Update rates for year "
        "rewrites them), and the cost of an hour at the pay point above",
    ).style = HEADING
    rates = (
        Col(RatesColumn.BAND, "Agenda for Change"),
        Col(RatesColumn.ENTRY, "£ a year", MONEY),
        Col(RatesColumn.MID, "£ a year", MONEY),
        Col(RatesColumn.TOP, "£ a year", MONEY),
        Col(RatesColumn.HOURLY_COST, "£ an hour", PENCE, _HOURLY_COST),
    )
    last = write_table(sheet, Table.RATES, rates, _pay_points(TRACKER_YEAR), top=top)

    top = last + 3
    sheet.cell(
        top - 1, 1, "Risk weight of each status (Productive Series finance guidance)"
    ).style = HEADING
    weights = (
        Col(StatusWeightsColumn.STATUS, "RAG or Blue", typed=False),
        Col(StatusWeightsColumn.WEIGHT, "fraction 0 to 1", PERCENT),
        Col(StatusWeightsColumn.MEANING, "", typed=False),
    )
    last = write_table(sheet, Table.STATUS_WEIGHTS, weights, STATUS_WEIGHTS, top=top)

    top = last + 3
    sheet.cell(
        top - 1, 1, "Benefit types and the order of benefit each is (NHS Institute)"
    ).style = HEADING
    types = (
        Col(BenefitTypesColumn.BENEFIT_TYPE, "", typed=False),
        Col(BenefitTypesColumn.ORDER, "first, second, released time"),
        Col(BenefitTypesColumn.MEANING, "", typed=False),
    )
    rows = [(str(kind), order, meaning) for kind, order, meaning in BENEFIT_TYPES]
    write_table(sheet, Table.BENEFIT_TYPES, types, rows, top=top)
    return sheet
