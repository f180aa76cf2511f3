"""The consolidation's tables as CSV or Parquet files, for those who analyse them elsewhere."""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

from productive_xl.consolidation.rollup import Consolidation
from productive_xl.ooxml.writer import replace_atomically


class ParquetUnavailable(Exception):
    """Parquet needs pyarrow, which is an optional extra."""


def _tables(result: Consolidation) -> dict[str, pd.DataFrame]:
    return {
        "lines": result.lines,
        "phasing": result.phasing,
        "checks": result.checks,
        "exceptions": result.exceptions,
        "trackers": result.tracker_table(),
    }


def _to_csv(table: pd.DataFrame, path: Path) -> None:
    table.to_csv(path, index=False)


def _to_parquet(table: pd.DataFrame, path: Path) -> None:
    table.to_parquet(path, index=False)


def write_csv(result: Consolidation, folder: Path) -> list[Path]:
    """lines.csv, phasing.csv, checks.csv, exceptions.csv and trackers.csv in ``folder``
    (UTF-8, a header row, each file written atomically)."""
    written = []
    for name, table in _tables(result).items():
        path = folder / f"{name}.csv"
        replace_atomically(path, functools.partial(_to_csv, table))
        written.append(path)
    return written


def require_parquet() -> None:
    """Raise :class:`ParquetUnavailable` when pyarrow is not installed: asked before anything
    is written, so that a missing extra leaves every output as it was."""
    try:
        import pyarrow  # noqa: F401, PLC0415 (an optional extra: asked for only here)
    except ImportError:
        raise ParquetUnavailable(
            'Parquet needs pyarrow: pip install "productive-xl[parquet]"'
        ) from None


def write_parquet(result: Consolidation, folder: Path) -> list[Path]:
    """The same tables as :func:`write_csv`, as ``.parquet`` files, their types kept.

    Raises :class:`ParquetUnavailable` when pyarrow is not installed
    (``pip install "productive-xl[parquet]"``).
    """
    require_parquet()
    written = []
    for name, table in _tables(result).items():
        path = folder / f"{name}.parquet"
        replace_atomically(path, functools.partial(_to_parquet, table))
        written.append(path)
    return written
