"""The reference values behind the calculations: pay scales, on-costs, hours and rates.

The defaults ship as data (``reference_values.toml``), each with its unit and source. Every
calculation takes a :class:`ReferenceValues` so that a workbook's own Inputs, or a caller, can
replace any of them; :func:`default_reference_values` is what applies when nobody does.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from productive_xl.core.errors import NotFound


@dataclass(frozen=True)
class Sourced:
    """A reference value with the unit it is in, where it comes from and the year it is for."""

    name: str
    value: float
    unit: str
    source: str
    year: str


@dataclass(frozen=True)
class OnCosts:
    """Employer costs added to salary, as rates of pay (fractions) and a threshold in pounds."""

    employer_ni_rate: float
    employer_ni_threshold: float
    employer_pension_rate: float
    apprenticeship_levy_rate: float


@dataclass(frozen=True)
class PayScale:
    """Agenda for Change pay points for one financial year, with that year's on-costs.

    ``points`` maps each band ("Band 5", "Band 8a") to its pay points in ascending order: one,
    two (entry and top) or three (entry, intermediate and top).
    """

    financial_year: str
    points: MappingProxyType[str, tuple[float, ...]]
    on_costs: OnCosts
    source: str
    sources: tuple[Sourced, ...] = ()


@dataclass(frozen=True)
class ReferenceValues:
    """Everything the formulas need that is not an input of the benefit line itself."""

    pay_scales: MappingProxyType[str, PayScale]
    paid_hours: float
    productive_hours: float
    pdc_rate: float
    discount_rate: float
    theatre_cost_per_minute: float
    status_weights: MappingProxyType[str, float]
    sources: tuple[Sourced, ...] = field(default=(), compare=False)

    def pay_scale(self, financial_year: str) -> PayScale:
        """The pay scale for ``financial_year`` ("2025/26"); #N/A when none is held for it."""
        try:
            return self.pay_scales[financial_year]
        except KeyError:
            held = ", ".join(sorted(self.pay_scales)) or "none"
            raise NotFound(
                f"no Agenda for Change pay rates are held for {financial_year} (held: {held}); "
                "give a financial_year that is held, or add that year's rates to the Inputs",
            ) from None

    def seed_scale(self, financial_year: str) -> PayScale:
        """The pay scale a new tracker for ``financial_year`` starts from: that year's when it is
        held, else the latest held (its ``financial_year`` says which year it really is)."""
        return self.pay_scales.get(financial_year) or self.pay_scales[max(self.pay_scales)]

    def with_pay_scale(self, scale: PayScale) -> ReferenceValues:
        """A copy that also holds (or replaces) the pay scale of ``scale.financial_year``."""
        scales = dict(self.pay_scales)
        scales[scale.financial_year] = scale
        return replace(self, pay_scales=MappingProxyType(scales))

    def with_status_weights(self, weights: dict[str, float]) -> ReferenceValues:
        """A copy with the status weights replaced, e.g. from the workbook's tblStatusWeights."""
        return replace(self, status_weights=MappingProxyType(dict(weights)))


def _sourced(item: dict[str, Any]) -> Sourced:
    return Sourced(
        name=item["name"],
        value=float(item["value"]),
        unit=item["unit"],
        source=item["source"],
        year=item["year"],
    )


def _pay_scale(table: dict[str, Any]) -> PayScale:
    on_costs = [_sourced(item) for item in table["on_costs"]]
    return PayScale(
        financial_year=table["financial_year"],
        points=MappingProxyType(
            {band: tuple(float(p) for p in pts) for band, pts in table["points"].items()}
        ),
        on_costs=OnCosts(**{item.name: item.value for item in on_costs}),
        source=table["source"],
        sources=tuple(on_costs),
    )


@cache
def default_reference_values() -> ReferenceValues:
    """The reference values shipped with productive_xl (see ``reference_values.toml``)."""
    text = resources.files("productive_xl.core").joinpath("reference_values.toml").read_text()
    data = tomllib.loads(text)
    assumptions = [_sourced(item) for item in data["assumptions"]]
    scales = [_pay_scale(table) for table in data["pay_scales"]]
    return ReferenceValues(
        pay_scales=MappingProxyType({scale.financial_year: scale for scale in scales}),
        status_weights=MappingProxyType(
            {status: float(w) for status, w in data["status_weights"]["weights"].items()}
        ),
        sources=tuple(assumptions),
        **{item.name: item.value for item in assumptions},
    )
