"""F1: what an hour of a member of staff costs, from Agenda for Change pay and on-costs."""

from __future__ import annotations

import re
from typing import Literal

from productive_xl.core.checks import fraction, non_negative
from productive_xl.core.errors import InvalidValue, NotFound, OutOfRange
from productive_xl.core.reference import OnCosts, PayScale, ReferenceValues

PayPoint = Literal["entry", "mid", "top"]
HoursBasis = Literal["productive", "paid"]

PAY_POINTS: tuple[PayPoint, ...] = ("entry", "mid", "top")
HOURS_BASES: tuple[HoursBasis, ...] = ("productive", "paid")

# "Band 5", "band 5", "B5", "5", "Band 8A", "8a": the ways a band is written in trackers.
_BAND = re.compile(r"^\s*(?:band\s*|b\s*)?(\d)\s*([a-d]?)\s*$", re.IGNORECASE)


def band_name(band: str | float, scale: PayScale) -> str:
    """The band as the pay scale names it ("Band 8a"), from any usual spelling; #N/A if unknown."""
    if isinstance(band, float) and band.is_integer():
        band = str(int(band))
    match = _BAND.match(str(band))
    name = f"Band {match.group(1)}{match.group(2).lower()}" if match else ""
    if name not in scale.points:
        known = ", ".join(scale.points)
        raise NotFound(f"band {band!r} is not an Agenda for Change band (known: {known})")
    return name


def pay_point(salaries: tuple[float, ...], point: str) -> float:
    """The salary at ``point`` of a band with the given pay points.

    "mid" is the intermediate point where the band has three, the mean of entry and top where it
    has two, and the single point where it has one.
    """
    if point == "entry":
        return salaries[0]
    if point == "top":
        return salaries[-1]
    if point == "mid":
        if len(salaries) == 2:
            return (salaries[0] + salaries[1]) / 2
        return salaries[len(salaries) // 2]
    raise InvalidValue(f"point {point!r} is not one of {', '.join(PAY_POINTS)}")


def annual_employment_cost(salary: float, on_costs: OnCosts) -> float:
    """Salary plus employer National Insurance, employer pension and apprenticeship levy."""
    employer_ni = max(0.0, salary - on_costs.employer_ni_threshold) * on_costs.employer_ni_rate
    employer_pension = salary * on_costs.employer_pension_rate
    levy = salary * on_costs.apprenticeship_levy_rate
    return salary + employer_ni + employer_pension + levy


def hours_a_year(basis: str, reference: ReferenceValues) -> float:
    """The hours an annual cost is spread over: productive (default) or paid hours."""
    if basis == "productive":
        return reference.productive_hours
    if basis == "paid":
        return reference.paid_hours
    raise InvalidValue(f"basis {basis!r} is not one of {', '.join(HOURS_BASES)}")


def staff_cost_per_hour(
    band: str | float,
    financial_year: str,
    reference: ReferenceValues,
    point: str = "mid",
    basis: str = "productive",
) -> float:
    """F1: the employer's cost of one hour of a member of staff of ``band``."""
    scale = reference.pay_scale(financial_year)
    salary = pay_point(scale.points[band_name(band, scale)], point)
    return annual_employment_cost(salary, scale.on_costs) / hours_a_year(basis, reference)


def cost_per_hour(salary: float, on_costs: OnCosts, hours: float) -> float:
    """F1 from a salary given directly: (salary + employer NI, pension and levy) / hours.

    The salary and the hours must be above 0 (a pay point or hours left at 0 is an error, never
    a cost of nothing); the rates are fractions and the threshold is not negative.
    """
    if non_negative(salary, "salary") == 0:
        raise OutOfRange("salary must be above 0, but is 0 (is the pay point entry, mid or top?)")
    fraction(on_costs.employer_ni_rate, "ni_rate")
    non_negative(on_costs.employer_ni_threshold, "ni_threshold")
    fraction(on_costs.employer_pension_rate, "pension_rate")
    fraction(on_costs.apprenticeship_levy_rate, "levy_rate")
    if non_negative(hours, "hours") == 0:
        raise OutOfRange("hours must be above 0, but is 0 (is the basis productive or paid?)")
    return annual_employment_cost(salary, on_costs) / hours
