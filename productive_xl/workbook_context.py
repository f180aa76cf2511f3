"""What a cell function knows of the workbook it is computed in.

A cell function's arguments are its own, but a few things belong to the workbook: the financial
year on its Inputs sheet (the default when ``financial_year`` is left blank), its date system
(1900 or 1904) and any reference values it overrides. Whoever evaluates the functions (the
headless engine, the tracker refresh) sets them for the duration of a calculation.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from productive_xl.core.financial_year import FinancialYear
from productive_xl.core.reference import ReferenceValues, default_reference_values


@dataclass(frozen=True)
class WorkbookContext:
    """The workbook-wide settings the cell functions read."""

    financial_year: FinancialYear | None = None
    date_1904: bool = False
    reference: ReferenceValues = field(default_factory=default_reference_values)

    def default_financial_year(self) -> FinancialYear:
        """The workbook's Inputs year when it has one, else the current NHS financial year."""
        return self.financial_year or FinancialYear.containing(date.today())


_current: ContextVar[WorkbookContext] = ContextVar("productive_xl_workbook")


def current_workbook() -> WorkbookContext:
    """The settings of the workbook being calculated (the defaults outside any workbook)."""
    try:
        return _current.get()
    except LookupError:
        return WorkbookContext()


@contextmanager
def calculating_workbook(**settings: Any) -> Iterator[WorkbookContext]:
    """Compute cell functions as in a workbook with these settings, e.g. ``financial_year``."""
    context = replace(current_workbook(), **settings)
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)
