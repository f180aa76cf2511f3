"""Benchmark: `productive-xl batch recalc` on many trackers against LibreOffice on the same cores.

    python benchmarks/batch.py [--files 200] [--repeat 1] [--cache DIR]

Generates ``--files`` tracker-like workbooks of mixed sizes (:mod:`tracker_workbook`, from a few
hundred to 20,000 formulas, sizes spread evenly on a log scale; cached in a temporary folder, so
a second run starts at once) and times, in one run, interleaved when ``--repeat`` is above 1:

* ``batch --jobs 1`` and ``batch --jobs 2``: one and two local warm workers;
* ``batch --scheduler`` on a Dask ``LocalCluster`` of 2 workers of one thread each, started
  before the clock starts (a standing cluster, as on a server);
* ``LibreOffice``: ``soffice --headless --convert-to xlsx`` of the same workbooks (the
  PRODUCTIVE_* column written as the ordinary formula giving the same value), one call per core
  at once, each with its own profile (kept, set to recalculate every file on load, as in
  ``benchmarks/recalc.py``) and every other file of the list, so each call has a fair share.

Prints each run's wall time, throughput (workbooks a minute), CPU time and peak memory (a
workbook's process and a worker for the batch, each soffice for LibreOffice), and the goals of
issue 11 as ratios of that run: ``--jobs 2`` at least 1.7x the throughput of ``--jobs 1``, and at
least 2x LibreOffice's on the same 2 cores. Checks that every run's outputs agree on the last
line's risk-adjusted value of a few workbooks before it reports anything.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from recalc import PROFILE, soffice
from tracker_workbook import FORMULAS_PER_ROW, build_tracker

CORES = 2
SMALLEST, LARGEST = 300, 20_000  # formulas a workbook


@dataclass
class Run:
    seconds: float
    cpu: float  # user and system seconds of the processes and everything they waited for
    memory: str  # peak resident memory, as the run tells it


def rows_of(files: int) -> list[int]:
    """The register rows of each workbook: formulas spread evenly on a log scale."""
    ratio = LARGEST / SMALLEST
    return [
        max(1, round(SMALLEST * ratio ** (i / max(files - 1, 1)) / FORMULAS_PER_ROW))
        for i in range(files)
    ]


def workbooks(cache: Path, files: int) -> tuple[Path, Path, int]:
    """The folders of the workbooks for productive-xl and for LibreOffice, made once, and the
    number of formulas in all."""
    folder = cache / f"{files}-files"
    ours, plain = folder / "productive", folder / "plain"
    rows = rows_of(files)
    if not (folder / "done").exists():
        shutil.rmtree(folder, ignore_errors=True)
        ours.mkdir(parents=True)
        plain.mkdir()
        print(f"generating {files} workbooks into {folder} (once)", flush=True)
        for number, count in enumerate(rows):
            build_tracker(ours / f"tracker-{number:03d}.xlsx", count)
            build_tracker(plain / f"tracker-{number:03d}.xlsx", count, productive=False)
        (folder / "done").touch()
    return ours, plain, sum(rows) * FORMULAS_PER_ROW


def _waited(processes: list[subprocess.Popen[bytes]]) -> tuple[float, list[float], int]:
    """CPU seconds of all, peak MiB of each, and the worst exit status."""
    cpu, peaks, worst = 0.0, [], 0
    for process in processes:
        _, status, usage = os.wait4(process.pid, 0)
        cpu += usage.ru_utime + usage.ru_stime
        peaks.append(usage.ru_maxrss / 1024)
        worst = max(worst, os.waitstatus_to_exitcode(status))
    return cpu, peaks, worst


def batch_run(productive_xl: str, ours: Path, out: Path, *where: str) -> Run:
    shutil.rmtree(out, ignore_errors=True)
    command = [productive_xl, "batch", "recalc", str(ours), "--out", str(out), *where]
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=log, stderr=log)
        cpu, _, status = _waited([process])
        seconds = time.perf_counter() - started
        if status != 0:
            log.seek(0)
            raise RuntimeError(f"{' '.join(command)} ended {status}: {log.read()[-3000:]!r}")
    rows = json.loads((out / "summary.json").read_text())["files"]
    file_peak = max(row["peak_mib"] for row in rows)
    worker_peak = max(row["worker_mib"] for row in rows)
    memory = f"{file_peak:.0f} MiB a workbook, {worker_peak:.0f} MiB a worker"
    return Run(seconds, cpu, memory)


def dask_run(productive_xl: str, ours: Path, out: Path, address: str) -> Run:
    """A batch on the cluster; its CPU time is the client's and the workers'."""
    before = cluster_cpu(address)
    run = batch_run(productive_xl, ours, out, "--scheduler", address)
    run.cpu += cluster_cpu(address) - before
    return run


def libreoffice_run(program: str, profiles: list[Path], plain: Path, out: Path) -> Run:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    files = sorted(plain.glob("*.xlsx"))
    calls = [
        [
            program,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            *[str(path) for path in files[core::CORES]],
        ]
        for core, profile in enumerate(profiles)
    ]
    started = time.perf_counter()
    processes = [
        subprocess.Popen(call, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for call in calls
    ]
    cpu, peaks, status = _waited(processes)
    seconds = time.perf_counter() - started
    written = len(list(out.glob("*.xlsx")))
    if status != 0 or written != len(files):
        raise RuntimeError(f"LibreOffice ended {status} with {written} of {len(files)} written")
    return Run(seconds, cpu, f"{max(peaks):.0f} MiB a soffice")


def profiles(work: Path, program: str, sample: Path) -> list[Path]:
    """One LibreOffice profile per core, each filled by a first conversion."""
    made = []
    for core in range(CORES):
        profile = work / f"lo-profile-{core}"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(PROFILE, encoding="utf-8")
        subprocess.run(
            [
                program,
                f"-env:UserInstallation={profile.as_uri()}",
                "--headless",
                "--convert-to",
                "xlsx",
                "--outdir",
                str(work / "lo-first"),
                str(sample),
            ],
            check=True,
            capture_output=True,
        )
        made.append(profile)
    return made


def last_line_value(path: Path) -> float:
    """The last register line's risk-adjusted value (column K)."""
    import openpyxl  # noqa: PLC0415

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book["Register"]
        last = sheet.max_row
        value = sheet.cell(last, 11).value
    finally:
        book.close()
    return float(value)


