"""The benefits register: one line per benefit, as the tracker's table tblBenefits holds it.

The column headers are the interface between the workbook and Python: the tracker template is
built from them, the refresh reads the table by them, never by cell addresses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any


class Column(StrEnum):
    """The columns of tblBenefits, in order, named as the header cells read."""

    ID = "ID"
    PROGRAMME = "Programme"
    SCHEME = "Scheme"
    WARD = "Ward or team"
    DIRECTORATE = "Directorate"
    OWNER = "Owner"
    BENEFIT_TYPE = "Benefit type"
    CASH_RELEASING = "Cash releasing"
    RECURRENCE = "Recurrence"
    SOURCE_LINE = "Source line"
    MEASURE = "Measure"
    FULL_YEAR_EFFECT = "Full-year effect"
    START_DATE = "Start date"
    RAMP_MONTHS = "Ramp months"
    STATUS = "Status"
    EVIDENCE = "Evidence"
    ALSO_REPORTED_IN = "Also reported in"
    # Calculated columns: formulas of the row's inputs (see productive_xl.tracker.template.register)
    ORDER = "Order"
    START_YEAR = "Start year"
    YEAR = "Financial year"  # the year the line's in-year effect is for, and rolled up under
    IN_YEAR_EFFECT = "In-year effect"
    RISK_WEIGHT = "Risk weight"
    RISK_ADJUSTED = "Risk-adjusted in-year"
    CASH_IN_YEAR = "Cash-releasing in-year"
    SOURCE_FULL_YEAR_EFFECT = "Source full-year effect"
    SOURCE_ROWS = "Source rows"
    DISAGREES_WITH_SOURCE = "Disagrees with source"
    PHASING_ROWS = "Phasing rows"


CALCULATED_COLUMNS = frozenset(list(Column)[list(Column).index(Column.ORDER) :])
"""The register's columns that hold formulas; the others are typed in."""


PROGRAMMES = (
    "Productive Ward",
    "Productive Mental Health Ward",
    "Productive Operating Theatre",
    "Productive Community Services",
    "Productive General Practice",
)


class BenefitType(StrEnum):
    RELEASED_TIME = "Released time"
    STOCK_RELEASE = "Stock release (one-off)"
    STOCK_RECURRENT = "Stock (recurrent)"
    REVENUE_REDUCTION = "Revenue reduction"
    INCOME = "Income"
    ASSETS = "Assets employed"


class Recurrence(StrEnum):
    RECURRENT = "Recurrent"
    NON_RECURRENT = "Non-recurrent"


@dataclass(frozen=True)
class BenefitLine:
    """One line of the register, read from a row of tblBenefits."""

    row: int  # the worksheet row, for findings that point at the cell to fix
    id: str
    programme: str
    scheme: str
    ward: str
    directorate: str
    owner: str
    benefit_type: str
    cash_releasing: bool
    recurrence: str
    source_line: str
    measure: str
    full_year_effect: float | None
    start_date: date | None
    ramp_months: float
    status: str
    evidence: str
    also_reported_in: str
    # The year the workbook reports the line in (its calculated Financial year column), as
    # its cells last showed it; blank where it has not been calculated.
    financial_year: str = ""


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value in (None, ""):
        return None
    if isinstance(value, int | float):
        return float(value)
    return None


def _date(value: Any) -> date | None:
    return value if isinstance(value, date) else None


def benefit_line(row: int, values: Mapping[str, Any]) -> BenefitLine:
    """A register line from one table row, given as header -> cell value (dates as dates)."""
    return BenefitLine(
        row=row,
        id=_text(values.get(Column.ID)),
        programme=_text(values.get(Column.PROGRAMME)),
        scheme=_text(values.get(Column.SCHEME)),
        ward=_text(values.get(Column.WARD)),
        directorate=_text(values.get(Column.DIRECTORATE)),
        owner=_text(values.get(Column.OWNER)),
        benefit_type=_text(values.get(Column.BENEFIT_TYPE)),
        cash_releasing=_text(values.get(Column.CASH_RELEASING)).lower() in ("yes", "y", "true"),
        recurrence=_text(values.get(Column.RECURRENCE)),
        source_line=_text(values.get(Column.SOURCE_LINE)),
        measure=_text(values.get(Column.MEASURE)),
        full_year_effect=_number(values.get(Column.FULL_YEAR_EFFECT)),
        start_date=_date(values.get(Column.START_DATE)),
        ramp_months=_number(values.get(Column.RAMP_MONTHS)) or 0.0,
        status=_text(values.get(Column.STATUS)),
        evidence=_text(values.get(Column.EVIDENCE)),
        also_reported_in=_text(values.get(Column.ALSO_REPORTED_IN)),
        financial_year=_text(values.get(Column.YEAR)),
    )
