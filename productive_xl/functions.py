"""The PRODUCTIVE_* functions an accountant types into a cell.

Each is a thin wrapper over :mod:`productive_xl.core`: it reads its arguments as Excel passes
them, fills the workbook's defaults and calls the formula. Its docstring is the Function Wizard's
description, and the help given to ``@cell_function`` is the Wizard's help for each argument.
The same functions serve desktop Excel (through xlwings) and the headless engine.
"""

from __future__ import annotations

from typing import Any

from productive_xl import core
from productive_xl.arguments import (
    excel_date,
    is_blank,
    number,
    numbers_in,
    raise_if_error,
    text,
    text_or_number,
)
from productive_xl.catalogue import Catalogue
from productive_xl.core.errors import InvalidValue
from productive_xl.core.financial_year import FinancialYear
from productive_xl.workbook_context import current_workbook

_DEFAULTS = core.default_reference_values()

CATALOGUE = Catalogue()
"""Every PRODUCTIVE_* function by its Excel name, in the order of the catalogue."""


def _financial_year(value: Any) -> FinancialYear:
    if value is None:
        return current_workbook().default_financial_year()
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise InvalidValue(f'financial_year is {value:g}: write it as a label like "2025/26"')
    return FinancialYear.parse(text(value, "financial_year"))


def _keyword(value: Any, name: str) -> str:
    return text(value, name).strip().lower()


@CATALOGUE.cell_function(
    baseline="The measure before the change, e.g. 40 bank shifts a month.",
    current="The measure after the change, e.g. 28 bank shifts a month.",
    unit_value="Pounds per unit of the measure, e.g. 250 for a bank shift.",
    periods="How many periods the saving runs for, e.g. 12 months. Default 1.",
    confidence="Confidence the saving is delivered, 0 to 1. Default 1.",
)
def productive_saving(
    baseline: Any, current: Any, unit_value: Any, periods: Any = 1, confidence: Any = 1
) -> float:
    """Saving from a measured change: (baseline - current) x unit value x periods x confidence."""
    return core.saving(
        number(baseline, "baseline"),
        number(current, "current"),
        number(unit_value, "unit_value"),
        number(periods, "periods"),
        number(confidence, "confidence"),
    )


@CATALOGUE.cell_function(
    band='Agenda for Change band, e.g. "Band 5", "8a" or 5.',
    financial_year='Financial year of the pay scale, e.g. "2025/26". Default: the Inputs year.',
    point='Pay point: "entry", "mid" or "top". Default "mid".',
    basis='Hours the annual cost is spread over: "productive" (1,553) or "paid" (1,950).',
)
def productive_hourly_cost(
    band: Any, financial_year: Any = None, point: Any = "mid", basis: Any = "productive"
) -> float:
    """Cost of an hour of staff time: Agenda for Change pay plus employer NI, pension and levy."""
    return core.staff_cost_per_hour(
        text_or_number(band, "band"),
        _financial_year(financial_year).label,
        current_workbook().reference,
        point=_keyword(point, "point"),
        basis=_keyword(basis, "basis"),
    )


# The on-costs PRODUCTIVE_COST_PER_HOUR defaults to: those of the latest pay scale shipped.
_ON_COSTS = _DEFAULTS.pay_scale(max(_DEFAULTS.pay_scales)).on_costs


