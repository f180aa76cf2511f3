"""The agreement table: for each function and construct, the corpus cells where the engine
agreed with Excel and those where it did not, from the dump of ``tools/agreement.py``.

    .venv/bin/python tools/agreement_table.py [--corpus /work/corpus/excel-saved]
        [--dump /work/corpus/agreement]

Writes ``benchmarks/agreement.md`` (the table, for people) and
``productive_xl/headless/agreement.json`` (the counts recalc derives its trusted list from,
:mod:`productive_xl.headless.trust_list`).

Each formula cell is classified by :func:`~productive_xl.headless.formula_features.features`
(the cells an array formula fills take their formula's features), and its evidence attributed:

* **volatile**: it calls NOW, TODAY, RAND, RANDBETWEEN or RANDARRAY; Excel's value was of
  another moment, so it counts neither for nor against anything;
* **kept**: recalc keeps it whatever the list says (the dump's ``kept``: a function the engine
  lacks, a difference of the engine recalc checks for by value, a doubtful value such as
  #CIRC! or an error where Excel gave another), so it is no evidence either;
* **stale**: Excel's stored value is shown stale by hand (:data:`STALE`, each with why);
* **inherited**: a formula cell it reads (:func:`~productive_xl.headless.references.formula_areas`,
  names followed) disagreed, is kept or is volatile, or it disagreed and a cell it reads
  agreed only within the tolerance (not exactly: a difference of two such cells can lose the
  digits they agree in); whatever it shows, it counts for nothing;
* otherwise it counts **for** each of its features when it agreed; when it disagreed it counts
  **against** each of its features, unless one of them is already untrusted for want of evidence
  or by rule (then the disagreement is *explained*: recalc keeps that cell whatever the others
  are, and the others' columns show it apart).
"""

from __future__ import annotations

import argparse
import json
import sys
from bisect import bisect_left
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from productive_xl.headless.formula_features import (  # noqa: E402
    ARRAY_FORMULA,
    features,
    is_construct,
    name_kinds,
    volatile,
)
from productive_xl.headless.references import Area, formula_areas, parse_area  # noqa: E402
from productive_xl.headless.trust_list import (  # noqa: E402
    MIN_CELLS,
    MIN_WORKBOOKS,
    NEVER_TRUSTED,
    PROVEN,
)
from productive_xl.ooxml.cell_values import cell_position  # noqa: E402
from productive_xl.ooxml.package import open_package  # noqa: E402
from productive_xl.ooxml.sheet_values import formula_cells  # noqa: E402
from productive_xl.ooxml.workbook import read_workbook  # noqa: E402

DEFAULT_CORPUS = Path("/work/corpus/excel-saved")
DEFAULT_DUMP = Path("/work/corpus/agreement")
TABLE_MD = ROOT / "benchmarks" / "agreement.md"
TABLE_JSON = ROOT / "productive_xl" / "headless" / "agreement.json"
EXAMPLES = 3

Key = tuple[str, int, int]

# Cells whose value Excel stored is shown stale by hand, or misread by our reader: they count
# for nothing.
STALE = {
    ("qax-os+excelize/test__CalcChain.xlsx", "Sheet1", "B1"): (
        "SUM(C1:D1) of two empty cells stored as 1; A1 beside it, the same formula, stores 0"
    ),
    ("SheetJS+test_files/crlf__crlf.xlsx", "Sheet1", "B2"): (
        "the stored text is abc_x000D_ and a raw CR LF, which XML reads as a line feed: Excel's"
        " value is abc CR LF def, as the engine gives; the dump's reader kept the raw CR"
    ),
}


