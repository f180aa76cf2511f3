"""A batch from start to end: find the workbooks, leave out those already done, have the
workers do the rest, show the progress, and write the summary."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from productive_xl.batch.inputs import Input, find_inputs
from productive_xl.batch.ledger import (
    read_record,
    record_path,
    sha256_of,
    still_done,
    write_summary,
)
from productive_xl.batch.outcome import FAILED, NOT_RUN, FileOutcome, worst_exit
from productive_xl.batch.progress import BatchProgress
from productive_xl.batch.work import Job
from productive_xl.batch.workers import run_locally, run_on_cluster

REPORT_SUFFIX = ".report.json"


@dataclass
class BatchOptions:
    """What `productive-xl batch` was asked to do."""

    operation: str  # "recalc" or "refresh"
    inputs: list[str]
    out: Path
    jobs: int = 1
    scheduler: str | None = None  # a Dask scheduler's address: the work goes to its workers
    timeout: float | None = 600.0  # seconds a workbook may take
    memory_limit_mib: float | None = 4096.0  # resident memory a workbook's process may reach
    recycle_after: int = 100  # workbooks a local worker process serves before a fresh one
    in_place: bool = False
    retry_failed: bool = False
    user: str = ""


@dataclass
class BatchResult:
    """Every input's outcome (done now or carried over from an earlier run) and how long the
    work took."""

    outcomes: list[FileOutcome] = field(default_factory=list)
    done_now: int = 0
    seconds: float = 0.0

    @property
    def exit_status(self) -> int:
        return worst_exit(self.outcomes)


def _job(options: BatchOptions, item: Input) -> Job:
    name = item.name.as_posix()
    return Job(
        operation=options.operation,
        source=item.source,
        name=name,
        output=item.source if options.in_place else options.out / name,
        report=options.out / f"{name}{REPORT_SUFFIX}",
        record=record_path(options.out, name),
        timeout=options.timeout,
        memory_limit_mib=options.memory_limit_mib,
        user=options.user,
    )


def _hash_or_none(path: Path) -> str | None:
    try:
        return sha256_of(path)
    except OSError:  # the worker says why
        return None


def plan(options: BatchOptions) -> tuple[list[Job], list[FileOutcome]]:
    """The jobs to do now, largest workbook first (the small ones then fill the gaps at the
    end), and the outcomes carried over from earlier runs.

    Without ``retry_failed``: every input not already settled for its present content, that is
    new, changed, or done but with its output since removed or changed. An input that failed
    (timed out, crashed, unusable) keeps that outcome until its content changes: a hostile file
    does not take its time limit every night. With ``retry_failed``: only the inputs whose
    outcome was a failure; the others keep theirs, and an input never done is listed as not run.
    """
    jobs: list[Job] = []
    carried: list[FileOutcome] = []
    for item in find_inputs(options.inputs, options.out):
        job = _job(options, item)
        earlier = read_record(job.record)
        if options.retry_failed:
            if earlier is not None and earlier.status in FAILED:
                jobs.append(job)
            else:
                carried.append(earlier or FileOutcome(job.name, str(job.source), "", NOT_RUN))
            continue
        if earlier is not None and _settled(earlier, _hash_or_none(job.source)):
            carried.append(earlier)
        else:
            jobs.append(job)
    jobs.sort(key=lambda job: -_size(job.source))
    return jobs, carried


def _settled(earlier: FileOutcome, digest: str | None) -> bool:
    """Whether an input whose content has the hash ``digest`` needs no work, by its last
    outcome."""
    if digest is None:
        return False
    return still_done(earlier, digest) or (earlier.status in FAILED and earlier.sha256 == digest)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _outcomes(options: BatchOptions, jobs: list[Job]) -> Iterator[FileOutcome]:
    if options.scheduler:
        return run_on_cluster(jobs, options.scheduler)
    return run_locally(jobs, max(1, min(options.jobs, len(jobs))), options.recycle_after)


def run_batch(options: BatchOptions, stream: TextIO | None = None) -> BatchResult:
    """Run the batch ``options`` describe, showing its progress on ``stream`` (standard error
    by default), and write ``summary.csv`` and ``summary.json`` into the output folder, even
    when interrupted. Raises :class:`~productive_xl.batch.inputs.BadInputs` when an input names
    nothing, ``OSError`` when the output folder cannot be made."""
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    jobs, carried = plan(options)
    options.out.mkdir(parents=True, exist_ok=True)
    result = BatchResult(outcomes=list(carried))
    sizes = {job.name: _size(job.source) for job in jobs}
    progress = BatchProgress(len(jobs), sum(sizes.values()), stream or sys.stderr)
    started = time.monotonic()
    try:
        if jobs:
            for outcome in _outcomes(options, jobs):
                result.outcomes.append(outcome)
                result.done_now += 1
                progress.file_done(outcome, sizes.get(outcome.file, 0))
    finally:
        progress.close()
        result.seconds = time.monotonic() - started
        about: dict[str, object] = {
            "operation": options.operation,
            "started_at": started_at,
            "seconds": round(result.seconds, 3),
            "workers": options.scheduler or f"{options.jobs} local",
            "exit": result.exit_status,
        }
        write_summary(options.out, result.outcomes, about)
    return result
