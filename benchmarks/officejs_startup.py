"""The Office add-in's runtime: how much a browser downloads, and how long Python takes to start.

    python benchmarks/officejs_startup.py [--runs 5] [--pyodide DIR]

Generates the add-in (as `productive-xl officejs` does) into a temporary folder, with Pyodide from
npm (``--pyodide``, else installed once into ``~/.cache/productive-xl``), and prints:

* the size of each file a browser fetches on first use, as stored and gzip-compressed (as a web
  server usually sends it); the browser caches them after;
* the cold start under Node, each run a new process (benchmarks/officejs_startup.cjs): Node and
  Pyodide's loader, Pyodide with the wheel installed and imported, the first PRODUCTIVE.SAVING
  call, then the time a call takes after;
* the named alternative, measured in the same run: the desktop path's cold start, a new CPython
  process importing productive_xl.functions and making the same call (what xlwings starts).

The least and the median of --runs runs are printed; on a loaded machine they vary.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from productive_xl.officejs.addin import DEFAULT_BASE_URL, write_addin
from productive_xl.officejs.pyodide_runtime import (
    PYODIDE_VERSION,
    RUNTIME_FILES,
    find_pyodide,
    install_pyodide,
)

HERE = Path(__file__).resolve().parent
CACHE = Path.home() / ".cache" / "productive-xl" / f"pyodide-{PYODIDE_VERSION}"
CPYTHON_CALL = (
    "from productive_xl.functions import productive_saving;"
    "assert productive_saving(40, 28, 250, 12, 0.9) == 32400"
)


def _sizes(addin: Path) -> list[tuple[str, int, int]]:
    names = [f"pyodide/{name}" for name in RUNTIME_FILES]
    names += sorted(p.name for p in addin.glob("*.whl"))
    names += ["functions.js", "functions.json", "taskpane.html", "taskpane.js"]
    rows = []
    for name in names:
        data = (addin / name).read_bytes()
        rows.append((name, len(data), len(gzip.compress(data, 6))))
    return rows


def _node_start(addin: Path) -> dict[str, float]:
    before = os.times()
    done = subprocess.run(
        ["node", str(HERE / "officejs_startup.cjs"), str(addin)],
        capture_output=True,
        text=True,
        check=True,
    )
    after = os.times()
    timings: dict[str, float] = json.loads(done.stdout)
    timings["cpu"] = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    if timings.pop("value") != 32400:
        raise SystemExit("the add-in gave a wrong value")
    return timings


def _cpython_start() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", CPYTHON_CALL], check=True)
    return time.perf_counter() - started


def _spread(values: list[float]) -> str:
    return f"least {min(values):6.3f} s, median {statistics.median(values):6.3f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pyodide", type=Path, help="the pyodide npm package's folder")
    args = parser.parse_args()
    pyodide = find_pyodide(args.pyodide) if args.pyodide else install_pyodide(CACHE)
    with tempfile.TemporaryDirectory() as folder:
        addin = Path(folder) / "addin"
        write_addin(addin, DEFAULT_BASE_URL, pyodide)
        rows = _sizes(addin)
        print(f"What a browser fetches on first use (Pyodide {PYODIDE_VERSION}):")
        for name, size, compressed in rows:
            print(f"  {name:44} {size / 1e6:7.2f} MB  gzip {compressed / 1e6:6.2f} MB")
        total = sum(r[1] for r in rows)
        print(
            f"  {'in all':44} {total / 1e6:7.2f} MB  gzip {sum(r[2] for r in rows) / 1e6:6.2f} MB"
        )
        runs = [_node_start(addin) for _ in range(args.runs)]
        cpython = [_cpython_start() for _ in range(args.runs)]
    print(f"\nCold start, {args.runs} runs each, a new process each time:")
    for key, label in (
        ("node_and_loader", "Node and Pyodide's loader"),
        ("pyodide_started", "Pyodide alone started (part of the next)"),
        ("python_ready", "Pyodide started, wheel installed, imported"),
        ("first_call", "first PRODUCTIVE.SAVING call"),
    ):
        print(f"  add-in: {label:44} {_spread([r[key] for r in runs])}")
    whole = [r["node_and_loader"] + r["python_ready"] + r["first_call"] for r in runs]
    cpu = [r["cpu"] for r in runs]
    print(f"  add-in: {'to the first value, in all':44} {_spread(whole)}")
    print(f"  add-in: {'CPU time of the whole process':44} {_spread(cpu)}")
    print(f"  CPython (desktop): {'new process to the first value':33} {_spread(cpython)}")
    per_call = statistics.median(r["per_call"] for r in runs)
    print(f"\nA call once started: {per_call * 1e6:.0f} us in the add-in (median of runs).")


if __name__ == "__main__":
    main()
