"""Where a batch's work runs: local worker processes, or the workers of a Dask cluster. Either
way each worker is one warm Python process serving many workbooks (imports and the engine paid
once), each workbook in a child forked from it (:mod:`productive_xl.batch.child`)."""

from __future__ import annotations

import hashlib
import multiprocessing
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from productive_xl.batch.outcome import CRASHED, FileOutcome
from productive_xl.batch.work import Job, work_on


class ClusterUnavailable(Exception):
    """The Dask scheduler cannot be reached, or Dask is not installed."""


def _warm_up() -> None:
    """Run once in each new local worker: importing the work imports the engine and the
    formula text tokenizer, so no workbook pays for them."""
    import productive_xl.batch.work  # noqa: F401, PLC0415


def _failed(job: Job, error: BaseException) -> FileOutcome:
    return FileOutcome(
        file=job.name,
        source=str(job.source),
        sha256="",
        status=CRASHED,
        message=f"its worker failed: {type(error).__name__}: {error}".rstrip(": "),
    )


def _pool_results(
    jobs: list[Job], workers: int
) -> Iterator[tuple[Job, FileOutcome | BaseException]]:
    """Each job's outcome, or the error its future ended with, from one pool of fresh workers."""
    # spawn, not fork: a worker starts from a clean interpreter, not from this one's state
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_warm_up) as pool:
        futures: dict[Future[FileOutcome], Job] = {pool.submit(work_on, job): job for job in jobs}
        try:
            for future in as_completed(futures):
                try:
                    yield futures[future], future.result()
                except Exception as error:
                    yield futures[future], error
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def run_locally(jobs: list[Job], workers: int, recycle_after: int) -> Iterator[FileOutcome]:
    """Each job's outcome, as it comes, from ``workers`` local processes, replaced by fresh ones
    once they have served about ``recycle_after`` workbooks each (so what a process keeps grows
    no further).

    The pool is replaced whole, every ``workers x recycle_after`` workbooks, rather than by the
    executor's ``max_tasks_per_child``, which deadlocks on Python 3.11 to 3.13 once a worker
    reaches its limit with work still queued (CPython gh-115634). A worker process that dies
    breaks its pool: the workbooks it left undone are given once more to a fresh pool.
    """
    pending = list(jobs)
    given_again: set[str] = set()
    while pending:
        size = workers * recycle_after
        batch, pending = pending[:size], pending[size:]
        again: list[Job] = []
        for job, result in _pool_results(batch, workers):
            if isinstance(result, FileOutcome):
                yield result
            elif isinstance(result, BrokenProcessPool) and job.name not in given_again:
                given_again.add(job.name)
                again.append(job)
            else:
                yield _failed(job, result)
        pending = again + pending


def _task_key(job: Job) -> str:
    """The same workbook, operation and destination give the same task: the scheduler runs a
    task once however many times it is asked for while it is known."""
    identity = f"{job.operation}\0{job.source.resolve()}\0{job.output.resolve()}"
    return f"productive-xl-{job.operation}-{hashlib.sha256(identity.encode()).hexdigest()[:24]}"


def run_on_cluster(jobs: list[Job], address: str) -> Iterator[FileOutcome]:
    """Each job's outcome, as it comes, from the workers of the Dask cluster whose scheduler is
    at ``address``. The scheduler hands a task whose worker died to another worker; a file
    whose record shows it done is then not done again (:func:`work_on`)."""
    try:
        from distributed import Client  # noqa: PLC0415
        from distributed import as_completed as as_finished  # noqa: PLC0415
    except ImportError:
        raise ClusterUnavailable(
            "--scheduler needs Dask distributed: pip install 'productive-xl[cluster]'"
        ) from None
    try:
        # waits as long as Dask's connect timeout (distributed.comm.timeouts.connect, 30 s)
        client = Client(address)  # type: ignore[no-untyped-call]
    except OSError as error:
        raise ClusterUnavailable(f"cannot reach the Dask scheduler at {address}: {error}") from None
    with client:
        futures: dict[Any, Job] = {}
        for job in jobs:
            futures[client.submit(work_on, job, key=_task_key(job), pure=False)] = job
        try:
            for future in as_finished(list(futures)):  # type: ignore[no-untyped-call]
                try:
                    yield future.result()
                except Exception as error:  # KilledWorker: its workers kept dying on it
                    yield _failed(futures[future], error)
                future.release()
        finally:
            client.cancel(list(futures))  # type: ignore[no-untyped-call]
