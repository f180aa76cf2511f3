"""The engine's value of every formula cell of the corpus against the value Excel stored.

    .venv/bin/python tools/agreement.py [--corpus /work/corpus/excel-saved]
        [--out /work/corpus/agreement] [--timeout 10] [--jobs 1] [--only TEXT]

Each workbook is loaded into IronCalc exactly as ``productive-xl recalc`` feeds it (the
normalised copy of :func:`~productive_xl.headless.engine_copy.engine_package`, scratch sheet
included), evaluated once, and every formula cell read back. Each workbook runs in a process of
its own with a time limit, so a panic, a crash or a hang is recorded for that file and the run
goes on. The output folder gets:

* ``cells.jsonl``: one line a formula cell (and a cell an array formula fills): the workbook,
  sheet, cell, its formula as the file has it and as the engine reads it, Excel's value and
  type, the engine's value and type, whether they agree, and ``kept``: why recalc keeps the
  cell whatever the trusted list says (a function the engine lacks, a known difference of the
  engine, a doubtful value such as #CIRC!; :mod:`~productive_xl.headless.trust`), or null;
* ``files.jsonl``: one line a workbook: ok, unusable (productive_xl refuses the package),
  engine_refused (the engine raised an error loading it), engine_panicked, error (our code
  raised), crashed (the process died), timed_out; with the message and the stage;
* ``summary.json``: the counts, also printed.

**When values agree.** Same type, and: text, booleans and error codes equal exactly (an error
only the engine has, ``#ERROR!``, ``#N/IMPL!``, ``#CIRC!``, never agrees); numbers equal, or
within a relative difference of 1e-9. Excel stores the double it computed (17 significant
digits) and the engine computes in the same doubles, so the same algorithm in another order
differs by a few units in the last place (about 1e-16 relative); a difference of 1e-9 is six
orders of magnitude above that, yet below anything a cell shows (the General format shows at
most 10 or 11 significant digits, a number format fewer). Every number row also carries
``exact`` and ``relative_difference`` so that a stricter reading is possible from the dump.
A formula cell without a cached value is dumped with ``agree`` null and counted apart.

The classification by function and construct, and the agreement table, are
``tools/agreement_table.py``'s, run on this dump (``--table`` runs it after the dump).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from productive_xl.headless.engine_copy import engine_package
from productive_xl.headless.engine_workbook import EngineWorkbook
from productive_xl.headless.ironcalc_model import load_model, quiet_engine, read_value
from productive_xl.headless.productive_calls import SCRATCH_SHEET
from productive_xl.headless.references import MAX_ROW
from productive_xl.headless.trust import FormulaChecks, doubtful_value
from productive_xl.ooxml.cell_values import ErrorValue, cell_reference
from productive_xl.ooxml.package import UnusableWorkbook, open_package
from productive_xl.ooxml.sheet_values import formula_cells
from productive_xl.ooxml.workbook import read_workbook

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = Path("/work/corpus/excel-saved")
DEFAULT_OUT = Path("/work/corpus/agreement")
RELATIVE_TOLERANCE = 1e-9
ENGINE_MEMORY = 4 * 1024**3  # bytes of address space a workbook's process may take
_VERDICTS = {True: "agree", False: "disagree", None: "no_cached_value"}
ENGINE_ONLY_ERRORS = frozenset({"#ERROR!", "#N/IMPL!", "#CIRC!"})


# --- the worker: one workbook, in its own process ----------------------------------------------


def _typed(value: Any) -> tuple[Any, str]:
    """A cell value as JSON holds it, and its type: number, text, bool, error or empty."""

    if value is None:
        return None, "empty"
    if isinstance(value, ErrorValue):
        return value.code, "error"
    if isinstance(value, bool):
        return value, "bool"
    if isinstance(value, str):
        return value, "text"
    number = float(value)
    return (number if math.isfinite(number) else repr(number)), "number"


def compare(excel: Any, engine: Any) -> dict[str, Any]:
    """Whether the engine's value agrees with Excel's (see the module's documentation)."""

    if excel is None:
        return {"agree": None}
    if isinstance(excel, bool) or isinstance(engine, bool):
        return {"agree": type(excel) is type(engine) and excel == engine}
    if isinstance(excel, ErrorValue):
        same = isinstance(engine, ErrorValue) and engine.code == excel.code
        return {"agree": same and engine.code not in ENGINE_ONLY_ERRORS}
    if isinstance(excel, str):
        return {"agree": isinstance(engine, str) and engine == excel}
    if not isinstance(engine, (int, float)):
        return {"agree": False}
    a, b = float(excel), float(engine)
    if a == b:
        return {"agree": True, "exact": True, "relative_difference": 0.0}
    scale = max(abs(a), abs(b))
    relative = abs(a - b) / scale if math.isfinite(scale) and scale else math.inf
    return {
        "agree": relative <= RELATIVE_TOLERANCE,
        "exact": False,
        "relative_difference": relative if math.isfinite(relative) else None,
    }


def _work_on(path: Path, name: str, rows_file: Path) -> dict[str, Any]:  # noqa: PLR0915
    """Dump the rows of one workbook into ``rows_file``; the status of the file."""

    stage = "open"
    try:
        package = open_package(path)
        info = read_workbook(package)
        stage = "scan"
        cells = {
            sheet.name: formula_cells(package.read(sheet.part))
            for sheet in info.worksheets()
            if sheet.part is not None and package.has(sheet.part)
        }
        stage = "copy"
        copy = engine_package(package, info, SCRATCH_SHEET)
    except UnusableWorkbook as problem:
        return {"status": "unusable", "stage": stage, "message": problem.problem}
    except Exception as error:
        return {"status": "error", "stage": stage, "message": f"{type(error).__name__}: {error}"}
    stage = "load"
    try:
        model = load_model(copy)
        stage = "evaluate"
        with quiet_engine():
            model.evaluate()
    except BaseException as error:
        if isinstance(error, KeyboardInterrupt | SystemExit):
            raise
        panicked = type(error).__name__ == "PanicException"
        status = "engine_panicked" if panicked else "engine_refused"
        return {"status": status, "stage": stage, "message": f"{type(error).__name__}: {error}"}

    stage = "checks"
    workbook = EngineWorkbook(model, info)
    checks = None
    if workbook.has_sheet(SCRATCH_SHEET):
        parts = [package.read(s.part) for s in info.worksheets() if s.part and s.name in cells]
        probe = (workbook.index(SCRATCH_SHEET), MAX_ROW, 1)
        checks = FormulaChecks(workbook, parts, probe, by_evidence=False)
    stage = "read"
    sheet_index = {p["name"].casefold(): i for i, p in enumerate(model.get_worksheets_properties())}
    counts: Counter[str] = Counter()
    with rows_file.open("w", encoding="utf-8") as out:
        for sheet, sheet_cells in cells.items():
            index = sheet_index.get(sheet.casefold())
            for (row, column), cell in sorted(sheet_cells.items()):
                if index is None:
                    engine, engine_formula = None, None
                else:
                    engine = read_value(model, index, row, column)
                    engine_formula = model.get_cell_formula(index, row, column)
                excel_value, excel_type = _typed(cell.cached)
                engine_value, engine_type = _typed(engine)
                verdict = compare(cell.cached, engine)
                kept = None
                if index is not None and cell.has_formula:
                    kept = checks.known_difference(sheet, cell) if checks else "no scratch sheet"
                    kept = kept or doubtful_value(cell, engine)
                counts["cells"] += 1
                if not cell.has_formula:
                    counts["array_fill"] += 1
                    counts[f"array_fill_{_VERDICTS[verdict['agree']]}"] += 1
                if verdict.get("exact") is False and verdict["agree"]:
                    counts["agree_within_tolerance"] += 1
                counts[
                    {True: "agree", False: "disagree", None: "no_cached_value"}[verdict["agree"]]
                ] += 1
                record = {
                    "workbook": name,
                    "sheet": sheet,
                    "cell": cell_reference(row, column),
                    "formula": cell.formula,
                    "engine_formula": engine_formula,
                    "formula_type": cell.formula_type,
                    "array_fill": not cell.has_formula,
                    "excel": excel_value,
                    "excel_type": excel_type,
                    "engine": engine_value,
                    "engine_type": engine_type,
                    **verdict,
                    "kept": kept,
                }
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return {
        "status": "ok",
        **counts,
        "sheet_missing_in_engine": sorted(s for s in cells if s.casefold() not in sheet_index),
    }


def _worker(path: str, name: str, rows_file: str, status_file: str) -> int:
    resource.setrlimit(resource.RLIMIT_AS, (ENGINE_MEMORY, ENGINE_MEMORY))
    started = time.perf_counter()
    status = _work_on(Path(path), name, Path(rows_file))
    status["seconds"] = round(time.perf_counter() - started, 3)
    Path(status_file).write_text(json.dumps(status, ensure_ascii=False), encoding="utf-8")
    return 0


# --- the run: every workbook, one process each -------------------------------------------------


def run_one(path: Path, name: str, timeout: float, scratch: Path) -> tuple[dict[str, Any], Path]:
    """Run the worker on one workbook; its status and the file its rows are in."""
    key = hashlib.sha1(name.encode()).hexdigest()
    rows, status_file = scratch / f"{key}.rows", scratch / f"{key}.status"
    command = [sys.executable, __file__, "--worker", str(path), name, str(rows), str(status_file)]
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        status: dict[str, Any] = {"status": "timed_out", "seconds": timeout}
        rows.unlink(missing_ok=True)
    else:
        if status_file.is_file():
            status = json.loads(status_file.read_text(encoding="utf-8"))
        else:
            tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            status = {
                "status": "crashed",
                "returncode": done.returncode,
                "message": " | ".join(tail),
                "seconds": round(time.perf_counter() - started, 3),
            }
    status_file.unlink(missing_ok=True)
    return {"workbook": name, **status}, rows


_COUNTED = (
    "cells",
    "agree",
    "disagree",
    "no_cached_value",
    "agree_within_tolerance",
    "array_fill",
    "array_fill_agree",
    "array_fill_disagree",
)


def run(corpus: Path, out: Path, timeout: float, jobs: int, only: str | None) -> dict[str, Any]:
    workbooks = sorted(
        p for p in corpus.rglob("*") if p.suffix.lower() in (".xlsx", ".xlsm") and p.is_file()
    )
    if only:
        workbooks = [p for p in workbooks if only.casefold() in str(p).casefold()]
    out.mkdir(parents=True, exist_ok=True)
    totals: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    files_disagreeing = 0
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="agreement-") as scratch,
        (out / "cells.jsonl").open("w", encoding="utf-8") as cells_out,
        (out / "files.jsonl").open("w", encoding="utf-8") as files_out,
        ThreadPoolExecutor(max_workers=jobs) as pool,
    ):
        names = [p.relative_to(corpus).as_posix() for p in workbooks]
        results = pool.map(
            lambda pair: run_one(pair[0], pair[1], timeout, Path(scratch)),
            zip(workbooks, names, strict=True),
        )
        for done, (status, rows) in enumerate(results, 1):
            statuses[status["status"]] += 1
            for key in _COUNTED:
                totals[key] += status.get(key, 0)
            files_disagreeing += status.get("disagree", 0) > 0
            if rows.is_file():
                with rows.open(encoding="utf-8") as part:
                    for line in part:
                        cells_out.write(line)
                rows.unlink()
            files_out.write(json.dumps(status, ensure_ascii=False) + "\n")
            if done % 50 == 0:
                print(f"{done}/{len(workbooks)} workbooks", file=sys.stderr)
    summary = {
        "workbooks": len(workbooks),
        "files": dict(statuses.most_common()),
        "files_with_a_disagreeing_cell": files_disagreeing,
        "cells": totals["cells"],
        "cells_agreeing": totals["agree"],
        "cells_disagreeing": totals["disagree"],
        "cells_without_cached_value": totals["no_cached_value"],
        "cells_agreeing_within_tolerance_not_exactly": totals["agree_within_tolerance"],
        "of_them_cells_an_array_formula_fills": {
            "cells": totals["array_fill"],
            "agreeing": totals["array_fill_agree"],
            "disagreeing": totals["array_fill_disagree"],
        },
        "relative_tolerance": RELATIVE_TOLERANCE,
        "timeout_seconds": timeout,
        "seconds": round(time.perf_counter() - started, 1),
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def main(argv: list[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["--worker"]:
        return _worker(*arguments[1:5])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds a workbook")
    parser.add_argument("--jobs", type=int, default=1, help="workbooks at once")
    parser.add_argument("--only", help="only the workbooks whose path holds this text")
    parser.add_argument(
        "--table", action="store_true", help="then write the agreement table from the dump"
    )
    options = parser.parse_args(arguments)
    summary = run(options.corpus, options.out, options.timeout, options.jobs, options.only)
    print(json.dumps(summary, indent=2))
    print(f"rows in {options.out / 'cells.jsonl'}, files in {options.out / 'files.jsonl'}")
    if options.table:
        from agreement_table import main as table  # noqa: PLC0415 (a script beside this one)

        return table(["--corpus", str(options.corpus), "--dump", str(options.out)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
