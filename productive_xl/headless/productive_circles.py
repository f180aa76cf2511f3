"""Circles through PRODUCTIVE_* calls, found from the formulas rather than from the rounds.

The engine sees a call's result as a constant on the scratch sheet, so a circle that passes
through a call (``=PRODUCTIVE_SAVING(B1,0,1)+1`` in B1) is no circle to it. Rounds that never
settle show some of them; a circle that settles at once (on an error that feeds itself, say)
would come out as a value Excel never shows: Excel reports a circular reference. So the
circles are found here, as the strongly connected components of the graph of formula cells
and the calls' result cells, each linked to the cells it reads.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable

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
    user_cells: dict[CellKey, tuple[str, int, int]] = {
        (sheet.casefold(), row, column): (sheet, row, column)
        for sheet, sheet_cells in cells.items()
        if workbook.has_sheet(sheet)
        for (row, column), cell in sheet_cells.items()
        if cell.has_formula
    }
    known: dict[CellKey, list[Area]] = {}
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
        known[(scratch, call.call.result_row, 1)] = areas
    # the formula reads its call's result, whether or not the formula shown is rewritten
    also: dict[CellKey, list[Area]] = defaultdict(list)
    for call in candidates:
        row = call.call.result_row
        also[(call.cell[0].casefold(), call.cell[1], call.cell[2])].append(
            Area(scratch, row, 1, row, 1)
        )

    def reads(cell: CellKey) -> list[Area]:
        """The areas ``cell`` reads, its formula parsed only when the search reaches it."""
        if cell in known:
            return known[cell]
        sheet, row, column = user_cells[cell]
        formula = workbook.formula(sheet, row, column)
        areas = formula_areas(formula, sheet, workbook.areas_of_names(sheet)) + also.get(cell, [])
        known[cell] = areas
        return areas

    results = [(scratch, call.call.result_row, 1) for call in candidates]
    circular = _in_circles([*user_cells, *results], reads, results)
    return {call.cell for call in candidates if (scratch, call.call.result_row, 1) in circular}


def _edges(
    nodes: Iterable[CellKey], reads: Callable[[CellKey], list[Area]], roots: Iterable[CellKey]
) -> dict[CellKey, list[CellKey]]:
    """For each cell the ``roots`` read, directly or through others, the cells of the graph
    that it reads. A circle through a root lies within them, and only they are looked at: the
    cells that merely read the results (a running total of them) are never reached.

    The cells an area holds are found by column and then by bisection of their rows, so an
    area costs the cells it holds (and a look at each column in use), not its size.
    """
    rows_by_column: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for sheet, row, column in nodes:
        rows_by_column[sheet][column].append(row)
    for sheet_columns in rows_by_column.values():
        for rows in sheet_columns.values():
            rows.sort()
    edges: dict[CellKey, list[CellKey]] = {}
    waiting = list(roots)
    while waiting:
        cell = waiting.pop()
        if cell in edges:
            continue
        found: list[CellKey] = []
        for area in reads(cell):
            columns = rows_by_column.get(area.sheet)
            if not columns:
                continue
            for column, rows in columns.items():
                if area.left <= column <= area.right:
                    first, last = bisect_left(rows, area.top), bisect_right(rows, area.bottom)
                    found += [(area.sheet, row, column) for row in rows[first:last]]
        edges[cell] = found
        waiting += [other for other in found if other not in edges]
    return edges


def _in_circles(
    nodes: Iterable[CellKey], reads: Callable[[CellKey], list[Area]], roots: list[CellKey]
) -> set[CellKey]:
    """The cells on a circle among those ``roots`` reach: in a strongly connected component of
    more than one cell, or reading themselves (Tarjan's algorithm, without recursion, for
    chains of any length)."""
    edges = _edges(nodes, reads, roots)
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