class _Workbook:
    """What classifying one workbook's cells needs from its file: names and array formulas."""

    def __init__(self, path: Path):
        package = open_package(path)
        info = read_workbook(package)
        pairs = [(n.name, n.formula) for n in info.defined_names]
        self.kinds = name_kinds(pairs)
        self.name_areas: dict[str, list[Area]] = defaultdict(list)
        for name, formula in pairs:
            area = parse_area(formula.lstrip("="), "")
            if area is not None:
                self.name_areas[name.lower()].append(area)
        # the anchor of each array formula, and the area it fills, by sheet (case-folded)
        self.arrays: dict[str, list[tuple[Area, tuple[int, int]]]] = defaultdict(list)
        self.one_cell: set[tuple[str, int, int]] = set()  # array formulas of one cell
        for sheet in info.worksheets():
            if sheet.part is None or not package.has(sheet.part):
                continue
            for (row, column), cell in formula_cells(package.read(sheet.part)).items():
                if cell.has_formula and cell.array_range:
                    area = parse_area(cell.array_range, sheet.name)
                    if area is not None:
                        self.arrays[sheet.name.casefold()].append((area, (row, column)))
                    if ":" not in cell.array_range:
                        self.one_cell.add((sheet.name.casefold(), row, column))

    def anchor(self, sheet: str, row: int, column: int) -> tuple[int, int] | None:
        for area, anchor in self.arrays.get(sheet.casefold(), ()):
            if area.holds(row, column):
                return anchor
        return None


def _bad_cells_reader(bad: set[Key]) -> dict[str, dict[int, list[int]]]:
    by_sheet: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for sheet, row, column in bad:
        by_sheet[sheet][column].append(row)
    for columns in by_sheet.values():
        for rows in columns.values():
            rows.sort()
    return by_sheet


def _reads_bad(areas: list[Area], bad: dict[str, dict[int, list[int]]], itself: Key) -> bool:
    for area in areas:
        columns = bad.get(area.sheet)
        if not columns:
            continue
        for column, rows in columns.items():
            if not area.left <= column <= area.right:
                continue
            at = bisect_left(rows, area.top)
            while at < len(rows) and rows[at] <= area.bottom:
                if (area.sheet, rows[at], column) != itself:
                    return True
                at += 1
    return False


