"""The Inputs sheet: every reference value the tracker's formulas use, with unit and source.

Formulas never hold a number that could change: they use these inputs by name (``MonthsInYear``,
``ProductiveHours``...), each name pointing at its Value cell in tblAssumptions, so a change here
changes every result that depends on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from productive_xl.core.financial_year import FinancialYear
from productive_xl.core.reference import Sourced, default_reference_values
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
    FRACTION,
    GENERAL,
    HEADING,
    HOURS,
    MONEY,
    PENCE,
    PERCENT,
    PERCENT_2DP,
    TEXT,
    Col,
    sheet_heading,
    this_row,
    value_cell,
    write_table,
)

EXAMPLE_YEAR: Final = FinancialYear(2025)
"""The year the example trust's tracker reports (its lines, dates and actuals are 2025/26's)."""

EXAMPLE_ORGANISATION: Final = ("Example Acute and Community NHS Trust", "RZZ")
"""The example trust's name and a made-up ODS code (no trust has it)."""


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


def _sourced(name: str) -> Sourced:
    reference = default_reference_values()
    found = {item.name: item for item in reference.sources}
    for scale in reference.pay_scales.values():
        found.update({item.name: item for item in scale.sources})
    return found[name]


def _rate(name: Name, item: str, shipped: str, comment: str, number_format: str) -> Assumption:
    """An on-cost or hours row, seeded from productive_xl's shipped value with its source."""
    value = _sourced(shipped)
    return Assumption(
        name,
        item,
        value.value,
        value.unit,
        f"{value.source} (for {value.year})",
        comment,
        number_format,
    )


