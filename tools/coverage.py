"""How much of the corpus recalc recalculates, and whether any value it writes is wrong.

    .venv/bin/python tools/coverage.py [--corpus /work/corpus/excel-saved]
        [--dump /work/corpus/agreement] [--timeout 60]

Each workbook Excel saved is copied and recalculated by
:func:`productive_xl.headless.recalc.recalc` (in a process of its own, with a time limit), and
every formula cell of the output read back: a cell recalculated (not in the report's
not-recalculated list) whose value differs from the one Excel stored (by the agreement rule of
``tools/agreement.py``) is a **wrong value**. Cells calling NOW, TODAY, RAND, RANDBETWEEN or
RANDARRAY, and cells reading them (through any chain), are left out: Excel's value is of
another moment. The classification of ``tools/agreement_table.py``
(``<dump>/classified.jsonl``) tells which those are. Writes ``<dump>/coverage.json`` and prints
it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from agreement import compare  # noqa: E402

from productive_xl.headless.formula_features import volatile  # noqa: E402
from productive_xl.headless.references import (  # noqa: E402
    Area,
    dependents,
    formula_areas,
    parse_area,
)
from productive_xl.ooxml.cell_values import cell_position, cell_reference  # noqa: E402
from productive_xl.ooxml.package import open_package  # noqa: E402
from productive_xl.ooxml.sheet_values import formula_cells  # noqa: E402
from productive_xl.ooxml.workbook import read_workbook  # noqa: E402

DEFAULT_CORPUS = Path("/work/corpus/excel-saved")
DEFAULT_DUMP = Path("/work/corpus/agreement")


def _cached(path: Path) -> dict[tuple[str, int, int], Any]:
    package = open_package(path)
    info = read_workbook(package)
    return {
        (sheet.name, row, column): cell.cached
        for sheet in info.worksheets()
        if sheet.part is not None and package.has(sheet.part)
        for (row, column), cell in formula_cells(package.read(sheet.part)).items()
    }


def _worker(path: str, status_file: str) -> int:
    from productive_xl.headless.recalc import recalc  # noqa: PLC0415
    from productive_xl.ooxml.cell_values import ErrorValue  # noqa: PLC0415

    started = time.perf_counter()
    status: dict[str, Any]
    with tempfile.TemporaryDirectory(prefix="coverage-") as scratch:
        copy = Path(scratch) / Path(path).name
        shutil.copyfile(path, copy)
        out = Path(scratch) / ("out" + copy.suffix)
        try:
            report = recalc(copy, out)
        except Exception as error:
            status = {"status": "error", "message": f"{type(error).__name__}: {error}"}
        else:
            kept = {item["cell"] for item in report.not_recalculated}
            before, after = _cached(copy), _cached(out)
            wrong = []
            for key, excel in before.items():
                sheet, row, column = key
                name = f"{sheet}!{cell_reference(row, column)}"
                if name in kept or f"'{sheet}'!{cell_reference(row, column)}" in kept:
                    continue
                if excel is None:
                    continue
                written = after.get(key)
                if not compare(excel, written)["agree"]:
                    wrong.append(
                        {
                            "sheet": sheet,
                            "cell": cell_reference(row, column),
                            "excel": excel.code if isinstance(excel, ErrorValue) else excel,
                            "written": written.code if isinstance(written, ErrorValue) else written,
                        }
                    )
            status = {
                "status": "ok",
                "formula_cells": report.formula_cells,
                "recalculated": report.recalculated,
                "kept": sorted((item["cell"], item["reason"]) for item in report.not_recalculated),
                "wrong": wrong,
            }
    status["seconds"] = round(time.perf_counter() - started, 3)
    Path(status_file).write_text(json.dumps(status, ensure_ascii=False, default=str), "utf-8")
    return 0


def _name_areas(path: Path) -> dict[str, list[Area]]:
    areas: dict[str, list[Area]] = defaultdict(list)
    try:
        for name in read_workbook(open_package(path)).defined_names:
            area = parse_area(name.formula.lstrip("="), "")
            if area is not None:
                areas[name.name.lower()].append(area)
    except Exception:
        return {}
    return areas


def _volatile_cells(
    rows: list[dict[str, Any]], names: dict[str, list[Area]]
) -> set[tuple[str, int, int]]:
    """The cells of one workbook calling a volatile function or reading one (case-folded),
    through names too; a cell with no formula of its own (one an array fills) reads its
    array's first cell."""
    sources = set()
    precedents = {}
    anchors = [
        (row["sheet"], cell_position(row["cell"]))
        for row in rows
        if row["formula"] or row["engine_formula"]
    ]
    for row in rows:
        r, c = cell_position(row["cell"])
        key = (row["sheet"].casefold(), r, c)
        if volatile(frozenset(row["features"])):
            sources.add(key)
        text = row["engine_formula"] or row["formula"]
        if text:
            precedents[key] = formula_areas(text, row["sheet"], names)
        else:  # filled by an array: it reads the nearest formula above or to its left
            above = [
                (r, c)
                for s, (r, c) in anchors
                if s == row["sheet"] and (c == key[2] or r == key[1])
            ]
            near = [p for p in above if p <= (key[1], key[2])]
            if near:
                r, c = max(near)
                precedents[key] = [Area(key[0], r, c, r, c)]
    return sources | set(dependents(sources, precedents))


