"""`productive-xl batch --scheduler`: the same batch on a real Dask cluster on the loopback
interface, which loses a worker in the middle and still does every file exactly once
(issue 11, point 3)."""

from __future__ import annotations

import io
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from batch_workbooks import saving_book, slow_book, value_in
from command_line import run_productive_xl

from productive_xl.batch.inputs import find_inputs
from productive_xl.batch.run import BatchOptions, BatchResult, _job, run_batch
from productive_xl.batch.workers import _task_key

distributed = pytest.importorskip("distributed", reason="needs the cluster extra (Dask)")
pytestmark = pytest.mark.slow  # a cluster takes seconds to start

FILES = 8
ROWS = 5_000


def _expected_c1() -> int:
    # C1 is SUMPRODUCT(A1:A5000*B1:B5000)+1, with row r holding r and r mod 7
    return sum(row * (row % 7) for row in range(1, ROWS + 1)) + 1


@pytest.fixture(scope="module")
def cluster() -> object:
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as local:
        yield local


def test_a_batch_on_a_cluster_that_loses_a_worker_does_every_file_once(
    cluster: distributed.LocalCluster, tmp_path: Path
) -> None:
    folder = tmp_path / "shared"
    for number in range(FILES):  # half a second or so each, on a quiet machine
        slow_book(folder / f"ward-{number}.xlsx", rows=ROWS, formulas=80 + 10 * number)
    out = tmp_path / "out"
    options = BatchOptions("recalc", [str(folder)], out, scheduler=cluster.scheduler_address)
    keys = {
        _task_key(_job(options, item)): item.name.as_posix() for item in find_inputs([str(folder)])
    }

    with distributed.Client(cluster) as client:
        pids = client.run(os.getpid)
        results: list[BatchResult] = []
        batch = threading.Thread(target=lambda: results.append(run_batch(options, io.StringIO())))
        batch.start()
        deadline = time.monotonic() + 120
        in_flight: list[str] = []
        while not in_flight and time.monotonic() < deadline:
            time.sleep(0.3)
            processing = client.processing()
            victim = next((worker for worker, tasks in processing.items() if tasks), None)
            if victim is not None:
                in_flight = [keys[key] for key in processing[victim] if key in keys]
        assert in_flight, "no worker was given a file"
        os.kill(pids[victim], signal.SIGKILL)
        batch.join(timeout=300)
    assert not batch.is_alive()

    (result,) = results
    assert result.exit_status == 0
    assert sorted(o.file for o in result.outcomes) == sorted(keys.values())  # each once
    assert {o.status for o in result.outcomes} == {"recalculated"}
    killed = f":{pids[victim]}"
    for outcome in result.outcomes:
        assert value_in(out / outcome.file, "C1", "Data") == _expected_c1()
        if outcome.file in in_flight:  # done again, by another worker, after the kill
            assert not outcome.worker.endswith(killed)
    assert not [path for path in out.rglob("*") if path.name.endswith(".tmp")]
    records = sorted((out / ".productive-xl-batch").glob("*.json"))
    assert len(records) == FILES

    # the cluster does nothing more for a rerun: every file's record says it is done
    again = run_batch(options, io.StringIO())
    assert again.done_now == 0
    assert [path.read_bytes() for path in records] == [
        path.read_bytes() for path in sorted((out / ".productive-xl-batch").glob("*.json"))
    ]


def test_the_command_line_sends_the_work_to_the_scheduler(
    cluster: distributed.LocalCluster, tmp_path: Path
) -> None:
    saving_book(tmp_path / "in" / "ward.xlsx")
    (tmp_path / "in" / "broken.xlsx").write_bytes(b"no zip")
    out = tmp_path / "out"
    done = run_productive_xl(
        "batch", "recalc", str(tmp_path / "in"), "--out", str(out),
        "--scheduler", cluster.scheduler_address,
    )  # fmt: skip
    assert done.returncode == 4, done.stderr
    assert value_in(out / "ward.xlsx", "D1") == 32400  # (40 - 28) x 250 x 12 x 0.9
    assert "broken.xlsx: unusable" in done.stdout


def test_a_scheduler_that_cannot_be_reached_is_one_line_and_exit_5(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT", "2s")
    saving_book(tmp_path / "in" / "ward.xlsx")
    done = run_productive_xl(
        "batch", "recalc", str(tmp_path / "in"), "--out", str(tmp_path / "out"),
        "--scheduler", "tcp://127.0.0.1:9",
    )  # fmt: skip
    assert done.returncode == 5
    assert (
        done.stderr.strip()
        .splitlines()[-1]
        .startswith("productive-xl batch: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    )
