"""productive_xl: the financial benefits of the NHS Productive Series, in Excel and on a server."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from productive_xl.core.errors import ExcelError

if TYPE_CHECKING:
    from productive_xl.consolidation.reading import TrackerData
    from productive_xl.headless.report import RecalcReport

__version__ = "0.1.0"

__all__ = ["ExcelError", "__version__", "read_tracker", "recalc"]


def recalc(path: Path | str, out: Path | str | None = None) -> RecalcReport:
    """Recalculate every formula of the workbook at ``path``, PRODUCTIVE_* included, and write
    the new values to ``out`` (``path`` itself when None), changing nothing else in the file.

    See :func:`productive_xl.headless.recalc.recalc`.
    """
    # the engine is loaded on first use, so that importing the package stays quick
    from productive_xl.headless.recalc import recalc as recalculate  # noqa: PLC0415

    return recalculate(path, out)


def read_tracker(path: Path | str) -> TrackerData:
    """Read a recalculated tracker's register, phasing and checks into pandas DataFrames, each
    row with its organisation, source file, sheet, row and the file's SHA-256.

    See :func:`productive_xl.consolidation.reading.read_tracker`.
    """
    # pandas is imported on first use: importing the package needs the standard library alone
    from productive_xl.consolidation.reading import read_tracker as read  # noqa: PLC0415

    return read(path)