@CATALOGUE.cell_function(
    salary="Annual salary in pounds, e.g. a pay point from the Inputs sheet.",
    ni_rate="Employer National Insurance rate, a fraction. "
    f"Default {_ON_COSTS.employer_ni_rate:g}.",
    ni_threshold="Pay a year on which no employer NI is due, in pounds. "
    f"Default {_ON_COSTS.employer_ni_threshold:,g}.",
    pension_rate="Employer pension contribution paid locally, a fraction. "
    f"Default {_ON_COSTS.employer_pension_rate:g}.",
    levy_rate="Apprenticeship levy, a fraction of pay. "
    f"Default {_ON_COSTS.apprenticeship_levy_rate:g}.",
    hours="Hours the annual cost is spread over, e.g. productive hours. "
    f"Default {_DEFAULTS.productive_hours:,g}.",
)
def productive_cost_per_hour(  # noqa: PLR0917 (Excel passes all six in order)
    salary: Any,
    ni_rate: Any = _ON_COSTS.employer_ni_rate,
    ni_threshold: Any = _ON_COSTS.employer_ni_threshold,
    pension_rate: Any = _ON_COSTS.employer_pension_rate,
    levy_rate: Any = _ON_COSTS.apprenticeship_levy_rate,
    hours: Any = _DEFAULTS.productive_hours,
) -> float:
    """Cost of an hour of staff time from a salary and on-costs given in the cell:
    (salary + employer NI above the threshold + pension + levy) / hours.
    """
    on_costs = core.OnCosts(
        employer_ni_rate=number(ni_rate, "ni_rate"),
        employer_ni_threshold=number(ni_threshold, "ni_threshold"),
        employer_pension_rate=number(pension_rate, "pension_rate"),
        apprenticeship_levy_rate=number(levy_rate, "levy_rate"),
    )
    return core.cost_per_hour(number(salary, "salary"), on_costs, number(hours, "hours"))


@CATALOGUE.cell_function(
    minutes_before="Minutes the task took before the change, each time it is done.",
    minutes_after="Minutes the task takes after the change, each time it is done.",
    times_per_day="How many times a day the task is done.",
    days_per_year="Days a year the task is done. Default 365.",
)
def productive_released_hours(
    minutes_before: Any, minutes_after: Any, times_per_day: Any, days_per_year: Any = 365
) -> float:
    """Staff hours released a year when a task takes fewer minutes (task timing method)."""
    return core.released_hours(
        number(minutes_before, "minutes_before"),
        number(minutes_after, "minutes_after"),
        number(times_per_day, "times_per_day"),
        number(days_per_year, "days_per_year"),
    )


@CATALOGUE.cell_function(
    hours="Hours released a year, e.g. from PRODUCTIVE_RELEASED_HOURS.",
    band_or_hourly_cost='A band such as "Band 5" (costed at its hourly rate) or a cost per hour.',
    financial_year='Financial year of the pay scale, e.g. "2025/26". Default: the Inputs year.',
    point='Pay point when a band is given: "entry", "mid" or "top". Default "mid".',
)
def productive_released_time_value(
    hours: Any, band_or_hourly_cost: Any, financial_year: Any = None, point: Any = "mid"
) -> float:
    """Value of released staff time a year: hours x cost per productive hour.
    Non-cash-releasing unless a budget is actually cut.
    """
    cost = text_or_number(band_or_hourly_cost, "band_or_hourly_cost")
    if isinstance(cost, str):
        cost = core.staff_cost_per_hour(
            cost,
            _financial_year(financial_year).label,
            current_workbook().reference,
            point=_keyword(point, "point"),
        )
    return core.released_time_value(number(hours, "hours"), cost)


@CATALOGUE.cell_function(
    hours="Hours released a year.",
    productive_hours="Productive hours a year of one whole-time post. "
    f"Default {_DEFAULTS.productive_hours:,g}.",
)
def productive_wte(hours: Any, productive_hours: Any = _DEFAULTS.productive_hours) -> float:
    """Released hours as whole-time equivalent (WTE) staff."""
    return core.whole_time_equivalent(
        number(hours, "hours"), number(productive_hours, "productive_hours")
    )


@CATALOGUE.cell_function(
    stock_before="Value of stock held before the change, in pounds.",
    stock_after="Value of stock held after the change, in pounds.",
)
def productive_stock_release(stock_before: Any, stock_after: Any) -> float:
    """One-off cash released by holding less stock. Count it once, in the month it happens."""
    return core.stock_release(
        number(stock_before, "stock_before"), number(stock_after, "stock_after")
    )


@CATALOGUE.cell_function(
    usage_before="Stock used a year before the change, in pounds.",
    usage_after="Stock used a year after the change, in pounds.",
    expired_before="Stock thrown away as expired a year before the change. Default 0.",
    expired_after="Stock thrown away as expired a year after the change. Default 0.",
)
def productive_stock_recurrent(
    usage_before: Any, usage_after: Any, expired_before: Any = 0, expired_after: Any = 0
) -> float:
    """Recurrent saving a year from using less stock and letting less of it expire."""
    return core.stock_recurrent(
        number(usage_before, "usage_before"),
        number(usage_after, "usage_after"),
        number(expired_before, "expired_before"),
        number(expired_after, "expired_after"),
    )


