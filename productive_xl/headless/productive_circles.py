"""Circles through PRODUCTIVE_* calls, found from the formulas rather than from the rounds.

The engine sees a call's result as a constant on the scratch sheet, so a circle that passes
through a call (``=PRODUCTIVE_SAVING(B1,0,1)+1`` in B1) is no circle to it. Rounds that never
settle show some of them; a circle that settles at once (on an error that feeds itself, say)
would come out as a value Excel never shows: Excel reports a circular reference. So the
circles are found here, as the strongly connected components of the graph of formula cells
and the calls' result cells, each linked to the cells it reads.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from productive_xl.headless.engine_workbook import EngineWorkbook
from productive_xl.headless.productive_results import ARRAY_COLUMN, PlacedCall
from productive_xl.headless.references import Area, CellKey, formula_areas
from productive_xl.ooxml.sheet_values import FormulaCell

Key = tuple[str, int, int]
Cells = dict[str, dict[tuple[int, int], FormulaCell]]


def calls_in_circles(
    workbook: EngineWorkbook, placed: list[PlacedCall], cells: Cells, scratch_sheet: str
) -> set[Key]:
    """The cells of the calls whose results, through the cells their arguments read, reach
    their own formulas."""
    candidates = [call for call in placed if not call.reads_only_inputs]
    if not candidates:
        return set()
    scratch = scratch_sheet.casefold()
    reads: dict[CellKey, list[Area]] = {}
    for sheet, sheet_cells in cells.items():
        if not workbook.has_sheet(sheet):
            continue
        names = workbook.areas_of_names(sheet)
        for (row, column), cell in sheet_cells.items():
            if cell.has_formula:
                formula = workbook.formula(sheet, row, column)
                reads[(sheet.casefold(), row, column)] = formula_areas(formula, sheet, names)
    for call in candidates:
        names = workbook.areas_of_names(call.cell[0])
        areas = list(call.areas.values())
        argument_cells = [
            (call.call.result_row, position + 2)
            for position in range(len(call.call.arguments))
            if position not in call.areas and position not in call.array_rows
        ] + [(row, ARRAY_COLUMN) for row in call.array_rows.values()]
        for row, column in argument_cells:
            formula = workbook.formula(scratch_sheet, row, column)
            areas += formula_areas(formula, scratch_sheet, names) if formula else []
        reads[(scratch, call.call.result_row, 1)] = areas
        # the formula reads its call's result, whether or not the formula shown is rewritten
        row = call.call.result_row
        own = (call.cell[0].casefold(), call.cell[1], call.cell[2])
        reads.setdefault(own, []).append(Area(scratch, row, 1, row, 1))
    circular = _in_circles(reads)
    return {call.cell for call in candidates if (scratch, call.call.result_row, 1) in circular}


def _edges(reads: Mapping[CellKey, list[Area]]) -> dict[CellKey, list[CellKey]]:
    """For each cell, the cells of the graph that it reads."""
    by_sheet: dict[str, set[tuple[int, int]]] = defaultdict(set)
    for sheet, row, column in reads:
        by_sheet[sheet].add((row, column))
    edges: dict[CellKey, list[CellKey]] = {}
    for cell, areas in reads.items():
        found: list[CellKey] = []
        for area in areas:
            there = by_sheet.get(area.sheet)
            if not there:
                continue
            size = (area.bottom - area.top + 1) * (area.right - area.left + 1)
            if size <= len(there):
                found += [
                    (area.sheet, row, column)
                    for row in range(area.top, area.bottom + 1)
                    for column in range(area.left, area.right + 1)
                    if (row, column) in there
                ]
            else:
                found += [(area.sheet, r, c) for r, c in there if area.holds(r, c)]
        edges[cell] = found
    return edges


def _in_circles(reads: Mapping[CellKey, list[Area]]) -> set[CellKey]:
    """The cells on a circle: in a strongly connected component of more than one cell, or
    reading themselves (Tarjan's algorithm, without recursion, for chains of any length)."""
    edges = _edges(reads)
    index: dict[CellKey, int] = {}
    low: dict[CellKey, int] = {}
    stack: list[CellKey] = []
    on_stack: set[CellKey] = set()
    circular: set[CellKey] = set()
    counter = 0
    for root in edges:
        if root in index:
            continue
        work: list[tuple[CellKey, Iterable[CellKey]]] = [(root, iter(edges[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            advanced = False
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = counter
                    counter += 1
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(edges.get(successor, ()))))
                    advanced = True
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in edges.get(node, ()):
                    circular.update(component)
    return circular
