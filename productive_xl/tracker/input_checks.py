"""Check the tracker's inputs: every assumption, status weight and pay point present and sane.

Each finding names the cell to fix ("Inputs!B6"), so the ribbon can show a list a user can
work through, as the register's checks do for the register.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from productive_xl.core.errors import InvalidValue
from productive_xl.core.financial_year import FinancialYear
from productive_xl.core.staff_cost import HOURS_BASES, PAY_POINTS
from productive_xl.tracker.book import Book, NotATracker, TableRow, Value, require_columns
from productive_xl.tracker.layout import (
    PAY_POINT_COLUMNS,
    AssumptionsColumn,
    Name,
    RatesColumn,
    StatusWeightsColumn,
    Table,
)


@dataclass(frozen=True)
class InputFinding:
    """One input that needs fixing: the cell and what is wrong with it."""

    cell: str
    message: str

    def __str__(self) -> str:
        return f"{self.cell}: {self.message}"


def _number(value: Value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _problem(value: Value, low: float | None, high: float | None) -> str | None:
    """What is wrong with ``value`` as a number between ``low`` and ``high``; None if nothing."""
    if value in (None, ""):
        return "is blank"
    number = _number(value)
    if number is None:
        return f"{value!r} is not a number"
    if low is not None and number < low:
        return f"{number:g} is below {low:g}"
    if high is not None and number > high:
        return f"{number:g} is above {high:g}"
    return None


# Units that say a row holds a number; a row in another unit (a name, a code, a year, a pay
# point) holds text, and is checked only for being filled in.
_NUMBER_UNITS = ("fraction", "hours", "pounds", "£", "months")


def _assumptions(book: Book) -> list[InputFinding]:
    require_columns(book, Table.ASSUMPTIONS, [AssumptionsColumn.ITEM, AssumptionsColumn.VALUE])
    found = []
    for row in book.rows(Table.ASSUMPTIONS):
        item = str(row.values.get(AssumptionsColumn.ITEM) or "an assumption")
        unit = str(row.values.get(AssumptionsColumn.UNIT) or "").casefold()
        value = row.values.get(AssumptionsColumn.VALUE)
        if (
            isinstance(value, str | date)
            and value != ""
            and not any(u in unit for u in _NUMBER_UNITS)
        ):
            continue  # text (or a date) where text is meant
        # a rate given as a fraction (0.035, not 3.5) cannot exceed 1
        high = 1.0 if "fraction" in unit else None
        problem = _problem(value, 0.0, high)
        if problem:
            cell = book.cell_address(Table.ASSUMPTIONS, AssumptionsColumn.VALUE, row.row)
            found.append(InputFinding(cell, f"{item}: {problem}"))
    return found


def _choices(book: Book) -> list[InputFinding]:
    """PayPoint and CostBasis are one of the words tblRates' hourly cost reads; any other gives
    every band's hourly cost as #NUM!."""
    found = []
    for name, allowed in ((Name.PAY_POINT, PAY_POINTS), (Name.COST_BASIS, HOURS_BASES)):
        try:
            value = book.name_value(name)
        except NotATracker:  # a workbook of before these were inputs
            continue
        if str(value or "").strip() not in allowed:
            found.append(InputFinding(name, f"{value!r} is not one of {', '.join(allowed)}"))
    return found


def _rates_year(book: Book, year: FinancialYear | None) -> list[InputFinding]:
    """The pay points and on-costs are another year's than the tracker's (a new tracker for a
    year productive_xl holds no scale for is seeded from the latest it holds)."""
    if year is None:
        return []
    try:
        rates_year = str(book.name_value(Name.RATES_YEAR) or "").strip()
    except NotATracker:  # a workbook of before RatesYear: its rates' year is not stated
        return []
    if rates_year == year.label:
        return []
    return [
        InputFinding(
            Name.RATES_YEAR,
            f"the pay points (tblRates) and on-costs are {rates_year or 'of no stated year'}'s, "
            f"and the tracker reports {year}: type in {year}'s and set RatesYear to {year}",
        )
    ]


def _weights(book: Book) -> list[InputFinding]:
    require_columns(book, Table.STATUS_WEIGHTS, list(StatusWeightsColumn)[:2])
    found = []
    for row in book.rows(Table.STATUS_WEIGHTS):
        problem = _problem(row.values.get(StatusWeightsColumn.WEIGHT), 0.0, 1.0)
        if problem:
            status = row.values.get(StatusWeightsColumn.STATUS)
            cell = book.cell_address(Table.STATUS_WEIGHTS, StatusWeightsColumn.WEIGHT, row.row)
            found.append(InputFinding(cell, f"weight of status {status}: {problem}"))
    return found


def _rate_row(book: Book, row: TableRow) -> list[InputFinding]:
    band = row.values.get(RatesColumn.BAND) or "a band"
    found = []
    points: list[float] = []
    for column in (RatesColumn.ENTRY, RatesColumn.MID, RatesColumn.TOP):
        value = row.values.get(column)
        problem = _problem(value, 0.01, None)
        number = _number(value)
        if problem:
            cell = book.cell_address(Table.RATES, column, row.row)
            found.append(InputFinding(cell, f"{band} {column.lower()} pay point: {problem}"))
        elif number is not None:
            points.append(number)
    if len(points) == 3 and not points[0] <= points[1] <= points[2]:
        cell = book.cell_address(Table.RATES, RatesColumn.ENTRY, row.row)
        found.append(InputFinding(cell, f"{band}: pay points must rise from entry to mid to top"))
    return found


def check_inputs(book: Book) -> list[InputFinding]:
    """Every blank or out-of-range input of tblAssumptions, tblStatusWeights and tblRates,
    and a FinancialYear that is not a year label."""
    found = []
    year: FinancialYear | None = None
    try:
        year = FinancialYear.parse(
            str(book.name_value(Name.FINANCIAL_YEAR) or ""), Name.FINANCIAL_YEAR
        )
    except InvalidValue as error:
        found.append(InputFinding(Name.FINANCIAL_YEAR, error.message))
    found += _rates_year(book, year)
    found += _choices(book)
    found += _assumptions(book)
    found += _weights(book)
    require_columns(book, Table.RATES, PAY_POINT_COLUMNS)
    for row in book.rows(Table.RATES):
        found += _rate_row(book, row)
    return found
