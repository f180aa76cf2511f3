"""Evaluate every formula of a workbook: IronCalc for Excel's functions, Python for PRODUCTIVE_*.

The steps: load a copy of the workbook into the engine (:mod:`engine_copy`); take the
PRODUCTIVE_* calls out of their formulas and settle their results (:mod:`productive_results`);
read every formula cell's value; and hold back, with the reason, every value the engine cannot
be trusted with, and every value depending on one (:mod:`trust`).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter

from productive_xl.headless.engine_copy import EngineCopy, engine_copy
from productive_xl.headless.engine_copy_fixes import UntranslatableStrict, data_table_ranges
from productive_xl.headless.engine_workbook import EngineWorkbook
from productive_xl.headless.ironcalc_model import (
    EngineRefused,
    engine_failures,
    load_model,
    read_value,
)
from productive_xl.headless.productive_calls import PREFIX, scratch_sheet_for, whole_call
from productive_xl.headless.productive_circles import calls_in_circles
from productive_xl.headless.productive_results import (
    MAX_ROUNDS,
    PlacedCall,
    block_spilled_arguments,
    place_calls,
    settle,
    spills,
)
from productive_xl.headless.references import MAX_ROW, formula_areas, parse_area
from productive_xl.headless.trust import FormulaChecks, doubtful_value, spread_not_recalculated
from productive_xl.ooxml.cell_values import CellValue, ErrorValue
from productive_xl.ooxml.dynamic_arrays import Spill
from productive_xl.ooxml.package import WorkbookPackage
from productive_xl.ooxml.sheet_values import FormulaCell
from productive_xl.ooxml.workbook import WorkbookInfo

Progress = Callable[[str], None]
Key = tuple[str, int, int]
Cells = dict[str, dict[tuple[int, int], FormulaCell]]

DATA_TABLE = "a data table, which the engine cannot compute"
_PRODUCTIVE = re.compile(rb"PRODUCTIVE_", re.IGNORECASE)
_SHARED = re.compile(rb"""\bt\s*=\s*["']shared["']""")


@dataclass
class Evaluation:
    """What evaluation found for the formula cells of every sheet: values by sheet, then by
    (row, column); the rest by (sheet, row, column)."""

    values: dict[str, dict[tuple[int, int], CellValue]] = field(default_factory=dict)
    not_recalculated: dict[Key, str] = field(default_factory=dict)
    messages: dict[Key, str] = field(default_factory=dict)
    rounds: int = 0
    # by sheet, the dynamic arrays of spilling PRODUCTIVE_* functions recalculated
    spills: dict[str, list[Spill]] = field(default_factory=dict)

    def value(self, key: Key) -> CellValue | None:
        sheet, row, column = key
        return self.values.get(sheet, {}).get((row, column))


def _calling_cells(
    part: bytes, sheet_cells: dict[tuple[int, int], FormulaCell]
) -> list[FormulaCell]:
    """The formula cells of a part with PRODUCTIVE_ in their bodies, in the part's order.

    The part is searched once and each place found is looked up among the cells by position,
    rather than each of a large sheet's cells being searched in turn.
    """
    # in capitals, the name is found by plain search (ten times faster than ignoring case);
    # the bytes keep their places
    capitals = part.upper()
    places = [match.start() for match in re.finditer(re.escape(PREFIX.encode()), capitals)]
    if not places:
        return []
    ordered = sorted(sheet_cells.values(), key=attrgetter("span.start"))
    starts = [cell.span.start for cell in ordered]
    calling: list[FormulaCell] = []
    for place in places:
        at = bisect_right(starts, place) - 1
        if at < 0:
            continue
        cell = ordered[at]
        body = cell.span.body
        if (
            cell.has_formula
            and body is not None
            and cell.span.body_start <= place < cell.span.body_start + len(body)
            and (not calling or calling[-1] is not cell)
        ):
            calling.append(cell)
    return calling


def _productive_cells(package: WorkbookPackage, info: WorkbookInfo, cells: Cells) -> list[Key]:
    """The formula cells whose formulas call PRODUCTIVE_* functions, shared formulas included."""
    found: list[Key] = []
    for sheet in info.worksheets():
        if sheet.part is None or sheet.name not in cells:
            continue
        calling = _calling_cells(package.read(sheet.part), cells[sheet.name])
        found += [(sheet.name, cell.row, cell.column) for cell in calling]
        productive_shared = {cell.shared_index for cell in calling if cell.formula_type == "shared"}
        if not productive_shared:
            continue
        # the other cells of a shared formula that calls one hold no formula text of their own
        found += [
            (sheet.name, cell.row, cell.column)
            for cell in cells[sheet.name].values()
            if cell.has_formula
            and cell.formula is None
            and _SHARED.search(cell.span.body or b"")
            and cell.shared_index in productive_shared
            and not _PRODUCTIVE.search(cell.span.body or b"")
        ]
    return found


def _account_for_calls(
    placed: list[PlacedCall],
    circular: set[Key],
    evaluation: Evaluation,
    doubtful: dict[Key, str],
) -> None:
    """Report the calls that could not be computed, and keep the messages of those that failed.

    A call blocked by what an argument gave is doubtful like a doubtful value: its precedents may
    explain it.
    """
    for call in placed:
        if call.cell in circular:
            evaluation.not_recalculated.setdefault(
                call.cell,
                "is part of a circular reference through PRODUCTIVE_* functions "
                f"(or ends a chain of more than {MAX_ROUNDS} of them)",
            )
        elif call.blocked and call.cell not in evaluation.not_recalculated:
            doubtful.setdefault(call.cell, call.blocked)
        elif call.message and isinstance(evaluation.value(call.cell), ErrorValue):
            evaluation.messages.setdefault(call.cell, call.message)


def _read_values(
    workbook: EngineWorkbook,
    sheet: str,
    sheet_cells: dict[tuple[int, int], FormulaCell],
    checks: FormulaChecks,
    *,
    not_recalculated: dict[Key, str],
    doubtful: dict[Key, str],
) -> dict[tuple[int, int], CellValue]:
    """The engine's values of the formula cells of a sheet, but for those it cannot be trusted
    with (put in ``not_recalculated``) or whose values are in doubt (put in ``doubtful``)."""
    index = workbook.index(sheet)
    get_value = workbook.model.get_cell_value
    values: dict[tuple[int, int], CellValue] = {}
    for position, cell in sheet_cells.items():
        row, column = position
        if cell.has_formula and checks.needed:
            reason = checks.reason(sheet, cell)
            if reason:
                not_recalculated[(sheet, row, column)] = reason
                continue
        value = get_value(index, row, column)
        if type(value) is not float:  # a number, the common case, needs nothing more
            value = read_value(workbook.model, index, row, column)
            if cell.has_formula:
                doubt = doubtful_value(cell, value)
                if doubt:
                    doubtful[(sheet, row, column)] = doubt
            # an empty result (a spill that shrank, a reference to nothing) reads as 0 in a
            # formula cell and as nothing in a cell a spill no longer reaches
            if value is None:
                value = 0.0 if cell.has_formula else ""
        values[position] = value
    return values


def _check_bounds(
    workbook: EngineWorkbook, copy: EngineCopy, not_recalculated: dict[Key, str]
) -> None:
    """Hold back the formulas whose whole columns or rows were bounded when, once evaluated, a
    sheet holds a cell at or past the bound (a formula spilled there): they may have missed it."""
    extent = copy.extent
    if extent is None or not any(copy.bounded.values()):
        return
    for sheet in workbook.info.worksheets():
        if not workbook.has_sheet(sheet.name):
            continue
        _, bottom, _, right = workbook.model.get_sheet_dimensions(workbook.index(sheet.name))
        if bottom >= extent.rows or right >= extent.columns:
            break
    else:
        return
    for sheet_name, positions in copy.bounded.items():
        for row, column in positions:
            not_recalculated[(sheet_name, row, column)] = (
                "reads a whole column or row, bounded by the cells in use for the engine, and "
                f"{sheet.name} holds a cell past them once evaluated"
            )


def evaluate(
    package: WorkbookPackage, info: WorkbookInfo, cells: Cells, progress: Progress | None = None
) -> Evaluation:
    """Evaluate every formula cell of ``cells`` (by sheet name) in the workbook of ``package``.

    Raises :class:`~productive_xl.headless.ironcalc_model.EngineRefused` when the engine
    refuses the workbook or fails on it, or the workbook is Strict Open XML that cannot be
    translated for it: no value can then be computed.
    """
    try:
        with engine_failures():
            return _evaluate(package, info, cells, progress)
    except UntranslatableStrict as error:
        raise EngineRefused(f"Strict Open XML the engine cannot be given: {error}") from None


def _hold_back_data_tables(
    package: WorkbookPackage, info: WorkbookInfo, cells: Cells, held_back: dict[Key, str]
) -> None:
    """Every cell a data table fills keeps Excel's value: the engine's copy holds them as
    constants. Cells outside ``cells`` are added too, for their dependents to be found."""
    for sheet in info.worksheets():
        if sheet.part is None or sheet.name not in cells:
            continue
        for ref in data_table_ranges(package.read(sheet.part)):
            area = parse_area(ref, sheet.name)
            if area is None:
                continue
            for row in range(area.top, area.bottom + 1):
                for column in range(area.left, area.right + 1):
                    held_back[(sheet.name, row, column)] = DATA_TABLE


def _hold_back_readers(
    workbook: EngineWorkbook, cells: Cells, sheets: frozenset[str], held_back: dict[Key, str]
) -> None:
    """Every formula reading a sheet the file holds no cells for keeps Excel's value."""
    folded = {sheet.casefold(): sheet for sheet in sheets}
    for sheet, sheet_cells in cells.items():
        if not workbook.has_sheet(sheet):
            continue
        names = workbook.areas_of_names(sheet)
        for (row, column), cell in sheet_cells.items():
            if not cell.has_formula:
                continue
            formula = workbook.formula(sheet, row, column)
            for area in formula_areas(formula, sheet, names):
                if area.sheet.casefold() in folded:
                    held_back[(sheet, row, column)] = (
                        f"reads the sheet {folded[area.sheet.casefold()]}, "
                        "whose cells the file does not hold"
                    )
                    break


def _stored_spills(cells: Cells) -> dict[Key, Spill]:
    """The dynamic arrays the file holds whose formula is one spilling PRODUCTIVE_* call, by
    anchor, with the range they spilled into (their table is not known yet)."""
    found: dict[Key, Spill] = {}
    for sheet, sheet_cells in cells.items():
        for (row, column), cell in sheet_cells.items():
            if (
                b"array" in (cell.span.body or b"")  # few cells are: the rest are not parsed
                and cell.array_range
                and cell.formula
                and spills(whole_call(cell.formula))
            ):
                found[(sheet, row, column)] = Spill((row, column), None, cell.array_range)
    return found


def _spills(
    placed: list[PlacedCall], stored: dict[Key, Spill], evaluation: Evaluation, cells: Cells
) -> None:
    """The spills of the anchors recalculated; the values of the cells their stored ranges
    hold are theirs to write, not the engine's."""
    for call in placed:
        if not call.anchors_spill or call.cell in evaluation.not_recalculated or call.blocked:
            continue
        sheet, row, column = call.cell
        before = stored.get(call.cell)
        spill = Spill((row, column), call.spill, before.stored_range if before else None)
        evaluation.spills.setdefault(sheet, []).append(spill)
        values = evaluation.values.get(sheet, {})
        for position in spill.stored_cells():
            member = cells.get(sheet, {}).get(position)
            if member is not None and not member.has_formula:
                values.pop(position, None)


def _evaluate(
    package: WorkbookPackage, info: WorkbookInfo, cells: Cells, progress: Progress | None = None
) -> Evaluation:
    report = progress or (lambda _: None)
    report("loading the workbook into the formula engine")
    scratch_sheet = scratch_sheet_for(
        [sheet.name for sheet in info.sheets] + [name.name for name in info.defined_names]
    )
    copy = engine_copy(package, info, scratch_sheet)
    workbook = EngineWorkbook(load_model(copy.data), info, scratch_sheet)
    without_parts = copy.sheets_without_parts
    copy.data = b""  # the engine holds what it needs: the copy's bytes can go
    if not workbook.has_sheet(scratch_sheet):  # a package the copy could not add a sheet to
        workbook.model.add_sheet(scratch_sheet)
        workbook.sheet_index[scratch_sheet.casefold()] = len(workbook.sheet_index)
    scratch = workbook.index(scratch_sheet)
    parts = [package.read(s.part) for s in info.worksheets() if s.part and s.name in cells]
    checks = FormulaChecks(workbook, parts, probe=(scratch, MAX_ROW, 1))
    folded = {sheet.casefold(): sheet_cells for sheet, sheet_cells in cells.items()}
    scratch_folded = scratch_sheet.casefold()

    def computed(sheet: str, row: int, column: int) -> bool:
        return sheet == scratch_folded or (row, column) in folded.get(sheet, {})

    stored = _stored_spills(cells)
    placed = place_calls(
        workbook,
        _productive_cells(package, info, cells),
        computed,
        {key: frozenset(spill.stored_cells()) for key, spill in stored.items()},
    )
    evaluation = Evaluation()
    evaluation.rounds, circular = settle(
        workbook, placed, lambda n: report(f"evaluating (round {n})")
    )
    circular |= calls_in_circles(workbook, placed, cells, scratch_sheet)
    block_spilled_arguments(workbook, placed)
    _check_bounds(workbook, copy, evaluation.not_recalculated)

    report("reading the results")
    doubtful: dict[Key, str] = {}
    for sheet, sheet_cells in cells.items():
        if not workbook.has_sheet(sheet):
            continue
        evaluation.values[sheet] = _read_values(
            workbook,
            sheet,
            sheet_cells,
            checks,
            not_recalculated=evaluation.not_recalculated,
            doubtful=doubtful,
        )
    _account_for_calls(placed, circular, evaluation, doubtful)
    _hold_back_data_tables(package, info, cells, evaluation.not_recalculated)
    if without_parts:
        _hold_back_readers(workbook, cells, without_parts, evaluation.not_recalculated)
    spread_not_recalculated(workbook, cells, evaluation.not_recalculated, doubtful)
    for sheet, row, column in evaluation.not_recalculated:
        evaluation.values.get(sheet, {}).pop((row, column), None)
    _spills(placed, stored, evaluation, cells)
    return evaluation
