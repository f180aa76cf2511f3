"""Run ``productive-xl recalc`` over every workbook of the corpus, one process at a time.

    .venv/bin/python tools/recalc_corpus.py /work/corpus/excel-saved --timeout 60

Each workbook is copied into a temporary folder and recalculated there by the command itself
(``productive-xl recalc COPY -o OUT --report REPORT --timeout SECONDS``), so the corpus is never
written. It prints, per exit status, how many workbooks ended so; every run whose standard error
holds a traceback (it must be none); and for each workbook that did not end with exit 0 because
it was refused, timed out or the engine failed (``kept`` in the report), the reason. With
``--jsonl FILE`` it writes one line per workbook.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

SUFFIXES = (".xlsx", ".xlsm")


def run_one(workbook: Path, folder: Path, timeout: float, command: list[str]) -> dict[str, object]:
    copy = folder / ("in" + workbook.suffix.lower())
    out = folder / ("out" + workbook.suffix.lower())
    report = folder / "report.json"
    for path in (copy, out, report):
        path.unlink(missing_ok=True)
    shutil.copyfile(workbook, copy)
    started = time.monotonic()
    try:
        done = subprocess.run(
            [
                *command,
                "recalc",
                str(copy),
                "-o",
                str(out),
                "--report",
                str(report),
                "--timeout",
                str(timeout),
            ],
            capture_output=True,
            text=True,
            timeout=timeout + 60,  # the process must end by itself; this only guards the run
            check=False,
        )
        status, stderr = done.returncode, done.stderr
    except subprocess.TimeoutExpired:
        status, stderr = "hung", ""
    row: dict[str, object] = {
        "workbook": str(workbook),
        "status": status,
        "seconds": round(time.monotonic() - started, 2),
        "traceback": "Traceback (most recent call last)" in stderr or "panicked at" in stderr,
        "stderr": stderr.strip()[-500:],
        "input_untouched": copy.read_bytes() == workbook.read_bytes(),
    }
    if report.exists():
        data = json.loads(report.read_text(encoding="utf-8"))
        row["kept"] = data.get("kept")
        reasons = Counter(
            "data table" if "data table" in item["reason"] else "other"
            for item in data["not_recalculated"]
        )
        row["data_table_cells"] = reasons["data table"]
        row["formula_cells"] = data["formula_cells"]
        row["recalculated"] = data["recalculated"]
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--jsonl", type=Path)
    parser.add_argument("--command", default=str(Path(sys.executable).with_name("productive-xl")))
    args = parser.parse_args()
    workbooks = sorted(p for p in args.corpus.rglob("*") if p.suffix.lower() in SUFFIXES)
    rows = []
    with tempfile.TemporaryDirectory(prefix="recalc-corpus-") as folder:
        for number, workbook in enumerate(workbooks, 1):
            row = run_one(workbook, Path(folder), args.timeout, [args.command])
            rows.append(row)
            print(f"{number}/{len(workbooks)} {row['status']} {workbook.name}", file=sys.stderr)
    if args.jsonl:
        args.jsonl.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    statuses = Counter(str(r["status"]) for r in rows)
    print(
        f"{len(rows)} workbooks; exit statuses: "
        + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items()))
    )
    print(f"tracebacks or panic messages: {sum(1 for r in rows if r['traceback'])}")
    print(f"inputs changed: {sum(1 for r in rows if not r['input_untouched'])}")
    with_tables = [r for r in rows if r.get("data_table_cells")]
    print(f"workbooks with data tables (their cells kept and reported): {len(with_tables)}")
    for r in with_tables:
        print(
            f"  {Path(str(r['workbook'])).name}: exit {r['status']}, "
            f"{r['data_table_cells']} data-table cells kept"
        )
    kept = [r for r in rows if r.get("kept")]
    print(f"workbooks kept whole (every formula keeps its value): {len(kept)}")
    for r in kept:
        print(
            f"  {Path(str(r['workbook'])).name}: exit {r['status']}, {r['seconds']} s: {r['kept']}"
        )
    for r in rows:
        if r["traceback"] or r["status"] not in (0, 3):
            print(f"  exit {r['status']}: {Path(str(r['workbook'])).name}: {r['stderr'][-300:]}")
    return 1 if any(r["traceback"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
