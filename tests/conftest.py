"""Shared test settings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from productive_xl.core import FinancialYear
from productive_xl.workbook_context import calculating_workbook


@pytest.fixture
def workbook_2025_26() -> Iterator[None]:
    """Compute the cell functions as in a workbook whose Inputs year is 2025/26."""
    with calculating_workbook(financial_year=FinancialYear(2025)):
        yield
