"""``productive-xl consolidate``: read the trackers, roll them up, write what was asked for."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from productive_xl.consolidation.exports import require_parquet, write_csv, write_parquet
from productive_xl.consolidation.reading import read_tracker
from productive_xl.consolidation.rollup import Consolidation, consolidate
from productive_xl.consolidation.workbook import write_consolidated_workbook


@dataclass
class ConsolidationRun:
    """What a consolidation read and wrote."""

    result: Consolidation
    written: list[Path] = field(default_factory=list)


def consolidate_files(
    trackers: Sequence[Path],
    output: Path,
    *,
    csv: Path | None = None,
    parquet: Path | None = None,
    as_of: datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> ConsolidationRun:
    """Read every tracker, then write the consolidated workbook to ``output`` and, when asked,
    the tables as CSV (``csv``) and Parquet (``parquet``) files in those folders.

    Every tracker is read before anything is written, so a tracker that cannot be read
    (:class:`~productive_xl.ooxml.package.UnusableWorkbook`) leaves every output as it was.
    """
    if parquet is not None:
        require_parquet()
    read = []
    for path in trackers:
        if progress:
            progress(f"reading {path}")
        read.append(read_tracker(path))
    result = consolidate(read, as_of or datetime.now().replace(microsecond=0))
    run = ConsolidationRun(result)
    write_consolidated_workbook(result, output)
    run.written.append(output)
    if csv is not None:
        run.written += write_csv(result, csv)
    if parquet is not None:
        run.written += write_parquet(result, parquet)
    return run
