"""productive_xl: the financial benefits of the NHS Productive Series, in Excel and on a server."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from productive_xl.core.errors import ExcelError

if TYPE_CHECKING:
    from productive_xl.headless.report import RecalcReport

__version__ = "0.1.0"

__all__ = ["ExcelError", "__version__", "recalc"]


def recalc(path: Path | str, out: Path | str | None = None) -> RecalcReport:
    """Recalculate every formula of the workbook at ``path``, PRODUCTIVE_* included, and write
    the new values to ``out`` (``path`` itself when None), changing nothing else in the file.

    See :func:`productive_xl.headless.recalc.recalc`.
    """
    # the engine is loaded on first use, so that importing the package stays quick
    from productive_xl.headless.recalc import recalc as recalculate  # noqa: PLC0415

    return recalculate(path, out)
