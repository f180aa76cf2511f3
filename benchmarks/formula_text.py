"""Micro-benchmark: the readers of formula text over 20,000 formulas of a tracker's shapes.

    python benchmarks/formula_text.py [--formulas 20000] [--repeat 5]

Each reader (the calls of chosen functions, the areas a formula reads, the PRODUCTIVE_* calls
taken out, structured references written in full, formulas filled down a column shared) runs
over the same formulas, each row's formulas its own text as a library writes them; the least
time of --repeat runs is printed. Every formula is new to the readers in each run (the scanner's
memories of formulas are emptied first, where there are any), then "all, one after another" runs
every reader on the same texts, as recalc does. Run it with PYTHONPATH pointing at another
checkout to compare.
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import time
from collections.abc import Callable

from productive_xl.headless import formula_calls, references
from productive_xl.headless.engine_copy import qualify_table_references
from productive_xl.headless.productive_calls import extract_calls
from productive_xl.headless.shared_formulas import share_filled_formulas
from productive_xl.ooxml.cell_values import xml_escape

SHAPES = (
    "=I{r}*Inputs!$B$2",
    "=J{r}*VLOOKUP(G{r},Inputs!$A$4:$B$7,2,FALSE)",
    "=ROUND(K{r},2)",
    '=IF(L{r}>1000,"High","Low")',
    "=MONTH(H{r})",
    "=PRODUCTIVE_RELEASED_HOURS(D{r},E{r},F{r})",
    '=SUMIFS(Register!$K:$K,Register!$B:$B,A{r},Register!$N:$N,">="&B$1)',
    "=PRODUCTIVE_SAVING(B{r}*2,C{r},'Unit costs'!$B$3,12,0.9)",
    "=IFERROR(INDEX(tblRates[Rate],MATCH([@Band],tblRates[Band],0)),0)",
    "=COUNTIF('Checks, 2025'!$D$4:$D$90,\"<>ok\")+SUM(E{r}:F{r})*5%",
)
CALLED = frozenset({"MONTH", "SUMIFS", "COUNTIF", "DATE", "TEXT"})


def _formulas(count: int) -> list[str]:
    rows = count // len(SHAPES) + 1
    return [shape.format(r=r) for r in range(2, rows + 2) for shape in SHAPES][:count]


def _part(formulas: list[str], filled: bool) -> bytes:
    """A worksheet part holding the formulas, a row of len(SHAPES) a line; ``filled`` keeps each
    column's formula filled down it, otherwise each column's rows are out of order."""
    columns = len(SHAPES)
    order = list(range(len(formulas) // columns))
    if not filled:
        order = order[1::2] + order[0::2]
    cells = []
    for line, source in enumerate(order):
        cells.append(f'<row r="{line + 2}">')
        for column in range(columns):
            text = formulas[source * columns + column].removeprefix("=")
            letter = chr(ord("A") + column)
            cells.append(f'<c r="{letter}{line + 2}"><f>{xml_escape(text)}</f><v>0</v></c>')
        cells.append("</row>")
    return ("<worksheet><sheetData>" + "".join(cells) + "</sheetData></worksheet>").encode()


def _forget() -> None:
    """Empty the memories of formulas read, where there are any (not before the scanner)."""
    for module, name in [
        ("formula_text", "scan"),
        ("formula_text", "_places"),
        ("shared_formulas", "_moving_runs"),
    ]:
        try:
            found = getattr(importlib.import_module(f"productive_xl.headless.{module}"), name)
        except (ImportError, AttributeError):
            continue
            found.cache_clear()


def _best(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        _forget()
        began = time.process_time()
        run()
        times.append(time.process_time() - began)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--formulas", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    formulas = _formulas(args.formulas)
    productive = [f for f in formulas if "PRODUCTIVE_" in f]
    tabled = [f for f in formulas if "[" in f]
    filled, unfilled = _part(formulas, filled=True), _part(formulas, filled=False)

    def calls() -> None:
        for formula in formulas:
            formula_calls.calls(formula, CALLED)

    def areas() -> None:
        for formula in formulas:
            references.formula_areas(formula, "Register", {})

    def productive_calls() -> None:
        rows = itertools.count(1)
        for formula in productive:
            extract_calls(formula, "Register", lambda: next(rows), {})

    def structured() -> None:
        for formula in tabled:
            qualify_table_references(formula.removeprefix("="), None, ())

    def every_reader() -> None:
        calls()
        areas()
        productive_calls()
        structured()

    readers: list[tuple[str, Callable[[], object]]] = []
    try:
        from productive_xl.headless.formula_text import scan  # noqa: PLC0415
    except ImportError:
        pass  # a checkout from before the scanner
    else:
        readers.append(
            (f"the scanner alone ({len(formulas):,})", lambda: list(map(scan, formulas)))
        )
    readers += [
        (f"calls of chosen functions ({len(formulas):,})", calls),
        (f"areas read ({len(formulas):,})", areas),
        (f"PRODUCTIVE_* calls taken out ({len(productive):,})", productive_calls),
        (f"structured references in full ({len(tabled):,})", structured),
        ("filled formulas shared, filled part", lambda: share_filled_formulas(filled)),
        ("filled formulas shared, unfilled part", lambda: share_filled_formulas(unfilled)),
        ("all, one after another", every_reader),
    ]
    for label, run in readers:
        print(f"{label:<48} {_best(run, args.repeat) * 1000:8.1f} ms", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
