"""Benchmark: `productive-xl recalc` against LibreOffice headless, the engine alone and the floor.

    python benchmarks/recalc.py [--rows 2000 20000 100000] [--shapes user tracker] [--repeat 3]

Two shapes of workbook, each at every size (rows of its register):

* ``user``: the shape users write (:mod:`user_workbook`): formulas written cell by cell by a
  library, none shared, no cached values; a PRODUCTIVE_SAVING call per row whose arguments are
  expressions over formulas (a VLOOKUP into a Rates sheet among them); a Summary of SUMIFS and
  COUNTIFS over whole columns. Seven formulas a row.
* ``tracker``: the tracker-like register of :mod:`tracker_workbook`, eight formulas a row, one a
  PRODUCTIVE_RELEASED_HOURS call over plain cells, cached values 0.

What is timed, as whole processes, each with its peak resident memory:

* ``recalc``: ``productive-xl recalc`` of the workbook (modules byte-compiled, as installed);
* ``LibreOffice``: plain ``soffice --headless --convert-to xlsx`` of the same workbook with the
  PRODUCTIVE_* column written as the ordinary formula giving the same value, with a profile made
  once at the start (set to recalculate every file on load) and kept for every run;
* ``engine alone``: IronCalc loading and evaluating that ordinary workbook as written, writing
  nothing; ``engine, copy``: the same of the copy recalc gives the engine (formulas shared, whole
  columns bounded): the least an IronCalc-based recalc can cost;
* ``floor``: reading every cell with python-calamine and copying the file: the I/O floor.

The commands run interleaved, ``--repeat`` rounds of each in turn, so that other work on the
machine weighs on all of them alike; each figure is the best of its runs, with the range of its
runs beside it, and every ratio is of figures of the same run. Then one recalc per workbook is
split into its steps (CPU seconds).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent

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
                   ("patch_values", "patch"), ("write_zip", "write")]:
    timed(recalc, name, step)
for name, step in [("engine_copy", "engine copy"), ("load_model", "engine load"),
                   ("FormulaChecks", "checks"), ("_productive_cells", "calls"),
                   ("place_calls", "calls"), ("settle", "calls+evaluate"),
                   ("block_spilled_arguments", "calls"), ("_read_values", "read back"),
                   ("spread_not_recalculated", "dependents"),
                   ("calls_in_circles", "circles")]:
    timed(evaluation, name, step)
began = clock()
# in this process, where the steps are timed (recalc itself works in a child)
report = recalc.recalc(sys.argv[1], sys.argv[2], in_child=False)
total = clock() - began
spent["other"] = total - sum(spent.values())
print(f"{report.rounds} evaluation(s); import {imported:.2f}s, "
      + ", ".join(f"{k} {v:.2f}s" for k, v in spent.items()))
"""

# The workbooks are built in a process of their own: a child starts from a copy of its parent,
# so a parent grown by building them would count in every measured command's peak memory.
BUILD = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from tracker_workbook import build_tracker
from user_workbook import build_user_workbook
from productive_xl.headless.engine_copy import engine_copy
from productive_xl.headless.productive_calls import SCRATCH_SHEET
from productive_xl.ooxml.package import open_package
from productive_xl.ooxml.workbook import read_workbook
shape, rows, ours, plain, copy = sys.argv[2], int(sys.argv[3]), *map(Path, sys.argv[4:7])
build = build_user_workbook if shape == "user" else build_tracker
build(ours, rows)
build(plain, rows, productive=False)
package = open_package(plain)
copy.write_bytes(engine_copy(package, read_workbook(package), SCRATCH_SHEET).data)
"""

PROFILE = """\
<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
           xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" \
oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" \
oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


@dataclass
class Measure:
    seconds: float
    peak_mib: float
    cpu: float  # user and system seconds: less swayed than wall time by other work running


def measure(command: list[str]) -> Measure:
    """Wall time and peak resident memory of a command and everything it waited for."""
    # IronCalc writes a line to standard error for each formula cell without a cached value:
    # into a file, which a pipe nobody reads until the end would fill and block
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            errors.seek(0)
            error = errors.read().decode(errors="replace")
            raise RuntimeError(f"{' '.join(command[:4])} failed: {error[-2000:]}")
    return Measure(seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime)


