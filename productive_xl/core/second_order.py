"""F4: second-order benefits: less revenue spend, more income, fewer assets employed."""

from __future__ import annotations

from productive_xl.core.checks import finite, fraction, non_negative


def revenue_reduction(units_avoided: float, unit_cost: float) -> float:
    """Spend avoided, e.g. bank shifts or waiting-list sessions no longer bought."""
    finite(units_avoided, "units_avoided")
    non_negative(unit_cost, "unit_cost")
    return units_avoided * unit_cost


def income(extra_cases: float, tariff: float, variable_cost: float) -> float:
    """Income from extra cases: each brings its tariff less its variable cost.

    Theatre minutes are valued as cost or as income, never both: do not also count them in a
    revenue reduction.
    """
    finite(extra_cases, "extra_cases")
    non_negative(tariff, "tariff")
    non_negative(variable_cost, "variable_cost")
    return extra_cases * (tariff - variable_cost)


def asset_saving(
    asset_value_reduction: float, depreciation_reduction: float, pdc_rate: float
) -> float:
    """Saving a year from fewer assets employed: PDC dividend avoided plus depreciation avoided."""
    finite(asset_value_reduction, "asset_value_reduction")
    finite(depreciation_reduction, "depreciation_reduction")
    fraction(pdc_rate, "pdc_rate")
    return asset_value_reduction * pdc_rate + depreciation_reduction