@CATALOGUE.cell_function(
    stock_value="Value of stock held, in pounds.",
    annual_usage="Value of stock used a year, in pounds.",
)
def productive_stock_days(stock_value: Any, annual_usage: Any) -> float:
    """Days of use that the stock held would last: stock value / (annual usage / 365)."""
    return core.stock_days(number(stock_value, "stock_value"), number(annual_usage, "annual_usage"))


@CATALOGUE.cell_function(
    extra_cases="Extra cases (e.g. theatre cases) a year.",
    tariff="Income per case, in pounds.",
    variable_cost="Variable cost per case, in pounds. Default 0.",
)
def productive_income(extra_cases: Any, tariff: Any, variable_cost: Any = 0) -> float:
    """Extra income a year: extra cases x (tariff - variable cost).
    Value theatre time as cost or as income, never both.
    """
    return core.income(
        number(extra_cases, "extra_cases"),
        number(tariff, "tariff"),
        number(variable_cost, "variable_cost"),
    )


@CATALOGUE.cell_function(
    asset_value_reduction="Reduction in assets employed, in pounds.",
    depreciation_reduction="Depreciation avoided a year, in pounds. Default 0.",
    pdc_rate=f"Public dividend capital rate, a fraction. Default {_DEFAULTS.pdc_rate:g}.",
)
def productive_asset_saving(
    asset_value_reduction: Any, depreciation_reduction: Any = 0, pdc_rate: Any = _DEFAULTS.pdc_rate
) -> float:
    """Saving a year from fewer assets employed: PDC dividend avoided plus depreciation avoided."""
    return core.asset_saving(
        number(asset_value_reduction, "asset_value_reduction"),
        number(depreciation_reduction, "depreciation_reduction"),
        number(pdc_rate, "pdc_rate"),
    )


@CATALOGUE.cell_function(date="The date whose financial year you want.")
def productive_fy(date: Any) -> str:
    """The NHS financial year (1 April to 31 March) a date falls in, e.g. "2025/26"."""
    day = excel_date(date, "date", date_1904=current_workbook().date_1904)
    return FinancialYear.containing(day).label


@CATALOGUE.cell_function(
    full_year_effect="The benefit of a full year at the full run rate, in pounds.",
    start_date="Date the benefit starts; its whole month counts.",
    financial_year='The financial year to measure, e.g. "2025/26".',
    ramp_months="Months to reach the full run rate (month n gives n/ramp of it). Default 0.",
)
def productive_in_year(
    full_year_effect: Any, start_date: Any, financial_year: Any, ramp_months: Any = 0
) -> float:
    """The part of a full-year effect that falls in one financial year (in-year effect),
    with an optional ramp-up.
    """
    return core.in_year_effect(
        number(full_year_effect, "full_year_effect"),
        excel_date(start_date, "start_date", date_1904=current_workbook().date_1904),
        _financial_year(financial_year),
        number(ramp_months, "ramp_months"),
    )


@CATALOGUE.cell_function(
    ranges=("values",),
    values="Values of year 0, 1, 2... (a row or column); year 0 is not discounted.",
    rate=f"Discount rate a year, a fraction. Default {_DEFAULTS.discount_rate:g} (Green Book).",
)
def productive_npv(values: Any, rate: Any = _DEFAULTS.discount_rate) -> float:
    """Net present value, Green Book style: the first value is year 0 and is not discounted."""
    return core.net_present_value(numbers_in(values, "values"), number(rate, "rate"))


@CATALOGUE.cell_function(
    ranges=("benefits", "costs"),
    benefits="Benefits, in pounds (a cell or a range).",
    costs="Costs, in pounds (a cell or a range).",
)
def productive_roi(benefits: Any, costs: Any) -> float:
    """Return on investment: (total benefits - total costs) / total costs."""
    return core.return_on_investment(numbers_in(benefits, "benefits"), numbers_in(costs, "costs"))