def soffice() -> str | None:
    for found in (shutil.which("soffice"), "/usr/lib/libreoffice/program/soffice"):
        if found and Path(found).exists():
            return found
    return None


def libreoffice_command(work: Path) -> list[str] | None:
    """The command converting a workbook with a profile kept in ``work``, made once here."""
    program = soffice()
    if program is None:
        return None
    profile = work / "lo-profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(PROFILE, encoding="utf-8")
    (work / "lo-out").mkdir()
    return [
        program,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--convert-to",
        "xlsx",
        "--outdir",
        str(work / "lo-out"),
    ]


def shown(runs: list[Measure]) -> str:
    best = min(runs, key=lambda m: m.seconds)
    worst = max(m.seconds for m in runs)
    spread = f"-{worst:.2f}" if len(runs) > 1 else ""
    cpu = min(m.cpu for m in runs)
    return (
        f"{best.seconds:.2f}{spread} s (CPU {cpu:.2f} s), {max(m.peak_mib for m in runs):.0f} MiB"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--shapes", nargs="+", default=["user", "tracker"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    productive_xl = str(Path(sys.executable).with_name("productive-xl"))
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(HERE.parent / "productive_xl")], check=True
    )
    steps: list[str] = []
    table: list[str] = []
    cpu: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="productive-xl-bench-") as folder:
        work = Path(folder)
        libreoffice = libreoffice_command(work)
        for shape in args.shapes:
            for rows in args.rows:
                ours, plain = work / f"{shape}-{rows}.xlsx", work / f"{shape}-{rows}-plain.xlsx"
                copy = work / f"{shape}-{rows}-copy.xlsx"
                subprocess.run(
                    [sys.executable, "-c", BUILD, str(HERE), shape, str(rows)]
                    + [str(path) for path in (ours, plain, copy)],
                    check=True,
                )
                commands = {
                    "recalc": [productive_xl, "recalc", str(ours), "-o", str(work / "out.xlsx")],
                    "engine alone": [sys.executable, "-c", ENGINE_ALONE, str(plain)],
                    "engine, copy": [sys.executable, "-c", ENGINE_ALONE, str(copy)],
                    "floor": [sys.executable, "-c", FLOOR, str(ours), str(work / "copy.xlsx")],
                }
                if libreoffice is not None:
                    if rows == args.rows[0] and shape == args.shapes[0]:
                        measure([*libreoffice, str(plain)])  # the profile's first run fills it
                    commands["LibreOffice"] = [*libreoffice, str(plain)]
                runs: dict[str, list[Measure]] = {name: [] for name in commands}
                for _ in range(args.repeat):
                    for name, command in commands.items():
                        runs[name].append(measure(command))
                best = {name: min(m.seconds for m in r) for name, r in runs.items()}
                cpu.clear()
                cpu.update({name: min(m.cpu for m in r) for name, r in runs.items()})
                peak = {name: max(m.peak_mib for m in r) for name, r in runs.items()}

                def ratio(a: str, b: str, best: dict[str, float] = best) -> str:
                    return f"{best[a] / best[b]:.2f}x (CPU {cpu[a] / cpu[b]:.2f}x)"

                ratios = [
                    f"recalc/engine alone {ratio('recalc', 'engine alone')}",
                    f"recalc/engine copy {ratio('recalc', 'engine, copy')}",
                    f"recalc/floor {ratio('recalc', 'floor')}",
                ]
                if "LibreOffice" in best:
                    ratios += [
                        f"LibreOffice/recalc {ratio('LibreOffice', 'recalc')}",
                        f"memory recalc/LibreOffice {peak['recalc'] / peak['LibreOffice']:.2f}",
                    ]
                line = f"{shape} {rows:,} rows: " + "; ".join(
                    f"{name} {shown(r)}" for name, r in runs.items()
                )
                table.append(line + "\n    " + ", ".join(ratios))
                print(table[-1], flush=True)
                split = subprocess.run(
                    [sys.executable, "-c", STEPS, str(ours), str(work / "steps.xlsx")],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                steps.append(f"{shape} {rows:>7,}: {split.stdout.strip()}")
    print("\nrecalc's steps, CPU seconds of one run (calls+evaluate includes the engine's):")
    print("\n".join(steps))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
