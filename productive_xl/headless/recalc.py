"""``productive-xl recalc``: evaluate every formula of a workbook and write the new values in.

Only the cached values of formula cells (and of the cells their arrays fill) change: every other
zip member keeps its bytes, and within a changed worksheet part only those values move. The
result is written beside the output and moved into place, so a failure leaves every file as it
was, and a second run on the output changes nothing.
"""

from __future__ import annotations

import gc
import multiprocessing
import shutil
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path

from productive_xl.headless.evaluation import Evaluation, evaluate
from productive_xl.headless.ironcalc_model import EngineRefused
from productive_xl.headless.report import (
    ON_PURPOSE,
    RecalcReport,
    cell_name,
    shows_na_on_purpose,
)
from productive_xl.ooxml.cell_values import CellValue, ErrorValue
from productive_xl.ooxml.dynamic_arrays import (
    MetadataChange,
    NoDynamicArrayMetadata,
    Spill,
    dynamic_array_metadata,
    write_spills,
)
from productive_xl.ooxml.package import UnusableWorkbook, WorkbookPackage, open_package
from productive_xl.ooxml.sheet_cells import shared_strings
from productive_xl.ooxml.sheet_values import FormulaCell, formula_cells, patch_values
from productive_xl.ooxml.workbook import (
    SHARED_STRINGS,
    WorkbookInfo,
    read_workbook,
    workbook_part_of,
)
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


class RecalcTimeout(Exception):
    """The time limit of one workbook's recalculation ran out."""


def recalc(
    path: Path | str,
    out: Path | str | None = None,
    progress: Progress | None = None,
    timeout: float | None = None,
) -> RecalcReport:
    """Recalculate the workbook at ``path`` and write it to ``out`` (``path`` itself when None).

    Returns the report: the cells whose values changed, those that could not be recalculated
    (they keep their old values) and those that show errors, with the message of each
    PRODUCTIVE_* error. When the engine refuses the workbook or fails on it, or ``timeout``
    seconds pass before the values are computed, every formula keeps its value, the workbook
    is written as it was and the report says why (:attr:`RecalcReport.kept`). Raises
    :class:`~productive_xl.ooxml.package.UnusableWorkbook`, before anything is written, when
    the file is not a workbook it can work on.
    """
    source = Path(path)
    target = Path(out) if out is not None else source
    if timeout is None:
        with _without_cycle_collection():
            package, report, replaced = _worked(source, target, progress)
        _write(source, target, package, replaced, progress)
        return report
    return _recalc_within(source, target, progress, timeout)


def _recalc_within(
    source: Path, target: Path, progress: Progress | None, timeout: float
) -> RecalcReport:
    """:func:`recalc` with its work done in a child process that is killed when ``timeout``
    seconds have passed: the engine holds the interpreter while it evaluates, so nothing in
    this process could stop it. The child computes the new parts; this process writes them."""
    forked = "fork" in multiprocessing.get_all_start_methods()
    context = (
        multiprocessing.get_context("fork") if forked else multiprocessing.get_context("spawn")
    )
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_work_in_child,
        args=(sender, source, target, progress if forked else None),
        daemon=True,
    )
    deadline = time.monotonic() + timeout
    child.start()
    sender.close()
    try:
        if not receiver.poll(max(0.0, deadline - time.monotonic())):
            return _kept(source, target, f"not recalculated within the time limit ({timeout:g} s)")
        try:
            outcome, payload = receiver.recv()
        except EOFError:  # the child ended without a word: the engine crashed it
            child.join()
            return _kept(
                source,
                target,
                f"the engine failed (its process ended with status {child.exitcode})",
            )
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()
    if outcome == "unusable":
        raise UnusableWorkbook(*payload)
    if outcome == "error":
        raise payload
    report: RecalcReport = payload[0]
    replaced: dict[str, bytes] = payload[1]
    package = open_package(source) if replaced else None
    _write(source, target, package, replaced, progress)
    return report


def _work_in_child(
    sender: Connection, source: Path, target: Path, progress: Progress | None
) -> None:
    try:
        with _without_cycle_collection():
            _, report, replaced = _worked(source, target, progress)
        sender.send(("done", (report, replaced)))
    except UnusableWorkbook as error:
        sender.send(("unusable", (error.path, error.problem)))
    except Exception as error:  # a fault of ours: shown by the parent as it would be here
        try:
            sender.send(("error", error))
        except Exception:  # not picklable: its text, then
            sender.send(("error", RuntimeError("".join(traceback.format_exception(error)))))
    finally:
        sender.close()


def _kept_report(
    source: Path,
    target: Path,
    reason: str,
    cells: dict[str, dict[tuple[int, int], FormulaCell]] | None = None,
) -> RecalcReport:
    """The report of a workbook none of whose formulas could be recalculated: each of
    ``cells`` (when known) keeps its value."""
    report = RecalcReport(str(source), str(target), kept=reason)
    for sheet, sheet_cells in (cells or {}).items():
        report.formula_cells += len(sheet_cells)
        for (row, column), cell in sheet_cells.items():
            report.add_not_recalculated(cell_name(sheet, row, column), reason, cell.cached)
    return report