@CATALOGUE.cell_function(
    value="The value to adjust, in pounds.",
    status_or_confidence='A status ("Blue", "Green", "Amber", "Red") or a confidence 0 to 1.',
)
def productive_risk_adjust(value: Any, status_or_confidence: Any) -> float:
    """Risk-adjusted value: value x the weight of its status, or x a confidence given directly."""
    weight = text_or_number(status_or_confidence, "status_or_confidence")
    if isinstance(weight, str):
        weight = core.status_weight(weight, current_workbook().reference.status_weights)
    return core.risk_adjusted(number(value, "value"), weight)


_ORDERS: dict[float, core.SortOrder] = {1: 1, 0: 0, -1: -1}


def _column(value: Any) -> list[Any]:
    """The cells of a range (or one value), row by row."""
    if not isinstance(value, list | tuple):
        return [value]
    return [cell for row in value for cell in (row if isinstance(row, list | tuple) else [row])]


def _group(value: Any, name: str) -> str | float:
    raise_if_error(value, name)
    if is_blank(value):
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return value if isinstance(value, str) else number(value, name)


@CATALOGUE.cell_function(
    ranges=("values", "groups", "groups2"),
    spills=True,
    values="The amounts to total, e.g. a register's Full-year effect column.",
    groups="The group of each amount, e.g. the Programme column: as many cells as values.",
    groups2="A second group for each amount, e.g. the Financial year column. Optional.",
    sort="Order of the groups: 1 A to Z (default), 0 as they come, -1 largest total first.",
)
def productive_rollup(
    values: Any, groups: Any, groups2: Any = None, sort: Any = 1
) -> list[list[Any]]:
    """Totals by group, spilled: one row per group (and second group) with its total; no
    header row. Groups match as in SUMIFS, whatever their case.
    """
    amounts = _column(values)
    keys = [[_group(g, f"groups (cell {i})")] for i, g in enumerate(_column(groups), start=1)]
    if groups2 is not None:
        second = _column(groups2)
        if len(second) != len(keys):
            raise InvalidValue(
                f"groups2 has {len(second)} cells where groups has {len(keys)}: give the same size"
            )
        for i, (key, group) in enumerate(zip(keys, second, strict=True), start=1):
            key.append(_group(group, f"groups2 (cell {i})"))
    order = number(sort, "sort")
    if order not in _ORDERS:
        raise core.OutOfRange(f"sort is {order:g}: give 1 (A to Z), 0 (as they come) or -1")
    if len(amounts) != len(keys):
        raise InvalidValue(
            f"values has {len(amounts)} cells where groups has {len(keys)}: give the same size"
        )
    # a row with neither an amount nor a group is the empty end of a range: it makes no group
    rows = [
        (i, amount, key)
        for i, (amount, key) in enumerate(zip(amounts, keys, strict=True), start=1)
        if not (is_blank(amount) and all(group == "" for group in key))
    ]
    if not rows:  # Excel's own functions give #CALC! for an empty table; ours give #N/A
        raise core.NotFound("there is no amount or group to total: every cell is blank")
    figures = [None if is_blank(a) else number(a, f"values (cell {i})") for i, a, _ in rows]
    totals = core.totals_by_group(figures, [key for _, _, key in rows], _ORDERS[order])
    return [[*key, total] for key, total in totals]


ADD_IN_NAMESPACE = "PRODUCTIVE"
# Office's ids are at least three characters long ("custom functions naming" in its docs).
_LONGER_ADD_IN_IDS = {"PRODUCTIVE_FY": "FINANCIAL_YEAR"}
ADD_IN_IDS = {
    name: _LONGER_ADD_IN_IDS.get(name, name.removeprefix(f"{ADD_IN_NAMESPACE}_"))
    for name in CATALOGUE
}
"""Each function's id in the Office add-in, by Excel name: a cell there calls
PRODUCTIVE.SAVING (Office requires a namespace), and Excel stores the call in the file as
_xldudf_PRODUCTIVE_SAVING(...), which recalc reads back through this."""
