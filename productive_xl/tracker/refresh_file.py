"""``productive-xl refresh``: refresh a tracker file, then recalculate it, in one atomic write."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from productive_xl.headless.recalc import recalc
from productive_xl.headless.report import RecalcReport
from productive_xl.headless.unusable_input import as_unusable
from productive_xl.ooxml.file_guard import guarded
from productive_xl.ooxml.package import UnusableWorkbook
from productive_xl.tracker.book import NotATracker
from productive_xl.tracker.file_book import FileBook
from productive_xl.tracker.refresh import RefreshResult, refresh


def refresh_file(
    source: Path | str,
    target: Path | str | None = None,
    user: str = "",
    now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
    *,
    report_to: Path | str | None = None,
    in_child: bool = True,
) -> tuple[RefreshResult, RecalcReport]:
    """Refresh the tracker at ``source``, recalculate it, and write it to ``target``.

    ``target`` defaults to ``source`` itself. The workbook is first recalculated, so that the
    refresh reads current values; the refreshed workbook is written to a temporary file beside
    ``target`` and recalculated from there into ``target``, so ``target`` changes once,
    completely, or not at all, together with the report (JSON) at ``report_to`` when given. The
    report is the last recalculation's. Raises
    :class:`~productive_xl.ooxml.package.UnusableWorkbook` (naming the file and what it lacks)
    when it is not a workbook or not a tracker; nothing is written then. The workbook is locked
    meanwhile, and nothing is written if it changed (:mod:`~productive_xl.ooxml.file_guard`).
    ``in_child`` is :func:`~productive_xl.headless.recalc.recalc`'s.
    """
    source = Path(source)
    destination = Path(target) if target is not None else source
    real = Path(os.path.realpath(destination))  # a link is written through
    real.parent.mkdir(parents=True, exist_ok=True)
    with guarded(source, destination) as guard:
        current, refreshed = (_scratch(real, step) for step in ("current", "refreshed"))
        try:
            # The refresh reads what the workbook's cells show, as it does in Excel, where they
            # are always calculated: a file saved by another program may hold no values yet.
            recalc(source, current, guard=guard, in_child=in_child)
            book = FileBook(current)
            try:
                result = refresh(book, user, now or datetime.now().replace(microsecond=0))
            except NotATracker as error:
                raise UnusableWorkbook(
                    source, f"is not a tracker productive-xl can refresh: {error}"
                ) from None
            book.save(refreshed)
            report = recalc(
                refreshed, destination, progress, report_to=report_to,
                guard=guard, reported_as=source, in_child=in_child,
            )  # fmt: skip
        except Exception as error:
            # a temporary copy, not the user's file, was being read: name the user's
            unusable = as_unusable(source, error)
            if unusable is None:
                raise
            raise UnusableWorkbook(source, unusable.problem) from None
        finally:
            for scratch in (current, refreshed):
                with contextlib.suppress(OSError):
                    scratch.unlink()
    return result, report


def _scratch(destination: Path, step: str) -> Path:
    """An empty temporary file beside ``destination`` for one step of the refresh."""
    handle, name = tempfile.mkstemp(
        prefix=f".{destination.name}.", suffix=f".{step}.tmp", dir=destination.parent
    )
    os.close(handle)
    return Path(name)
