"""``productive-xl recalc``: evaluate every formula of a workbook and write the new values in.

Only the cached values of formula cells (and of the cells their arrays fill) change: every other
zip member keeps its bytes, and within a changed worksheet part only those values move. The
result is written beside the output and moved into place, so a failure leaves every file as it
was, and a second run on the output changes nothing.
"""

from __future__ import annotations

import gc
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from productive_xl.headless.evaluation import evaluate
from productive_xl.headless.report import RecalcReport, cell_name
from productive_xl.ooxml.cell_values import ErrorValue
from productive_xl.ooxml.package import open_package
from productive_xl.ooxml.sheet_values import formula_cells, patch_values
from productive_xl.ooxml.workbook import read_workbook
from productive_xl.ooxml.writer import replace_atomically, write_package

Progress = Callable[[str], None]


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Hold Python's cycle collector off while a workbook is worked on.

    A recalculation makes a few objects per formula cell, hundreds of thousands in a large
    workbook, and none of them in cycles that outlive it; the collector would walk all of them
    again and again as they are made (a fifth of the time at 20,000 rows). It runs as before
    once the recalculation is over.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def recalc(
    path: Path | str, out: Path | str | None = None, progress: Progress | None = None
) -> RecalcReport:
    """Recalculate the workbook at ``path`` and write it to ``out`` (``path`` itself when None).

    Returns the report: the cells whose values changed, those that could not be recalculated
    (they keep their old values) and those that show errors, with the message of each
    PRODUCTIVE_* error. Raises :class:`~productive_xl.ooxml.package.UnusableWorkbook`, before
    anything is written, when the file is not a workbook it can work on.
    """
    with _without_cycle_collection():
        return _recalc(Path(path), Path(out) if out is not None else Path(path), progress)


def _recalc(source: Path, target: Path, progress: Progress | None) -> RecalcReport:
    package = open_package(source)
    info = read_workbook(package)
    cells = {
        sheet.name: formula_cells(package.read(sheet.part))
        for sheet in info.worksheets()
        if sheet.part is not None and package.has(sheet.part)
    }
    evaluation = evaluate(package, info, cells, progress)

    report = RecalcReport(str(source), str(target), rounds=evaluation.rounds)
    replaced: dict[str, bytes] = {}
    for sheet in info.worksheets():
        if sheet.name not in cells or sheet.part is None:
            continue
        sheet_cells = cells[sheet.name]
        values = evaluation.values.get(sheet.name, {})
        new_part, changed = patch_values(package.read(sheet.part), values, sheet_cells)
        if changed:
            replaced[sheet.part] = new_part
        for (row, column), (old, new) in changed.items():
            report.add_change(sheet.name, row, column, old, new)
        report.formula_cells += len(sheet_cells)
        report.recalculated += len(sheet_cells)
        held_back = evaluation.not_recalculated
        for (row, column), cell in sheet_cells.items() if held_back else ():
            key = (sheet.name, row, column)
            if key in held_back:
                report.recalculated -= 1
                report.add_not_recalculated(cell_name(*key), held_back[key], cell.cached)
        for (row, column), value in values.items():
            if isinstance(value, ErrorValue):
                key = (sheet.name, row, column)
                report.add_error(cell_name(*key), value, evaluation.messages.get(key))

    if progress:
        progress("writing the workbook")
    if replaced:
        write_package(package, replaced, target)
    elif target.resolve() != source.resolve():
        replace_atomically(target, lambda temporary: shutil.copyfile(source, temporary))
    return report