def check_agreement(outputs: dict[str, Path], count: int) -> None:
    for number in sorted({0, count // 2, count - 1}):
        name = f"tracker-{number:03d}.xlsx"
        values = {run: last_line_value(folder / name) for run, folder in outputs.items()}
        first = next(iter(values.values()))
        if any(abs(value - first) > 1e-6 * max(1.0, abs(first)) for value in values.values()):
            raise RuntimeError(f"the runs disagree on {name}: {values}")


def _cpu_seconds() -> float:
    """In a Dask worker: its CPU time and that of the children it forked and waited for."""
    import resource  # noqa: PLC0415

    own, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def cluster_cpu(address: str) -> float:
    """The CPU seconds the cluster's workers have spent so far, all of them."""
    from distributed import Client  # noqa: PLC0415

    with Client(address) as client:
        return sum(client.run(_cpu_seconds).values())


def start_cluster() -> object:
    from distributed import LocalCluster  # noqa: PLC0415

    return LocalCluster(
        n_workers=CORES,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "productive-xl-batch-benchmark",
        help="Where the generated workbooks are kept between runs (default: %(default)s).",
    )
    args = parser.parse_args()
    productive_xl = str(Path(sys.executable).with_name("productive-xl"))
    ours, plain, formulas = workbooks(args.cache, args.files)
    program = soffice()
    print(
        f"{args.files} workbooks, {formulas:,} formulas in all ({SMALLEST:,} to {LARGEST:,} "
        f"a workbook), {os.cpu_count()} cores on this machine, {CORES} given to each run",
        flush=True,
    )
    runs: dict[str, list[Run]] = {}
    with tempfile.TemporaryDirectory(prefix="productive-xl-batch-bench-") as folder:
        work = Path(folder)
        lo_profiles = profiles(work, program, plain / "tracker-000.xlsx") if program else []
        cluster = start_cluster()
        try:
            address = cluster.scheduler_address  # type: ignore[attr-defined]
            commands = {
                "batch --jobs 1": lambda: batch_run(
                    productive_xl, ours, work / "j1", "--jobs", "1"
                ),
                "batch --jobs 2": lambda: batch_run(
                    productive_xl, ours, work / "j2", "--jobs", "2"
                ),
                "batch, Dask 2 workers": lambda: dask_run(
                    productive_xl, ours, work / "dask", address
                ),
            }
            if program:
                commands["LibreOffice, 2 calls"] = lambda: libreoffice_run(
                    program, lo_profiles, plain, work / "lo"
                )
            for round_number in range(args.repeat):
                for name, command in commands.items():
                    run = command()
                    runs.setdefault(name, []).append(run)
                    print(
                        f"  round {round_number + 1}: {name}: {run.seconds:.1f} s "
                        f"(CPU {run.cpu:.1f} s), {run.memory}",
                        flush=True,
                    )
            outputs = {"j1": work / "j1", "j2": work / "j2", "dask": work / "dask"}
            if program:
                outputs["LibreOffice"] = work / "lo"
            check_agreement(outputs, args.files)
        finally:
            cluster.close()  # type: ignore[attr-defined]

    best = {name: min(r, key=lambda run: run.seconds) for name, r in runs.items()}
    print(
        "\n| run | wall time | workbooks a minute | CPU | peak memory |\n|---|---:|---:|---:|---|"
    )
    for name, run in best.items():
        print(
            f"| {name} | {run.seconds:.1f} s | {60 * args.files / run.seconds:,.0f} | "
            f"{run.cpu:.1f} s | {run.memory} |"
        )

    def ratio(slower: str, faster: str) -> str:
        return f"{best[slower].seconds / best[faster].seconds:.2f}x"

    jobs = ratio("batch --jobs 1", "batch --jobs 2")
    print(f"\n--jobs 2 / --jobs 1 throughput: {jobs} (goal >= 1.7x)")
    print(f"Dask 2 workers / --jobs 1: {ratio('batch --jobs 1', 'batch, Dask 2 workers')}")
    if program:
        print(
            f"--jobs 2 / LibreOffice throughput: {ratio('LibreOffice, 2 calls', 'batch --jobs 2')} "
            "(goal >= 2x)"
        )
        print(
            "Dask 2 workers / LibreOffice: "
            f"{ratio('LibreOffice, 2 calls', 'batch, Dask 2 workers')}"
        )
    else:
        print("LibreOffice (soffice) not found: not compared")
    return 0


if __name__ == "__main__":
    sys.exit(main())
