"""One workbook's work in a batch, as a worker (a local process or a Dask worker) does it.

The worker forks a child for the file (:mod:`productive_xl.batch.child`); the child calls the
same function as `productive-xl recalc` or `refresh` for one file, which writes the workbook
atomically, then writes its report; the worker records the outcome beside them last. So a file
is done when its record says so, and a second attempt at it (a rerun, or the scheduler handing it
to another worker after one died) finds the record and does nothing.
"""

from __future__ import annotations

import contextlib
import functools
import os
import resource
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from productive_xl.batch.child import run_in_child
from productive_xl.batch.ledger import read_record, sha256_of, still_done, write_record
from productive_xl.batch.outcome import (
    CRASHED,
    DONE,
    ENVIRONMENT,
    PARTLY_RECALCULATED,
    RECALCULATED,
    UNUSABLE,
    FileOutcome,
)
from productive_xl.headless.recalc import recalc
from productive_xl.headless.report import RecalcReport
from productive_xl.ooxml.package import UnusableWorkbook
from productive_xl.tracker.refresh_file import refresh_file

RECALC = "recalc"
REFRESH = "refresh"


@dataclass(frozen=True)
class Job:
    """One workbook of a batch: what to do with it and where everything goes."""

    operation: str  # RECALC or REFRESH
    source: Path
    name: str  # its name under the output folder
    output: Path  # the workbook to write (the source itself with --in-place)
    report: Path
    record: Path
    timeout: float | None
    memory_limit_mib: float | None
    user: str = ""  # RefreshedBy, for a refresh


def _kept_message(report: RecalcReport) -> str:
    if report.kept is not None:
        return report.kept
    if not report.not_recalculated:
        return ""
    first = report.not_recalculated[0]
    more = len(report.not_recalculated) - 1
    return f"{first['cell']} {first['reason']}" + (f" (and {more:,} more cells)" if more else "")


def _one_workbook(job: Job) -> dict[str, object]:
    """In the child: recalculate or refresh the workbook, write it and its report (together, or
    neither: as `recalc --report` writes them), and give the figures of its summary row. The
    child is this workbook's own process already (its crash and time limit are the batch's to
    report), so recalc works in it rather than in a child of its own."""
    findings = None
    try:
        if job.operation == REFRESH:
            result, report = refresh_file(
                job.source, job.output, job.user, report_to=job.report, in_child=False
            )
            findings = len(result.findings)
        else:
            report = recalc(job.source, job.output, report_to=job.report, in_child=False)
    except UnusableWorkbook as error:
        return {"status": UNUSABLE, "message": error.problem}
    except OSError as error:  # the disk is full, a folder cannot be written...
        return {"status": ENVIRONMENT, "message": f"{error.filename or job.output}: {error}"}
    return {
        "status": RECALCULATED if report.complete else PARTLY_RECALCULATED,
        "recalculated": report.recalculated,
        "kept": report.formula_cells - report.recalculated,
        "errors": len(report.errors),
        "findings": findings,
        "message": _kept_message(report),
    }


def _left_over(path: Path) -> None:
    """Remove what a stopped child may have left beside ``path``: the temporary files of an
    atomic write (``.NAME.*.tmp``)."""
    with contextlib.suppress(OSError):
        for temporary in path.parent.glob(f".{path.name}.*.tmp"):
            temporary.unlink()


def _worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _worker_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def work_on(job: Job) -> FileOutcome:
    """Do one workbook of a batch and record its outcome; never raises for the workbook's sake.

    When the record says the file was already done for the same input (another attempt got
    there first), that outcome is returned and nothing is done again.
    """
    outcome = FileOutcome(file=job.name, source=str(job.source), sha256="", status=CRASHED)
    try:
        outcome.sha256 = sha256_of(job.source)
    except OSError as error:  # gone, or not readable by this worker
        outcome.status = ENVIRONMENT
        outcome.message = f"cannot be read: {error.strerror}"
        return _recorded(job, outcome)
    earlier = read_record(job.record)
    if earlier is not None and still_done(earlier, outcome.sha256):
        return earlier
    child = run_in_child(functools.partial(_one_workbook, job), job.timeout, job.memory_limit_mib)
    outcome.seconds = round(child.seconds, 3)
    outcome.peak_mib = round(child.peak_mib, 1)
    if child.failure is not None:
        outcome.status, outcome.message = child.failure, child.message
    else:
        for key, value in child.value.items():
            setattr(outcome, key, value)
    if outcome.status in DONE:
        outcome.output, outcome.report = str(job.output), str(job.report)
        outcome.output_sha256 = sha256_of(job.output)
    else:
        _left_over(job.output)
        _left_over(job.report)
        # what an earlier run wrote for another content of this input is not this input's
        stale = [job.report] if job.output == job.source else [job.report, job.output]
        for path in stale:
            with contextlib.suppress(OSError):
                path.unlink()
    return _recorded(job, outcome)


def _recorded(job: Job, outcome: FileOutcome) -> FileOutcome:
    outcome.worker = _worker()
    outcome.worker_mib = round(_worker_mib(), 1)
    outcome.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        write_record(job.record, outcome)
    except OSError as error:  # the file will be done again by the next run
        outcome.message += f" (its record could not be written: {error})"
    return outcome