def _kept(source: Path, target: Path, reason: str) -> RecalcReport:
    """:func:`_kept_report`, with the workbook written as it was."""
    _write(source, target, None, {}, None)
    return _kept_report(source, target, reason)


def _write(
    source: Path,
    target: Path,
    package: WorkbookPackage | None,
    replaced: dict[str, bytes],
    progress: Progress | None,
) -> None:
    if progress:
        progress("writing the workbook")
    if replaced and package is not None:
        # the parts a dynamic array adds (its metadata) are new members of the package
        added = {name: data for name, data in replaced.items() if not package.has(name)}
        kept = {name: data for name, data in replaced.items() if name not in added}
        write_package(package, kept, target, added=added)
    elif target.resolve() != source.resolve():
        replace_atomically(target, lambda temporary: shutil.copyfile(source, temporary))


def _worked(
    source: Path, target: Path, progress: Progress | None
) -> tuple[WorkbookPackage | None, RecalcReport, dict[str, bytes]]:
    """The package, the report and the new bytes of the worksheet parts that change."""
    package = open_package(source)
    info = read_workbook(package)
    cells = {
        sheet.name: formula_cells(package.read(sheet.part))
        for sheet in info.worksheets()
        if sheet.part is not None and package.has(sheet.part)
    }
    try:
        evaluation = evaluate(package, info, cells, progress)
    except EngineRefused as refusal:
        return package, _kept_report(source, target, str(refusal), cells), {}

    report = RecalcReport(str(source), str(target), rounds=evaluation.rounds)
    replaced: dict[str, bytes] = {}
    metadata: list[MetadataChange | str] = []  # worked out once, for the first spill
    for sheet in info.worksheets():
        if sheet.name not in cells or sheet.part is None:
            continue
        sheet_cells = cells[sheet.name]
        values = evaluation.values.get(sheet.name, {})
        new_part, changed = _patched_sheet(
            package, info, (sheet.name, sheet.part), sheet_cells, evaluation, metadata=metadata
        )
        if changed:
            replaced[sheet.part] = new_part
        for (row, column), (old, new) in changed.items():
            report.add_change(sheet.name, row, column, old, "" if new is None else new)
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
                message = evaluation.messages.get(key)
                own = sheet_cells.get((row, column))
                formula = own.formula if own is not None else None
                if message is None and shows_na_on_purpose(formula, value):
                    message = ON_PURPOSE
                report.add_error(cell_name(*key), value, message)

    for change in metadata:
        if isinstance(change, MetadataChange):
            replaced.update(change.replaced)
            replaced.update(change.added)
    return package, report, replaced


Changes = dict[tuple[int, int], tuple[CellValue | None, CellValue | None]]


def _patched_sheet(
    package: WorkbookPackage,
    info: WorkbookInfo,
    sheet: tuple[str, str],
    sheet_cells: dict[tuple[int, int], FormulaCell],
    evaluation: Evaluation,
    *,
    metadata: list[MetadataChange | str],
) -> tuple[bytes, Changes]:
    """The sheet's part with its new values and dynamic arrays, and the cells that changed.
    Dynamic arrays that cannot be written keep their anchors' values, reported."""
    name, part = sheet
    values = evaluation.values.get(name, {})
    new_part, patched = patch_values(package.read(part), values, sheet_cells)
    changed: Changes = dict(patched)
    spills = evaluation.spills.get(name)
    written = _with_spills(package, info, new_part, spills, metadata) if spills else None
    if isinstance(written, str):
        for spill in spills or ():
            values.pop(spill.anchor, None)
            evaluation.not_recalculated[(name, *spill.anchor)] = written
        new_part, patched = patch_values(package.read(part), values, sheet_cells)
        changed = dict(patched)
    elif written is not None:
        new_part, spilled = written
        changed.update(spilled)
    return new_part, changed


def _with_spills(
    package: WorkbookPackage,
    info: WorkbookInfo,
    part: bytes,
    spills: list[Spill],
    metadata: list[MetadataChange | str],
) -> tuple[bytes, Changes] | str:
    """The sheet's ``part`` with its dynamic arrays written (see
    :func:`~productive_xl.ooxml.dynamic_arrays.write_spills`) and the cells that changed; or
    why they cannot be written. ``metadata`` keeps the workbook's cell metadata, once known."""
    if not metadata:
        try:
            metadata.append(dynamic_array_metadata(package, info.workbook_part))
        except NoDynamicArrayMetadata as error:
            metadata.append(f"a dynamic array, but {error}")
    change = metadata[0]
    if isinstance(change, str):
        return change
    strings_part = workbook_part_of(package, SHARED_STRINGS)
    strings = shared_strings(package.read(strings_part) if strings_part else None)
    try:
        return write_spills(part, spills, change.index, strings)
    except ValueError as error:
        return f"a dynamic array, but {error}"