def _rows_by_workbook(dump: Path) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    with (dump / "cells.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            rows[row["workbook"]].append(row)
    return rows


def classify(corpus: Path, dump: Path) -> tuple[list[dict[str, Any]], Counter[str]]:  # noqa: PLR0912
    """Every cell of the dump with its features and its evidence (``for``, ``against``,
    ``inherited``, ``volatile``, ``no_cached_value``); and counts of what could not be read."""
    classified: list[dict[str, Any]] = []
    problems: Counter[str] = Counter()
    for name, rows in sorted(_rows_by_workbook(dump).items()):
        try:
            book = _Workbook(corpus / name)
        except Exception:
            problems["workbook unreadable"] += 1
            continue
        found: dict[Key, frozenset[str]] = {}
        formulas: dict[Key, str] = {}
        for row in rows:
            r, c = cell_position(row["cell"])
            key = (row["sheet"].casefold(), r, c)
            text = row["formula"] or row["engine_formula"]
            if text is not None:
                formulas[key] = text
                found[key] = features(
                    text,
                    array=row["formula_type"] == "array",
                    one_cell=key in book.one_cell,
                    shared=row["formula_type"] == "shared",
                    names=book.kinds,
                )
        for row in rows:
            r, c = cell_position(row["cell"])
            key = (row["sheet"].casefold(), r, c)
            if key not in found:
                anchor = book.anchor(row["sheet"], r, c)
                anchor_key = (key[0], *anchor) if anchor else None
                found[key] = found.get(anchor_key, frozenset({ARRAY_FORMULA}))  # type: ignore[arg-type]
        bad = {
            key
            for row in rows
            for key in [(row["sheet"].casefold(), *cell_position(row["cell"]))]
            if row["agree"] is False or row.get("kept") or volatile(found[key])  # type: ignore[index]
        }
        bad_cells = _bad_cells_reader(bad)  # type: ignore[arg-type]
        # agreeing within the tolerance, not exactly: a difference of such cells can disagree
        inexact = _bad_cells_reader(
            {
                (row["sheet"].casefold(), *cell_position(row["cell"]))  # type: ignore[misc]
                for row in rows
                if row.get("exact") is False and row["agree"]
            }
        )
        for row in rows:
            r, c = cell_position(row["cell"])
            key = (row["sheet"].casefold(), r, c)
            areas = formula_areas(formulas.get(key, ""), row["sheet"], book.name_areas)
            if row["agree"] is None:
                evidence = "no_cached_value"
            elif (name, row["sheet"], row["cell"]) in STALE:
                evidence = "stale"
            elif volatile(found[key]):
                evidence = "volatile"
            elif row.get("kept"):
                evidence = "kept"  # recalc keeps it whatever the list says: no evidence
            elif row["engine"] == "#CIRC!":
                evidence = "circular"  # recalc never writes #CIRC!: it keeps the cell
            elif _reads_bad(areas, bad_cells, key) or (
                row["agree"] is False and _reads_bad(areas, inexact, key)
            ):
                evidence = "inherited"
            else:
                evidence = "for" if row["agree"] else "against"
            classified.append({**row, "features": sorted(found[key]), "evidence": evidence})
    return classified, problems


def _blame(
    table: dict[str, dict[str, Any]], short: set[str], cells: list[frozenset[str]]
) -> set[str]:
    """The features to distrust so that every disagreeing cell uses an untrusted one.

    A disagreeing cell that uses a feature of ``short`` (untrusted anyway) is explained by it;
    any other is blamed on its feature with the least evidence of agreeing (the fewest agreeing
    cells). Then a blamed feature whose disagreeing cells all turn out explained by the others
    is cleared (the best-evidenced first), so that each one left has a disagreeing cell that
    only it explains."""
    chosen = {
        min(cell, key=lambda f: (table[f]["agree"], f)) for cell in cells if short.isdisjoint(cell)
    }
    kept = set(chosen)
    for feature in sorted(chosen, key=lambda f: (-table[f]["agree"], f)):
        rest = short | (kept - {feature})
        if all(not rest.isdisjoint(cell) for cell in cells if feature in cell):
            kept.discard(feature)
    return kept


def tabulate(classified: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """For each feature: cells for, against (blamed or explained), inherited, volatile,
    workbooks where it agreed, examples of disagreement; and whether it is trusted."""
    table: dict[str, dict[str, Any]] = defaultdict(
        lambda: {
            "agree": 0,
            "disagree": 0,
            "disagree_explained": 0,
            "inherited": 0,
            "volatile": 0,
            "workbooks": set(),
            "examples": [],
        }
    )
    for cell in classified:
        for feature in cell["features"]:
            entry = table[feature]
            if cell["evidence"] == "for":
                entry["agree"] += 1
                entry["workbooks"].add(cell["workbook"])
            elif cell["evidence"] in ("inherited", "volatile"):
                entry[cell["evidence"]] += 1
    short = {
        f
        for f, e in table.items()
        if f in NEVER_TRUSTED or e["agree"] < MIN_CELLS or len(e["workbooks"]) < MIN_WORKBOOKS
    }
    against = [cell for cell in classified if cell["evidence"] == "against"]
    blamed = _blame(table, short, [frozenset(cell["features"]) for cell in against])
    untrusted = short | blamed
    for cell in against:
        for feature in cell["features"]:
            entry = table[feature]
            others = untrusted.intersection(cell["features"]) - {feature}
            entry["disagree_explained" if others else "disagree"] += 1
            examples = entry["examples"]
            if (
                len(examples) < EXAMPLES
                and not others
                and all(e["workbook"] != cell["workbook"] for e in examples)
            ):
                examples.append(
                    {
                        "workbook": cell["workbook"],
                        "cell": f"{cell['sheet']}!{cell['cell']}",
                        "formula": cell["formula"] or cell["engine_formula"],
                        "excel": cell["excel"],
                        "engine": cell["engine"],
                    }
                )
    result: dict[str, dict[str, Any]] = {}
    for feature, entry in sorted(table.items()):
        workbooks = len(entry["workbooks"])
        result[feature] = {
            "kind": "construct" if is_construct(feature) else "function",
            "agree": entry["agree"],
            "disagree": entry["disagree"],
            "disagree_explained": entry["disagree_explained"],
            "inherited": entry["inherited"],
            "volatile": entry["volatile"],
            "workbooks": workbooks,
            "examples": entry["examples"],
        }
    return result


def _cell(text: object, width: int = 60) -> str:
    shown = str(text).replace("|", "\\|").replace("\n", " ")
    return shown if len(shown) <= width else shown[: width - 1] + "…"


def write_markdown(table: dict[str, dict[str, Any]], totals: Counter[str], path: Path) -> None:
    from productive_xl.headless.trust_list import trusted_by_evidence  # noqa: PLC0415

    trusted = trusted_by_evidence(table)
    lines = [
        "# Agreement of the formula engine with Excel, by function and construct",
        "",
        "Made by `.venv/bin/python tools/agreement.py` (the engine's value of every formula cell",
        "of the corpus of workbooks Excel saved) and then `.venv/bin/python",
        "tools/agreement_table.py` (this table, and `productive_xl/headless/agreement.json`",
        "that recalc derives its trusted list from). Do not edit by hand.",
        "",
        f"Cells: {totals['cells']:,}. Counting for or against their features:"
        f" {totals['for'] + totals['against']:,} ({totals['for']:,} agree,"
        f" {totals['against']:,} disagree). Counting for nothing: volatile (NOW, TODAY,"
        f" RAND...) {totals['volatile']:,}; kept by recalc whatever the list says (a function"
        f" the engine lacks, a difference it is known to have, #CIRC!, an error where Excel"
        f" stored another) {totals['kept']:,}; inherited (a formula cell they read disagreed,"
        f" is kept or is volatile) {totals['inherited']:,}; stale or misread (each shown by"
        f" hand in the script) {totals['stale']:,}; circular {totals['circular']:,}; no cached"
        f" value {totals['no_cached_value']:,}.",
        "",
        f"**Trusted** (T) by evidence: no disagreeing cell of its own, at least {MIN_CELLS}"
        f" agreeing cells in at least {MIN_WORKBOOKS} workbooks, and not untrusted by rule."
        " *Explained* disagreements are cells that also use a feature untrusted for want of"
        " evidence or by rule: recalc keeps them whatever this feature is. P: proven by a test"
        " of ours (see `productive_xl/headless/trust_list.py`). N: never trusted, by rule.",
        "",
        "| feature | | agree | disagree | explained | inherited | workbooks | disagreeing, e.g. |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for feature, entry in sorted(
        table.items(), key=lambda item: (item[1]["kind"] != "construct", item[0])
    ):
        mark = (
            "N"
            if feature in NEVER_TRUSTED
            else "P"
            if feature in PROVEN
            else "T"
            if feature in trusted
            else ""
        )
        examples = "<br>".join(
            _cell(
                f"{e['workbook'].split('/')[-1]} {e['cell']} `={e['formula']}`: Excel"
                f" {e['excel']!r}, engine {e['engine']!r}",
                140,
            )
            for e in entry["examples"]
        )
        lines.append(
            f"| {_cell(feature)} | {mark} | {entry['agree']:,} | {entry['disagree']:,} |"
            f" {entry['disagree_explained']:,} | {entry['inherited']:,} |"
            f" {entry['workbooks']:,} | {examples} |"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--dump", type=Path, default=DEFAULT_DUMP)
    options = parser.parse_args(argv)
    classified, problems = classify(options.corpus, options.dump)
    totals: Counter[str] = Counter(cell["evidence"] for cell in classified)
    totals["cells"] = len(classified)
    table = tabulate(classified)
    saved = {
        "thresholds": {"min_cells": MIN_CELLS, "min_workbooks": MIN_WORKBOOKS},
        "totals": dict(totals),
        "features": {f: {k: v for k, v in e.items() if k != "examples"} for f, e in table.items()},
    }
    TABLE_JSON.write_text(json.dumps(saved, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    write_markdown(table, totals, TABLE_MD)
    with (options.dump / "classified.jsonl").open("w", encoding="utf-8") as out:
        for cell in classified:
            out.write(json.dumps(cell, ensure_ascii=False) + "\n")
    print(json.dumps({"totals": dict(totals), "problems": dict(problems)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
