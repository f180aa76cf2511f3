"""Benchmark: `productive-xl recalc` against LibreOffice headless and the floor of reading.

    python benchmarks/recalc.py [--rows 2000 20000] [--repeat 3]

For each size it builds a tracker-like workbook (eight formulas a row, one of them a
PRODUCTIVE_* call) and measures, as whole processes, time and peak memory of:

* productive-xl recalc of the workbook;
* LibreOffice headless recalculating and saving the same workbook, with the PRODUCTIVE_* column
  replaced by an ordinary formula giving the same hours (LibreOffice cannot call Python);
* the floor: reading every cached value with python-calamine and copying the zip;
* for reference, the formula engine alone: IronCalc loading and evaluating the workbook without
  the PRODUCTIVE_* column, writing nothing, as written ("engine alone") and with the formulas
  filled down each column shared as productive-xl's engine copy shares them ("engine, shared"):
  the least any IronCalc-based recalc can cost.

productive-xl's modules are byte-compiled first, as installing the package does. Each is run
--repeat times and the fastest run is reported, with its peak resident memory. Then
a line per size splits one productive-xl run (in a fresh process, CPU seconds) into its steps.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from tracker_workbook import FORMULAS_PER_ROW  # noqa: E402

FLOOR = """
import shutil, sys
from python_calamine import CalamineWorkbook
book = CalamineWorkbook.from_path(sys.argv[1])
for name in book.sheet_names:
    rows = book.get_sheet_by_name(name).to_python()
shutil.copyfile(sys.argv[1], sys.argv[2])
"""

ENGINE_ALONE = """
import sys
import ironcalc
ironcalc.load_from_xlsx(sys.argv[1]).evaluate()
"""

# One recalc, with the CPU time of each step: the functions that make up recalc are wrapped.
STEPS = """
import sys, time
clock = time.process_time
started = clock()
from productive_xl.headless import evaluation, recalc
imported = clock() - started
spent = {}
def timed(module, name, step):
    function = getattr(module, name)
    def wrapper(*args, **kwargs):
        began = clock()
        try:
            return function(*args, **kwargs)
        finally:
            spent[step] = spent.get(step, 0.0) + clock() - began
    setattr(module, name, wrapper)
for name, step in [("open_package", "read"), ("read_workbook", "read"), ("formula_cells", "read"),
                   ("patch_values", "patch"), ("write_package", "write")]:
    timed(recalc, name, step)
for name, step in [("engine_package", "engine copy"), ("load_model", "engine load"),
                   ("FormulaChecks", "checks"), ("_productive_cells", "calls"),
                   ("place_calls", "calls"), ("settle", "calls+evaluate"),
                   ("block_spilled_arguments", "calls"), ("_read_values", "read back")]:
    timed(evaluation, name, step)
began = clock()
recalc.recalc(sys.argv[1], sys.argv[2])
total = clock() - began
spent["other"] = total - sum(spent.values())
print(f"import {imported:.2f}s, " + ", ".join(f"{k} {v:.2f}s" for k, v in spent.items()))
"""

LIBREOFFICE = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from libreoffice import recalculate_with_libreoffice
recalculate_with_libreoffice(Path(sys.argv[1]), Path(sys.argv[2]))
"""


@dataclass
class Measure:
    seconds: float
    peak_mib: float
    cpu: float  # user and system seconds: less swayed than wall time by other work on the machine


def measure(command: list[str]) -> Measure:
    """Wall time, peak resident memory and CPU time of a command and everything it waited for."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        error = process.stderr.read().decode() if process.stderr else ""
        raise RuntimeError(f"{' '.join(command[:3])} failed: {error}")
    return Measure(seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime)


# The workbooks are built in a process of their own: a child starts from a copy of its parent,
# so a parent grown by building them would count in every measured command's peak memory.
BUILD = """
import sys, zipfile
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from tracker_workbook import build_tracker
from productive_xl.headless.shared_formulas import share_filled_formulas
rows, tracker, plain, shared = int(sys.argv[2]), Path(sys.argv[3]), sys.argv[4], sys.argv[5]
build_tracker(tracker, rows)
build_tracker(Path(plain), rows, productive=False)
# the plain workbook with the formulas filled down each column shared, as the engine copy has them
with zipfile.ZipFile(plain) as original, zipfile.ZipFile(shared, "w") as copy:
    for member in original.infolist():
        data = original.read(member)
        if member.filename.startswith("xl/worksheets/"):
            data = share_filled_formulas(data)
        copy.writestr(member, data)
"""


def soffice() -> str:
    """Where LibreOffice is, as the tests find it ("" when it is not installed); asked of a
    child process, since the tests' helper imports openpyxl, which would swell this one."""
    found = subprocess.run(
        [sys.executable, "-c", "from libreoffice import SOFFICE; print(SOFFICE or '')"],
        cwd=HERE.parent / "tests",
        capture_output=True,
        text=True,
        check=True,
    )
    return found.stdout.strip()


