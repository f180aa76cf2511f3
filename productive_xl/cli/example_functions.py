"""The built-in example: the cell functions as an accountant types them, in a workbook that
productive-xl recalc then recalculates, as a server would."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import openpyxl
from openpyxl.workbook.defined_name import DefinedName

from productive_xl.arguments import serial_from_date
from productive_xl.core.financial_year import FinancialYear
from productive_xl.headless.recalc import recalc
from productive_xl.headless.report import RecalcReport

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


def build_example_workbook(path: Path) -> None:
    """A small workbook holding the example's formulas, with no values yet, for recalc to fill.

    Its Inputs sheet names the financial year (the name FinancialYear), as the tracker does.
    """
    book = openpyxl.Workbook()
    inputs = book.active
    assert inputs is not None
    inputs.title = "Inputs"
    inputs.append(["Financial year", EXAMPLE_YEAR.label])
    book.defined_names["FinancialYear"] = DefinedName("FinancialYear", attr_text="Inputs!$B$1")
    lines = book.create_sheet("Example")
    lines.append(["Benefit", "Formula", "Result"])
    for step in STEPS:
        lines.append([step.benefit, step.formula[1:], step.formula])
    book.save(path)


def worked_example(path: Path) -> tuple[list[dict[str, object]], RecalcReport]:
    """Build the example workbook at ``path``, recalculate it as the server would, and return
    its lines with the values recalc wrote, and recalc's report."""
    build_example_workbook(path)
    report = recalc(path)
    values = openpyxl.load_workbook(path, data_only=True)["Example"]
    rows = [
        {"Benefit": step.benefit, "Formula": step.formula, "Result": values.cell(row, 3).value}
        for row, step in enumerate(STEPS, start=2)
    ]
    return rows, report
