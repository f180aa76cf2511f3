"""A short worked example: the cell functions as an accountant would type them, with results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from productive_xl.catalogue import cell_functions
from productive_xl.cell_values import serial_from_date
from productive_xl.core.financial_year import FinancialYear
from productive_xl.workbook_context import calculating_workbook

EXAMPLE_YEAR = FinancialYear(2025)
MID_OCTOBER_2025 = serial_from_date(date(2025, 10, 15))

Constant = str | float | tuple[float, ...]


def _excel_constant(value: Constant) -> str:
    if isinstance(value, tuple):
        return "{" + ",".join(f"{v:g}" for v in value) + "}"
    if isinstance(value, str):
        return f'"{value}"'
    return f"{value:g}"


@dataclass(frozen=True)
class Step:
    """One line of the example: what it values, and the cell formula that values it."""

    benefit: str
    function: str
    arguments: tuple[Constant, ...]

    @property
    def formula(self) -> str:
        return f"={self.function}({','.join(_excel_constant(a) for a in self.arguments)})"


STEPS = (
    Step(
        "Cost of a Band 5 hour, entry pay point",
        "PRODUCTIVE_HOURLY_COST",
        ("Band 5", "2025/26", "entry"),
    ),
    Step(
        "Hours released: drug round 45 -> 30 min, 3 a day", "PRODUCTIVE_RELEASED_HOURS", (45, 30, 3)
    ),
    Step(
        "Value of those hours at Band 5 (mid point)",
        "PRODUCTIVE_RELEASED_TIME_VALUE",
        (273.75, "Band 5"),
    ),
    Step("The same hours as whole-time equivalent", "PRODUCTIVE_WTE", (273.75,)),
    Step("Stock released once: £180,000 -> £46,000", "PRODUCTIVE_STOCK_RELEASE", (180000, 46000)),
    Step("Days of use in the stock now held", "PRODUCTIVE_STOCK_DAYS", (46000, 560000)),
    Step(
        "Bank shifts 40 -> 28 a month at £250, 12 months, 90%",
        "PRODUCTIVE_SAVING",
        (40, 28, 250, 12, 0.9),
    ),
    Step("Financial year of 15 October 2025", "PRODUCTIVE_FY", (MID_OCTOBER_2025,)),
    Step(
        "In-year effect of £120,000 FYE from 15 Oct 2025, 3-month ramp",
        "PRODUCTIVE_IN_YEAR",
        (120000, MID_OCTOBER_2025, "2025/26", 3),
    ),
    Step(
        "Net present value of £32,400 a year for 5 years",
        "PRODUCTIVE_NPV",
        ((32400, 32400, 32400, 32400, 32400),),
    ),
    Step("£32,400 at Amber status, risk-adjusted", "PRODUCTIVE_RISK_ADJUST", (32400, "Amber")),
)


def worked_example() -> pd.DataFrame:
    """The example's lines, their formulas and what each gives, in a 2025/26 workbook."""
    functions = cell_functions()
    rows = []
    with calculating_workbook(financial_year=EXAMPLE_YEAR):
        for step in STEPS:
            # An array constant reaches a function as a list, as a range does.
            arguments = [list(a) if isinstance(a, tuple) else a for a in step.arguments]
            result = functions[step.function](*arguments)
            rows.append({"Benefit": step.benefit, "Formula": step.formula, "Result": result})
    return pd.DataFrame(rows)
