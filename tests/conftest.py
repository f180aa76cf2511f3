"""Shared test settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from productive_xl.core import FinancialYear
from productive_xl.headless.recalc import recalc
from productive_xl.headless.report import RecalcReport
from productive_xl.workbook_context import calculating_workbook


@pytest.fixture
def workbook_2025_26() -> Iterator[None]:
    """Compute the cell functions as in a workbook whose Inputs year is 2025/26."""
    with calculating_workbook(financial_year=FinancialYear(2025)):
        yield


def built_and_recalculated(
    folder: Path, name: str, build: Callable[[Path], None]
) -> tuple[Path, Path, RecalcReport]:
    """Build the workbook ``name`` in ``folder`` and recalculate it into a second file."""
    source = folder / name
    build(source)
    out = folder / f"recalculated-{name}"
    return source, out, recalc(source, out)