def assumptions(
    year: FinancialYear, organisation: tuple[str, str] = ("", "")
) -> tuple[Assumption, ...]:
    """tblAssumptions of a tracker for ``year``: every value a formula uses, by its name.

    The pay points (tblRates) and these on-costs are seeded from the shipped scale of ``year``,
    or the latest shipped one when productive_xl holds none for it; RatesYear says which, and
    Inputs shows a note until the two years agree.
    """
    scale = default_reference_values().seed_scale(year.label)
    return (
        Assumption(
            Name.ORGANISATION,
            "Organisation",
            organisation[0],
            "name",
            "Set by the trust",
            "The organisation this tracker is for; a consolidation across trusts reads it.",
            TEXT,
        ),
        Assumption(
            Name.ORGANISATION_CODE,
            "ODS code",
            organisation[1],
            "code",
            "NHS Organisation Data Service (ODS)",
            "The organisation's ODS code (a trust's has three characters); consolidation uses it.",
            TEXT,
        ),
        Assumption(
            Name.FINANCIAL_YEAR,
            "Financial year",
            year.label,
            "NHS financial year",
            "Set by the trust",
            "The year this tracker reports: in-year effects, phasing and the rollup are for it.",
            TEXT,
        ),
        Assumption(
            Name.YEAR_START,
            "First day of the year",
            year.first_day,
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
            Name.RATES_YEAR,
            "Year of the pay points and on-costs",
            scale.financial_year,
            "NHS financial year",
            scale.source,
            "The year the pay points of each band and the on-costs below are for. Type in the "
            "tracker's year's rates, then set this to it; until then the note above shows.",
            TEXT,
        ),
        Assumption(
            Name.PAY_POINT,
            "Pay point",
            "mid",
            "entry, mid or top",
            "Productive Series finance guidance: cost staff time at the mid point",
            "The Agenda for Change pay point at which each band's hour is costed (the pay points "
            "below).",
            TEXT,
        ),
        _rate(
            Name.EMPLOYER_NI_RATE,
            "Employer National Insurance rate",
            "employer_ni_rate",
            "Employer NI on pay above the threshold, in every hourly cost of the pay points below.",
            FRACTION,
        ),
        _rate(
            Name.EMPLOYER_NI_THRESHOLD,
            "Employer National Insurance threshold",
            "employer_ni_threshold",
            "Pay a year on which no employer NI is due.",
            MONEY,
        ),
        _rate(
            Name.EMPLOYER_PENSION_RATE,
            "Employer pension contribution",
            "employer_pension_rate",
            "The employer's pension contribution paid locally, in every hourly cost.",
            PERCENT_2DP,
        ),
        _rate(
            Name.APPRENTICESHIP_LEVY_RATE,
            "Apprenticeship levy",
            "apprenticeship_levy_rate",
            "0 unless the trust counts the levy as a cost of each post (then 0.5%).",
            FRACTION,
        ),
        Assumption(
            Name.COST_BASIS,
            "Hours an annual cost is spread over",
            "productive",
            "productive or paid",
            "PSSRU Unit Costs of Health and Social Care 2024",
            "Productive hours value time released to care; paid hours are the contract's.",
            TEXT,
        ),
        _rate(
            Name.PAID_HOURS,
            "Paid hours a year",
            "paid_hours",
            "Hours an annual cost is spread over when the basis above is paid.",
            HOURS,
        ),
        _rate(
            Name.PRODUCTIVE_HOURS,
            "Productive hours a year",
            "productive_hours",
            "Hours an annual cost is spread over when the basis is productive; also turns hours "
            "released into whole-time equivalent staff (WTE released).",
            HOURS,
        ),
        _rate(
            Name.PDC_RATE,
            "Public dividend capital (PDC) rate",
            "pdc_rate",
            "The dividend avoided on each pound of assets no longer employed (Second Order).",
            FRACTION,
        ),
        _rate(
            Name.DISCOUNT_RATE,
            "Discount rate",
            "discount_rate",
            "Discounts the programme's benefits and costs by year for its NPV (Second Order).",
            FRACTION,
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
    """(band, entry, mid, top) of every band, seeded from the shipped scale for ``year``."""
    scale = default_reference_values().seed_scale(year.label)
    return [
        (band, points[0], pay_point(points, "mid"), points[-1])
        for band, points in scale.points.items()
    ]


def _at_pay_point(column: RatesColumn) -> str:
    return f'({Name.PAY_POINT}="{column.lower()}")*{this_row(Table.RATES, column)}'


# The cost of an hour from the row's pay point and the on-costs and hours on Inputs, each by
# name, so a change to any of them changes every hourly cost. The pay point and the basis are
# flags (FAST): one neither entry, mid nor top gives a salary of 0, which the function refuses
# (#NUM!) rather than costing an hour at nothing.
_HOURLY_COST: Final = (
    "PRODUCTIVE_COST_PER_HOUR("
    + "+".join(_at_pay_point(c) for c in (RatesColumn.ENTRY, RatesColumn.MID, RatesColumn.TOP))
    + f",{Name.EMPLOYER_NI_RATE},{Name.EMPLOYER_NI_THRESHOLD},{Name.EMPLOYER_PENSION_RATE},"
    f"{Name.APPRENTICESHIP_LEVY_RATE},"
    f'({Name.COST_BASIS}="productive")*{Name.PRODUCTIVE_HOURS}'
    f'+({Name.COST_BASIS}="paid")*{Name.PAID_HOURS})'
)

RATES_NOTE: Final = (
    f'IF({Name.RATES_YEAR}={Name.FINANCIAL_YEAR},"",'
    f'"Note: the pay points and on-costs below are "&{Name.RATES_YEAR}&"\'s, and this tracker '
    f'reports "&{Name.FINANCIAL_YEAR}&". Type in "&{Name.FINANCIAL_YEAR}&"\'s (or press Update '
    f'rates for year) and set their year to it.")'
)
"""The note Inputs shows (cell A4) while the rates are not the tracker's year's."""


ASSUMPTION_COLUMNS: Final = (
    Col(AssumptionsColumn.ITEM, "", width=34, typed=False),
    Col(AssumptionsColumn.VALUE, "", width=14),
    Col(AssumptionsColumn.UNIT, "", width=22, typed=False),
    Col(AssumptionsColumn.SOURCE, "", width=44),
    Col(AssumptionsColumn.COMMENT, "", width=60, typed=False),
)

INPUTS_PURPOSE: Final = (
    "Every value the tracker's formulas use, with its unit and source. Change them here, "
    "and only here: orange cells are inputs, grey cells are calculations."
)
NOTE_CELL: Final = (4, 1)
"""Where the note saying the rates are another year's stands (row, column): A4."""


@dataclass(frozen=True)
class Section:
    """One table of the Inputs sheet: the line above it, its columns and its rows."""

    title: str
    table: str
    columns: tuple[Col, ...]
    rows: tuple[tuple[object, ...], ...]


def inputs_sections(
    year: FinancialYear, organisation: tuple[str, str] = ("", "")
) -> tuple[Section, ...]:
    """The Inputs sheet of a tracker for ``year``, table by table, top to bottom: the one
    definition the template builds and ``productive-xl attach`` adds to a team's workbook.
    Each table's unit row stands at its top, two rows below the last row of the one above."""
    return (
        Section(
            "",
            Table.ASSUMPTIONS,
            ASSUMPTION_COLUMNS,
            tuple(
                (a.item, a.value, a.unit, a.source, a.comment)
                for a in assumptions(year, organisation)
            ),
        ),
        Section(
            "Pay points of each band (NHS Employers, for the year of the pay points above; Update "
            "rates for year rewrites them), and the cost of an hour at the pay point and on-costs "
            "above",
            Table.RATES,
            (
                Col(RatesColumn.BAND, "Agenda for Change"),
                Col(RatesColumn.ENTRY, "£ a year", MONEY),
                Col(RatesColumn.MID, "£ a year", MONEY),
                Col(RatesColumn.TOP, "£ a year", MONEY),
                Col(RatesColumn.HOURLY_COST, "£ an hour", PENCE, _HOURLY_COST),
            ),
            tuple(_pay_points(year)),
        ),
        Section(
            "Risk weight of each status (Productive Series finance guidance)",
            Table.STATUS_WEIGHTS,
            (
                Col(StatusWeightsColumn.STATUS, "RAG or Blue", typed=False),
                Col(StatusWeightsColumn.WEIGHT, "fraction 0 to 1", PERCENT),
                Col(StatusWeightsColumn.MEANING, "", typed=False),
            ),
            STATUS_WEIGHTS,
        ),
        Section(
            "Benefit types and the order of benefit each is (NHS Institute)",
            Table.BENEFIT_TYPES,
            (
                Col(BenefitTypesColumn.BENEFIT_TYPE, "", typed=False),
                Col(BenefitTypesColumn.ORDER, "first, second, released time"),
                Col(BenefitTypesColumn.MEANING, "", typed=False),
            ),
            tuple((str(kind), order, meaning) for kind, order, meaning in BENEFIT_TYPES),
        ),
    )


def build_inputs(book: Workbook, year: FinancialYear, *, example: bool = False) -> Worksheet:
    """The Inputs sheet of a tracker for ``year``: tblAssumptions (with a defined name for each
    value), tblRates, tblStatusWeights and tblBenefitTypes, and the note (A4) that shows while
    the rates are another year's."""
    sheet = book.create_sheet(Sheet.INPUTS)
    sheet_heading(sheet, "Inputs", INPUTS_PURPOSE)
    note = sheet.cell(*NOTE_CELL, f"={RATES_NOTE}")
    note.font = Font(bold=True, color="FF9C0006")
    organisation = EXAMPLE_ORGANISATION if example else ("", "")
    top = FIRST_TABLE_ROW
    for section in inputs_sections(year, organisation):
        if section.title:
            sheet.cell(top - 1, 1, section.title).style = HEADING
        last = write_table(sheet, section.table, section.columns, section.rows, top=top)
        if section.table == Table.ASSUMPTIONS:
            for row, assumption in enumerate(assumptions(year, organisation), start=top + 2):
                sheet.cell(row, 2).number_format = assumption.number_format
                book.defined_names[assumption.name] = DefinedName(
                    assumption.name, attr_text=value_cell(sheet, row, 2)
                )
        top = last + 3
    return sheet
