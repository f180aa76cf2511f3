"""F7: appraisal: net present value, return on investment and risk adjustment."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from productive_xl.core.checks import divisor, finite, fraction
from productive_xl.core.errors import NotFound, OutOfRange


def net_present_value(values: Sequence[float], rate: float) -> float:
    """Values of years 0, 1, 2... discounted at ``rate``; year 0 is not discounted (Green Book)."""
    fraction(rate, "rate")
    return sum(_discounted(finite(v, "values"), rate, t) for t, v in enumerate(values))


def _discounted(value: float, rate: float, year: int) -> float:
    """``value`` of ``year`` discounted to year 0.

    Far enough out (year 20,700 at 3.5%) the discount factor passes the largest float: the
    value discounted is then below the smallest, and multiplying by the reciprocal factor, which
    merely underflows to 0, gives it, as Excel's NPV does.
    """
    try:
        return value / (1 + rate) ** year
    except OverflowError:
        return value * (1 + rate) ** -year


def return_on_investment(benefits: Sequence[float], costs: Sequence[float]) -> float:
    """(total benefits - total costs) / total costs, as the NHS Institute ROI tool defines it."""
    total_benefits = sum(finite(b, "benefits") for b in benefits)
    total_costs = sum(finite(c, "costs") for c in costs)
    if total_costs < 0:
        raise OutOfRange(f"costs must not total less than zero, but total {total_costs:g}")
    return (total_benefits - total_costs) / divisor(total_costs, "costs (their total)")


def status_weight(status: str, weights: Mapping[str, float]) -> float:
    """The confidence weight of a RAG status (Blue/Delivered, Green, Amber, Red), any case."""
    by_lower = {name.casefold(): weight for name, weight in weights.items()}
    try:
        return by_lower[status.strip().casefold()]
    except KeyError:
        known = ", ".join(weights)
        raise NotFound(f"status {status!r} is not a known status (known: {known})") from None


def risk_adjusted(value: float, weight: float) -> float:
    """A value weighted by the confidence that it will be delivered (a fraction in 0..1)."""
    finite(value, "value")
    fraction(weight, "status_or_confidence")
    return value * weight
