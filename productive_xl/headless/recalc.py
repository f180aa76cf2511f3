"""``productive-xl recalc``: evaluate every formula of a workbook and write the new values in.

Only the cached values of formula cells (and of the cells their arrays fill) change: every other
zip member keeps its bytes, and within a changed worksheet part only those values move. The
result is written beside the output and moved into place, so a failure leaves every file as it
was, and a second run on the output changes nothing. The work runs in a child process, whose
crash is reported as the workbook's fault rather than ending the command.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import gc
import multiprocessing
import os
import shutil
import signal
import time
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
from productive_xl.headless.unusable_input import as_unusable
from productive_xl.ooxml.cell_values import CellValue, ErrorValue
from productive_xl.ooxml.dynamic_arrays import (
    MetadataChange,
    NoDynamicArrayMetadata,
    Spill,
    dynamic_array_metadata,
    write_spills,
)
from productive_xl.ooxml.file_guard import FileGuard, guarded
from productive_xl.ooxml.package import UnusableWorkbook, WorkbookPackage, open_package
from productive_xl.ooxml.sheet_cells import shared_strings
from productive_xl.ooxml.sheet_values import FormulaCell, formula_cells, patch_values
from productive_xl.ooxml.workbook import (
    SHARED_STRINGS,
    WorkbookInfo,
    read_workbook,
    workbook_part_of,
)
from productive_xl.ooxml.writer import WriteTogether, write_zip

Progress = Callable[[str], None]
_PR_SET_PDEATHSIG = 1  # prctl(2)


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
    report_to: Path | str | None = None,
    *,
    guard: FileGuard | None = None,
    reported_as: Path | str | None = None,
    in_child: bool = True,
) -> RecalcReport:
    """Recalculate the workbook at ``path`` and write it to ``out`` (``path`` itself when None),
    with the report as JSON to ``report_to`` when given: both files change together or neither.

    Returns the report: the cells whose values changed, those that could not be recalculated
    (they keep their old values) and those that show errors, with the message of each
    PRODUCTIVE_* error. When the engine refuses the workbook, or ``timeout`` seconds pass before
    the values are computed, every formula keeps its value, the workbook is written as it was
    and the report says why (:attr:`RecalcReport.kept`). Raises
    :class:`~productive_xl.ooxml.package.UnusableWorkbook`, before anything is written, when the
    file is not a workbook it can work on, or the engine's process crashes on it.

    The work runs in a child process, so that a crash of the engine (a segmentation fault on a
    formula nested thousands deep) is reported rather than ending this process. The workbook is
    locked meanwhile (:mod:`~productive_xl.ooxml.file_guard`), unless ``guard`` says a caller
    holds the lock already; nothing is written if it changed meanwhile. ``reported_as`` is the
    workbook's name in the report, when ``path`` is a temporary copy of it. ``in_child`` False
    does the work in this process, for a caller that runs it in a process of its own already
    (`productive-xl batch`), whose crash or time limit that caller reports.
    """
    source = Path(path)
    target = Path(out) if out is not None else source
    if guard is None:
        with guarded(source, target) as held:
            return _recalc_guarded(
                source, target, progress, timeout,
                report_to=report_to, guard=held, reported_as=reported_as, in_child=in_child,
            )  # fmt: skip
    return _recalc_guarded(
        source, target, progress, timeout,
        report_to=report_to, guard=guard, reported_as=reported_as, in_child=in_child,
    )  # fmt: skip


def _recalc_guarded(
    source: Path,
    target: Path,
    progress: Progress | None,
    timeout: float | None,
    *,
    report_to: Path | str | None,
    guard: FileGuard,
    reported_as: Path | str | None,
    in_child: bool,
) -> RecalcReport:
    outcome: list[tuple[RecalcReport, bool]] = []
    with WriteTogether(before_moving=guard.check_unchanged) as together:

        def work(temporary: Path) -> None:
            if in_child:
                outcome.append(_work_within(source, target, temporary, progress, timeout))
            else:
                outcome.append(_work_here(source, target, temporary, progress))

        together.stage(target, work)
        report, wrote = outcome[0]
        if not wrote:  # nothing changed and the workbook is its own output: leave it be
            together.drop(target)
        if reported_as is not None:
            report.workbook = str(reported_as)
        if report_to is not None:
            text = report.to_json() + "\n"
            together.stage(Path(report_to), lambda path: path.write_text(text, encoding="utf-8"))
        together.commit()
    return report


def _work_within(
    source: Path, target: Path, temporary: Path, progress: Progress | None, timeout: float | None
) -> tuple[RecalcReport, bool]:
    """The report, and whether the recalculated workbook was written to ``temporary``: the work
    is done in a child process, killed when ``timeout`` seconds (if given) have passed. The
    engine holds the interpreter while it evaluates, so nothing in this process could stop it;
    and a crash of the engine ends the child, not this process."""
    forked = "fork" in multiprocessing.get_all_start_methods()
    context = (
        multiprocessing.get_context("fork") if forked else multiprocessing.get_context("spawn")
    )
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_work_in_child,
        args=(sender, source, target, temporary, progress if forked else None),
        daemon=True,
    )
    deadline = None if timeout is None else time.monotonic() + timeout
    child.start()
    sender.close()
    try:
        waiting = None if deadline is None else max(0.0, deadline - time.monotonic())
        if not receiver.poll(waiting):
            child.kill()
            child.join()
            reason = f"not recalculated within the time limit ({timeout:g} s)"
            if os.path.realpath(target) == os.path.realpath(source):
                return _kept_report(source, target, reason), False  # as it was: left alone
            shutil.copyfile(source, temporary)
            return _kept_report(source, target, reason), True
        try:
            outcome, payload = receiver.recv()
        except EOFError:  # the child ended without a word: the engine crashed it
            child.join()
            raise UnusableWorkbook(source, _crash(child.exitcode)) from None
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
    wrote: bool = payload[1]
    return report, wrote


def _crash(exit_code: int | None) -> str:
    """What a child process that ended without an answer tells of the workbook."""
    if exit_code is not None and exit_code < 0:
        try:
            name = signal.Signals(-exit_code).name
        except ValueError:
            name = f"signal {-exit_code}"
        if -exit_code == signal.SIGKILL:
            return (
                f"could not be recalculated: the formula engine's process was killed ({name}), "
                "perhaps by the system for want of memory; nothing was written"
            )
        return (
            f"makes the formula engine crash ({name}), as a formula nested thousands deep "
            "does; nothing was written"
        )
    return f"makes the formula engine's process end without an answer (status {exit_code})"


def _end_with_parent() -> None:
    """Have the system kill this child when its parent ends (Linux's PR_SET_PDEATHSIG): a
    command killed at any moment leaves no engine computing for nobody, holding the lock."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _work_here(
    source: Path, target: Path, temporary: Path, progress: Progress | None
) -> tuple[RecalcReport, bool]:
    """The work itself, in this process: the report, and whether the recalculated workbook was
    written to ``temporary`` (not when nothing changed and it is its own output)."""
    try:
        with _without_cycle_collection():
            package, report, replaced = _worked(source, target, progress)
            if progress:
                progress("writing the workbook")
            if replaced and package is not None:
                # the parts a dynamic array adds (its metadata) are new members of the package
                added = {name: data for name, data in replaced.items() if not package.has(name)}
                kept = {name: data for name, data in replaced.items() if name not in added}
                write_zip(package, kept, temporary, added)
            elif os.path.realpath(target) != os.path.realpath(source):
                shutil.copyfile(source, temporary)
            else:
                return report, False
    except Exception as error:  # a damaged file's error, as the child would report it
        unusable = as_unusable(source, error)
        if unusable is None or unusable is error:
            raise
        raise unusable from error
    return report, True


def _work_in_child(
    sender: Connection,
    source: Path,
    target: Path,
    temporary: Path,
    progress: Progress | None,
) -> None:
    _end_with_parent()
    # a crash here is reported by the parent in one line; a dump of the stack on standard
    # error (where faulthandler is on, as under pytest) would make it many
    faulthandler.disable()
    try:
        sender.send(("done", _work_here(source, target, temporary, progress)))
    except BaseException as error:  # whatever it is, the parent reports it in one line
        unusable = as_unusable(source, error)
        if unusable is not None:
            sender.send(("unusable", (unusable.path, unusable.problem)))
        else:
            try:
                sender.send(("error", error))
            except Exception:  # not picklable: its kind and text, then
                sender.send(("error", RuntimeError(f"{type(error).__name__}: {error}")))
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