def best(command: list[str], repeat: int) -> Measure:
    """The fastest of ``repeat`` runs, with the least CPU time of any of them."""
    runs = [measure(command) for _ in range(repeat)]
    fastest = min(runs, key=lambda m: m.seconds)
    return Measure(fastest.seconds, fastest.peak_mib, min(m.cpu for m in runs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    productive_xl = str(Path(sys.executable).with_name("productive-xl"))
    # An installed package is byte-compiled when pip installs it; an editable one only when first
    # imported, and never where PYTHONDONTWRITEBYTECODE is set (as on the machine this was
    # measured on), when every run would compile the package's source again (about 25 ms).
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(HERE.parent / "productive_xl")], check=True
    )
    print(
        f"{'rows':>7} {'formulas':>9}  {'productive-xl':>15} {'LibreOffice':>15} "
        f"{'floor':>15} {'engine alone':>15} {'engine, shared':>15}  {'vs LO':>6} {'vs floor':>8}"
    )
    steps: list[str] = []
    cpu: list[str] = []
    libreoffice = soffice()
    with tempfile.TemporaryDirectory(prefix="productive-xl-bench-") as folder:
        work = Path(folder)
        for rows in args.rows:
            tracker = work / f"tracker-{rows}.xlsx"
            plain = work / f"tracker-{rows}-plain.xlsx"
            shared = work / f"tracker-{rows}-plain-shared.xlsx"
            subprocess.run(
                [
                    *(sys.executable, "-c", BUILD, str(HERE), str(rows)),
                    *(str(path) for path in (tracker, plain, shared)),
                ],
                check=True,
            )
            ours = best(
                [productive_xl, "recalc", str(tracker), "-o", str(work / "ours.xlsx")], args.repeat
            )
            floor = best(
                [sys.executable, "-c", FLOOR, str(tracker), str(work / "copy.xlsx")], args.repeat
            )
            engine = best([sys.executable, "-c", ENGINE_ALONE, str(plain)], args.repeat)
            engine_shared = best([sys.executable, "-c", ENGINE_ALONE, str(shared)], args.repeat)
            split = subprocess.run(
                [sys.executable, "-c", STEPS, str(tracker), str(work / "steps.xlsx")],
                check=True,
                capture_output=True,
                text=True,
            )
            steps.append(f"{rows:>7,}: {split.stdout.strip()}")
            if libreoffice:
                theirs = best(
                    [
                        sys.executable,
                        "-c",
                        LIBREOFFICE,
                        str(plain),
                        str(work / "lo.xlsx"),
                        str(HERE.parent / "tests"),
                    ],
                    args.repeat,
                )
                versus = f"{theirs.seconds / ours.seconds:5.1f}x"
                shown = f"{theirs.seconds:6.2f}s {theirs.peak_mib:5.0f}MiB"
                cpu_versus = f"{theirs.cpu / ours.cpu:5.1f}x"
                cpu_shown = f"{theirs.cpu:6.2f}s"
            else:
                versus, shown = "  n/a", "not installed"
                cpu_versus, cpu_shown = "  n/a", "n/a"
            cpu.append(
                f"{rows:>7,} {rows * FORMULAS_PER_ROW:>9,}  {ours.cpu:13.2f}s {cpu_shown:>15} "
                f"{floor.cpu:14.2f}s {engine.cpu:14.2f}s {engine_shared.cpu:14.2f}s  "
                f"{cpu_versus:>6} {ours.cpu / floor.cpu:7.1f}x"
            )
            print(
                f"{rows:>7,} {rows * FORMULAS_PER_ROW:>9,}  "
                f"{ours.seconds:6.2f}s {ours.peak_mib:5.0f}MiB "
                f"{shown:>15} "
                f"{floor.seconds:6.2f}s {floor.peak_mib:5.0f}MiB "
                f"{engine.seconds:6.2f}s {engine.peak_mib:5.0f}MiB "
                f"{engine_shared.seconds:6.2f}s {engine_shared.peak_mib:5.0f}MiB  "
                f"{versus:>6} {ours.seconds / floor.seconds:7.1f}x",
                flush=True,
            )
    print(
        "\nvs LO: LibreOffice's time / productive-xl's (goal >= 5x at 2,000 rows); "
        "vs floor: productive-xl's time / the floor's (goal <= 3x at 2,000 rows)."
    )
    print("\nCPU seconds (user and system, the least of the runs), the same columns:")
    print("\n".join(cpu))
    print("\nproductive-xl's steps, CPU seconds of one run (calls+evaluate includes the engine's):")
    print("\n".join(steps))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
