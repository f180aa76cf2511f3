"""Errors that mean the same thing in Python and in a cell.

Every input problem raises an :class:`ExcelError` whose ``code`` is the Excel error it becomes in
the cell (``#VALUE!``, ``#NUM!``, ``#N/A``, ``#DIV/0!``) and whose message names the argument and
the value, so an accountant can see which input to fix.
"""

from __future__ import annotations

from typing import ClassVar

# The error values Excel knows, in the spelling it shows in a cell.
EXCEL_ERROR_CODES = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"}
)


class ExcelError(ValueError):
    """A calculation cannot give a number; ``code`` is the Excel error the cell shows.

    ``str(error)`` reads ``[#N/A] PRODUCTIVE_HOURLY_COST: band 'Band 10' is not ...``: the bracketed
    code is what the workbook's VBA looks for to turn the failure into a real error value.
    """

    default_code: ClassVar[str] = "#VALUE!"

    def __init__(self, message: str, *, code: str | None = None, function: str | None = None):
        self.code = code or self.default_code
        if self.code not in EXCEL_ERROR_CODES:
            raise ValueError(f"{self.code!r} is not an Excel error value")
        self.message = message
        self.function = function
        super().__init__(message)

    def in_function(self, function: str) -> ExcelError:
        """The same error, told as coming from the cell function ``function``."""
        if self.function is None:
            self.function = function
        return self

    def __str__(self) -> str:
        where = f"{self.function}: " if self.function else ""
        return f"[{self.code}] {where}{self.message}"


class InvalidValue(ExcelError):
    """A required input is blank, or text stands where a number belongs (``#VALUE!``)."""

    default_code = "#VALUE!"


class OutOfRange(ExcelError):
    """A number lies outside what makes sense, e.g. negative minutes (``#NUM!``)."""

    default_code = "#NUM!"


class NotFound(ExcelError):
    """An unknown band, financial year or status (``#N/A``)."""

    default_code = "#N/A"


class DivideByZero(ExcelError):
    """A divisor is zero, e.g. no annual usage when working out stock days (``#DIV/0!``)."""

    default_code = "#DIV/0!"
