"""Shared test settings: the markers that skip, and the fixtures every module may take.

Tests marked ``excel_made`` read workbooks that Excel saved, kept outside the repository
(tests/excel_made.py says where); tests marked ``libreoffice`` run LibreOffice headless. Both
are skipped here, with one reason each, when what they need is not on the machine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from built_trackers import BuiltTrackers, build_trackers
from excel_made import excel_made_folder, excel_made_is_here, why_skipped
from libreoffice import SOFFICE

from productive_xl.core import FinancialYear
from productive_xl.headless.recalc import recalc
from productive_xl.headless.report import RecalcReport
from productive_xl.workbook_context import calculating_workbook


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip what cannot run here, each with the one reason that says why."""
    unmarked = [
        item.nodeid
        for item in items
        if "excel_made" in getattr(item, "fixturenames", ())
        and item.get_closest_marker("excel_made") is None
    ]
    if unmarked:
        raise pytest.UsageError(
            "these read the excel-made fixtures but are not marked excel_made: "
            + ", ".join(unmarked)
        )
    missing = []
    if not excel_made_is_here():
        missing.append(("excel_made", pytest.mark.skip(reason=why_skipped())))
    if SOFFICE is None:
        reason = "LibreOffice (soffice) is not installed: .ci/install-libreoffice installs it"
        missing.append(("libreoffice", pytest.mark.skip(reason=reason)))
    for item in items:
        for marker, skip in missing:
            if item.get_closest_marker(marker) is not None:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def excel_made() -> Path:
    """The folder of the workbooks Excel saved (tests/excel_made.py). A test that takes it,
    itself or through another fixture, is marked ``excel_made``, so it is skipped when the
    folder is not there."""
    return excel_made_folder()


@pytest.fixture(scope="session")
def built_trackers(tmp_path_factory: pytest.TempPathFactory) -> BuiltTrackers:
    """The template and the example tracker, built once a session by `productive-xl
    new-tracker`. Shared: a test that changes one works on a copy."""
    return build_trackers(tmp_path_factory.mktemp("trackers"))


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