def run(corpus: Path, dump: Path, timeout: float) -> dict[str, Any]:
    classified: dict[str, list[dict[str, Any]]] = defaultdict(list)
    with (dump / "classified.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            classified[row["workbook"]].append(
                {k: row[k] for k in ("sheet", "cell", "features", "formula", "engine_formula")}
            )
    workbooks = sorted(
        p for p in corpus.rglob("*") if p.suffix.lower() in (".xlsx", ".xlsm") and p.is_file()
    )
    totals: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    wrong_cells: list[dict[str, Any]] = []
    statuses: Counter[str] = Counter()
    with tempfile.TemporaryDirectory(prefix="coverage-") as scratch:
        status_file = Path(scratch) / "status.json"
        for done, path in enumerate(workbooks, 1):
            name = path.relative_to(corpus).as_posix()
            command = [sys.executable, __file__, "--worker", str(path), str(status_file)]
            try:
                subprocess.run(command, capture_output=True, timeout=timeout, check=False)
                status = json.loads(status_file.read_text("utf-8"))
            except subprocess.TimeoutExpired:
                status = {"status": "timed_out"}
            except (OSError, ValueError):
                status = {"status": "crashed"}
            status_file.unlink(missing_ok=True)
            statuses[status["status"]] += 1
            if done % 50 == 0:
                print(f"{done}/{len(workbooks)} workbooks", file=sys.stderr)
            if status["status"] != "ok":
                continue
            moment = _volatile_cells(classified.get(name, []), _name_areas(path))
            kept = {cell for cell, _ in status["kept"]}
            for _, reason in status["kept"]:
                reasons["depends on a kept cell" if reason.startswith("depends") else reason] += 1
            totals["formula_cells"] += status["formula_cells"]
            totals["recalculated"] += status["recalculated"]
            totals["volatile"] += len(moment)
            totals["volatile_kept"] += sum(1 for cell in kept if _folded_key(cell) in moment)
            for item in status["wrong"]:
                key = (item["sheet"].casefold(), *cell_position(item["cell"]))
                if key in moment:
                    totals["wrong_but_volatile"] += 1
                    continue
                wrong_cells.append({"workbook": name, **item})
    non_volatile = totals["formula_cells"] - totals["volatile"]
    recalculated = totals["recalculated"] - (totals["volatile"] - totals["volatile_kept"])
    summary = {
        "workbooks": dict(statuses),
        "formula_cells": totals["formula_cells"],
        "volatile_cells_left_out": totals["volatile"],
        "non_volatile_formula_cells": non_volatile,
        "non_volatile_recalculated": recalculated,
        "share_recalculated": round(recalculated / non_volatile, 4) if non_volatile else None,
        "wrong_values": len(wrong_cells),
        "wrong_values_left_out_as_volatile": totals["wrong_but_volatile"],
        "wrong": wrong_cells[:200],
        "kept_reasons": dict(reasons.most_common(60)),
    }
    (dump / "coverage.json").write_text(json.dumps(summary, indent=1, default=str) + "\n")
    return summary


def _folded_key(cell: str) -> tuple[str, int, int]:
    sheet, _, address = cell.rpartition("!")
    if sheet.startswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return (sheet.casefold(), *cell_position(address))


def main(argv: list[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["--worker"]:
        return _worker(*arguments[1:3])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--dump", type=Path, default=DEFAULT_DUMP)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds a workbook")
    options = parser.parse_args(arguments)
    summary = run(options.corpus, options.dump, options.timeout)
    shown = {k: v for k, v in summary.items() if k not in ("wrong", "kept_reasons")}
    print(json.dumps(shown, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
