"""The Productive Series benefit formulas (DOMAIN.md F1-F7), free of Excel, files and networks.

Everything here takes and returns plain Python values; the cell functions, the tracker refresh and
the headless engine all call into it, so a figure is the same wherever it is worked out.
"""

from productive_xl.core.appraisal import (
    net_present_value,
    return_on_investment,
    risk_adjusted,
    status_weight,
)
from productive_xl.core.errors import (
    DivideByZero,
    ExcelError,
    InvalidValue,
    NotFound,
    OutOfRange,
)
from productive_xl.core.financial_year import FinancialYear
from productive_xl.core.phasing import delivery_factors, in_year_effect, monthly_phasing
from productive_xl.core.reference import (
    OnCosts,
    PayScale,
    ReferenceValues,
    Sourced,
    default_reference_values,
)
from productive_xl.core.released_time import (
    released_hours,
    released_hours_from_direct_care,
    released_time_value,
    whole_time_equivalent,
)
from productive_xl.core.rollup import SortOrder, totals_by_group
from productive_xl.core.saving import saving
from productive_xl.core.second_order import asset_saving, income, revenue_reduction
from productive_xl.core.staff_cost import (
    annual_employment_cost,
    band_name,
    cost_per_hour,
    pay_point,
    staff_cost_per_hour,
)
from productive_xl.core.stock import stock_days, stock_recurrent, stock_release

__all__ = [
    "DivideByZero",
    "ExcelError",
    "FinancialYear",
    "InvalidValue",
    "NotFound",
    "OnCosts",
    "OutOfRange",
    "PayScale",
    "ReferenceValues",
    "SortOrder",
    "Sourced",
    "annual_employment_cost",
    "asset_saving",
    "band_name",
    "cost_per_hour",
    "default_reference_values",
    "delivery_factors",
    "in_year_effect",
    "income",
    "monthly_phasing",
    "net_present_value",
    "pay_point",
    "released_hours",
    "released_hours_from_direct_care",
    "released_time_value",
    "return_on_investment",
    "revenue_reduction",
    "risk_adjusted",
    "saving",
    "staff_cost_per_hour",
    "status_weight",
    "stock_days",
    "stock_recurrent",
    "stock_release",
    "totals_by_group",
    "whole_time_equivalent",
]
