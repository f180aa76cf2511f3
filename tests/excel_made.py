"""Where the workbooks saved by Excel itself (the excel-made fixtures) are, decided once.

They are public workbooks that desktop Excel wrote (the XlsxWriter project's comparison files,
``xlsxwriter/test/comparison/xlsx_files``, among them), kept outside this repository. The
environment variable ``PRODUCTIVE_XL_EXCEL_MADE`` names their folder; a relative path is taken
from the repository's root, and without the variable the folder is ``../shared/fixtures/excel-made``
beside the clone. A test that reads them is marked ``excel_made`` and takes the folder from the
``excel_made`` fixture (tests/conftest.py), which skips it, with the reason below, when the
folder is not there; ``.ci/run`` refuses to run without it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import pytest

VARIABLE: Final = "PRODUCTIVE_XL_EXCEL_MADE"
REPOSITORY: Final = Path(__file__).resolve().parents[1]
DEFAULT: Final = Path("..") / "shared" / "fixtures" / "excel-made"
PATTERN: Final = "*.xls[xm]"


def excel_made_folder() -> Path:
    """The folder the excel-made workbooks are expected in, whether or not it is there."""
    return (REPOSITORY / Path(os.environ.get(VARIABLE) or DEFAULT)).resolve()


def excel_made_is_here() -> bool:
    """Whether the folder is there and holds at least one workbook."""
    folder = excel_made_folder()
    return folder.is_dir() and any(folder.glob(PATTERN))


def why_skipped() -> str:
    """The one reason every excel_made test gives when it is skipped."""
    return (
        f"the excel-made fixture workbooks are not in {excel_made_folder()}: set {VARIABLE} to "
        "the folder of workbooks saved by Excel (see the README's Tests section)"
    )


def excel_made_workbooks(keep: Callable[[Path], bool] | None = None) -> list[Any]:
    """Parameters for a test over the excel-made workbooks (those ``keep`` accepts), each with
    its file name as its id. When the folder is not there: one placeholder, so the test still
    collects and is skipped with the reason above."""
    if not excel_made_is_here():
        return [pytest.param(excel_made_folder() / "absent.xlsx", id="excel-made-absent")]
    paths = sorted(excel_made_folder().glob(PATTERN))
    return [pytest.param(path, id=path.name) for path in paths if keep is None or keep(path)]
