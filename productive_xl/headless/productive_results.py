"""Compute the PRODUCTIVE_* calls of a workbook and feed their results back to the engine.

Each call has a row on the scratch sheet: its result in column A, then the arguments that are
expressions, which the engine evaluates there. Arguments that take a range but are given an
expression (an array constant, ``B2:F2*2``) are evaluated from ARRAY_COLUMN on, each with room to
spill: ARRAY_SPACING rows and every column to its right. Plain references and written-out
numbers are read directly.

Results are computed once before the engine's first round, from the values the file holds, and
again after each round until none changes, so a workbook whose calls read only inputs needs a
single round, and a PRODUCTIVE_* result feeding another through ordinary formulas settles as it
would in Excel.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from productive_xl.catalogue import CellFunction
from productive_xl.core.errors import ExcelError
from productive_xl.functions import CATALOGUE
from productive_xl.headless.engine_workbook import EngineWorkbook, Values
from productive_xl.headless.ironcalc_model import (
    ENGINE_ONLY_ERRORS,
    clear_value,
    quiet_engine,
    read_value,
    write_value,
)
from productive_xl.headless.productive_calls import Call, extract_calls, whole_call
from productive_xl.headless.references import Area
from productive_xl.ooxml.cell_values import CellValue, ErrorValue
from productive_xl.workbook_context import calculating_workbook

ARRAY_COLUMN = 1000
ARRAY_SPACING = 100
MAX_ROUNDS = 50
_UNUSABLE_ARGUMENT = ENGINE_ONLY_ERRORS | {"#SPILL!"}

Key = tuple[str, int, int]
# A table a spilling function gave: rows of values.
Table = tuple[tuple[CellValue, ...], ...]
SPILL_BLOCKED = "#SPILL!"
NESTED_TABLE = (
    "gives a table, which recalc writes only where the call is the whole formula of its cell"
)


@dataclass
class PlacedCall:
    """A call, where its formula stands, and what it was last computed from and gave."""

    call: Call
    cell: Key  # the formula cell it stands in
    areas: dict[int, Area] = field(default_factory=dict)  # argument -> the range it refers to
    array_rows: dict[int, int] = field(default_factory=dict)  # argument -> row at ARRAY_COLUMN
    last: CellValue | Table | None = None
    last_arguments: list[Any] | None = None
    message: str | None = None  # of the ExcelError it last gave
    blocked: str | None = None  # why it cannot be computed
    reads_only_inputs: bool = False  # no formula can change its arguments
    anchors_spill: bool = False  # a spilling function that is the whole formula of its cell
    spill: Table | None = None  # the table it spills now, when it does
    spilled_cells: set[tuple[int, int]] = field(default_factory=set)  # written in the engine
    stored_spill: frozenset[tuple[int, int]] = frozenset()  # cells the file shows it spilled


def spills(function: str | None) -> bool:
    """Whether the PRODUCTIVE_* function of that Excel name returns a table that spills."""
    definition = CATALOGUE.get(function) if function else None
    return definition is not None and definition.spills


def _place_arguments(
    workbook: EngineWorkbook, placed: PlacedCall, array_rows: Iterator[int]
) -> None:
    definition = CATALOGUE.get(placed.call.function)
    scratch = workbook.index(workbook.scratch_sheet)
    for position, argument in enumerate(placed.call.arguments):
        if argument.is_missing or argument.number is not None:
            continue
        text = argument.text.strip()
        if argument.is_reference:
            area = workbook.reference_area(text, placed.cell[0])
            if area is not None:
                placed.areas[position] = area
                continue
        takes_range = (
            definition is not None
            and position < len(definition.arguments)
            and definition.arguments[position].takes_range
        )
        if takes_range:
            placed.array_rows[position] = next(array_rows)
            workbook.model.update_cell_with_formula(
                scratch, placed.array_rows[position], ARRAY_COLUMN, "=" + text
            )
        else:
            workbook.model.update_cell_with_formula(
                scratch, placed.call.result_row, position + 2, "=" + text
            )


# A range larger than this is taken to hold a formula, rather than looked through.
_LOOKED_THROUGH = 1000


def _holds_no_formula(area: Area, computed: Callable[[str, int, int], bool]) -> bool:
    if area.top == area.bottom and area.left == area.right:  # one cell, as most arguments are
        return not computed(area.sheet, area.top, area.left)
    size = (area.bottom - area.top + 1) * (area.right - area.left + 1)
    return size <= _LOOKED_THROUGH and not any(
        computed(area.sheet, row, column)
        for row in range(area.top, area.bottom + 1)
        for column in range(area.left, area.right + 1)
    )


def place_calls(
    workbook: EngineWorkbook,
    cells: list[Key],
    computed: Callable[[str, int, int], bool],
    stored_spills: Mapping[Key, frozenset[tuple[int, int]]] | None = None,
) -> list[PlacedCall]:
    """Take the PRODUCTIVE_* calls out of the formulas of ``cells``, in the engine's model.

    ``computed(sheet, row, column)`` tells whether a formula gives a cell its value (the sheet
    name case-folded): a call whose arguments read no such cell needs computing only once.
    ``stored_spills`` gives, for a dynamic array's anchor, the cells the file shows it spilled
    into (free for it to spill into again).
    """
    placed: list[PlacedCall] = []
    result_rows = iter(range(1, 1_048_577))
    array_rows = iter(range(1, 1_048_577, ARRAY_SPACING))
    local_names: dict[str, dict[str, str]] = {}
    for sheet, row, column in cells:
        if sheet not in local_names:
            local_names[sheet] = workbook.local_names(sheet)
        formula = workbook.formula(sheet, row, column)
        rewritten, calls = extract_calls(
            formula, sheet, lambda: next(result_rows), local_names[sheet], workbook.scratch_sheet
        )
        if not calls:
            continue
        workbook.model.update_cell_with_formula(workbook.index(sheet), row, column, rewritten)
        anchors = whole_call(formula)
        for call in calls:
            here = PlacedCall(call, (sheet, row, column))
            if call is calls[-1] and spills(anchors):
                here.anchors_spill = True
                here.stored_spill = (stored_spills or {}).get((sheet, row, column), frozenset())
            placed.append(here)
            _place_arguments(workbook, here, array_rows)
            here.reads_only_inputs = not here.array_rows and all(
                argument.is_missing
                or argument.number is not None
                or (position in here.areas and _holds_no_formula(here.areas[position], computed))
                for position, argument in enumerate(call.arguments)
            )
    return placed


def _spilled(workbook: EngineWorkbook, row: int) -> Values:
    """The array an expression at ARRAY_COLUMN gave: its anchor and the cells it spilled into."""
    index = workbook.index(workbook.scratch_sheet)
    read = workbook.model.get_cell_value
    width = 1
    while read(index, row, ARRAY_COLUMN + width) is not None:
        width += 1
    height = 1
    while height < ARRAY_SPACING - 1 and read(index, row + height, ARRAY_COLUMN) is not None:
        height += 1
    return [
        [read_value(workbook.model, index, r, c) for c in range(ARRAY_COLUMN, ARRAY_COLUMN + width)]
        for r in range(row, row + height)
    ]


def _argument_value(workbook: EngineWorkbook, placed: PlacedCall, position: int) -> Values:
    argument = placed.call.arguments[position]
    if argument.is_missing:
        return None
    if position in placed.areas:
        return workbook.read_area(placed.areas[position])
    if position in placed.array_rows:
        return _spilled(workbook, placed.array_rows[position])
    number = argument.number
    if number is not None:
        return number
    return read_value(
        workbook.model, workbook.index(workbook.scratch_sheet), placed.call.result_row, position + 2
    )


def _unusable(value: object) -> str | None:
    cells = value if isinstance(value, list) else [[value]]
    for row in cells:
        for cell in row:
            if isinstance(cell, ErrorValue) and cell.code in _UNUSABLE_ARGUMENT:
                return cell.code
    return None


def _for_python(value: object) -> object:
    """An engine value as the cell functions take it: errors as their text, as Excel passes them."""
    if isinstance(value, list):
        return [[_for_python(cell) for cell in row] for row in value]
    if isinstance(value, ErrorValue):
        return value.code
    return value


# A call's outcome: its result, and the message of the ExcelError that gave it, if one did.
Outcome = tuple[CellValue | Table, str | None]
Memo = dict[tuple[Any, ...], Outcome]


def _typed(value: object) -> object:
    """``value`` as part of a memo key: with its type, since 1.0 == True in Python but not in a
    cell function. (-0.0 and 0.0 share a key; no cell function tells them apart.)"""
    if isinstance(value, list):
        return tuple(tuple((type(cell), cell) for cell in row) for row in value)
    return (type(value), value)


def _outcome(function: CellFunction, values: list[Any]) -> Outcome:
    try:
        result = function(*(_for_python(v) for v in values))
    except ExcelError as error:
        return ErrorValue(error.code), str(error)
    if isinstance(result, list):  # a table, from a function that spills
        return tuple(tuple(_cell(value) for value in row) for row in result), None
    return _cell(result), None


def _cell(value: object) -> CellValue:
    if isinstance(value, str | bool | ErrorValue):
        return value
    if value is None:
        return ""
    return float(value)  # type: ignore[arg-type]


def _compute(workbook: EngineWorkbook, placed: PlacedCall, memo: Memo) -> CellValue | Table | None:
    """The call's result, or None when its arguments are what they were for its last result.

    ``memo`` holds the outcomes of the calls computed so far in this workbook context: a
    tracker calls the same function with the same arguments on many lines, and a cell
    function's result depends on nothing else.
    """
    function = CATALOGUE.get(placed.call.function)
    if function is None:
        placed.blocked = f"{placed.call.function} is not a productive_xl function"
        return ErrorValue("#NAME?")
    values = [_argument_value(workbook, placed, i) for i in range(len(placed.call.arguments))]
    if values == placed.last_arguments:
        return None
    placed.last_arguments = values
    for value in values:
        unusable = _unusable(value)
        if unusable:
            placed.blocked = f"an argument of {function.excel_name} gives {unusable}"
            return ErrorValue("#VALUE!")
    placed.blocked = None
    key = (function.excel_name, *(_typed(value) for value in values))
    outcome = memo.get(key)
    if outcome is None:
        outcome = memo[key] = _outcome(function, values)
    result, placed.message = outcome
    return result


def settle(
    workbook: EngineWorkbook, placed: list[PlacedCall], on_round: Callable[[int], None]
) -> tuple[int, set[Key]]:
    """Compute the calls and evaluate until no result changes.

    Returns the number of engine rounds, and the cells of the calls that never settled. Each
    round settles at least one more link of the longest chain of calls feeding one another, so
    a workbook without a circle settles within a round more than that chain is long. Rounds stop
    at MAX_ROUNDS: a call still changing then is in a circle (or ends a chain longer than any
    tracker has), and is reported rather than given a value that has not settled.
    """
    scratch = workbook.index(workbook.scratch_sheet)
    rounds = 0
    year = workbook.financial_year()
    changed: list[PlacedCall] = []
    for _ in range(min(len(placed) + 2, MAX_ROUNDS)):
        with calculating_workbook(date_1904=workbook.info.date_1904, financial_year=year):
            memo: Memo = {}
            changed = []
            for call in placed:
                if call.reads_only_inputs and call.last_arguments is not None:
                    continue  # computed from inputs that no round changes
                result = _compute(workbook, call, memo)
                if result is not None and (call.last is None or result != call.last):
                    call.last = result
                    value = _result_cell_value(workbook, call, result)
                    write_value(workbook.model, scratch, call.call.result_row, 1, value)
                    changed.append(call)
        if not changed and rounds:
            return rounds, set()
        rounds += 1
        on_round(rounds)
        with quiet_engine():
            workbook.model.evaluate()
        evaluated_year = workbook.financial_year()
        if evaluated_year != year:  # the Inputs year is itself a formula that has now settled
            year = evaluated_year
            for call in placed:
                call.last_arguments = None
    return rounds, {call.cell for call in changed}


def _result_cell_value(
    workbook: EngineWorkbook, placed: PlacedCall, result: CellValue | Table
) -> CellValue:
    """The value of the call's own result cell; a table is spilled into the cells below and to
    the right of its anchor in the engine's model, as Excel spills it, so that the formulas
    reading them see its values.

    Excel shows #SPILL! when a cell the table would fill holds something (other than what the
    table spilled before); a table given anywhere but as the whole formula of its cell is held
    back (the outer formula would need it as an array).
    """
    table = result if isinstance(result, tuple) else None
    sheet_name, row, column = placed.cell
    sheet = workbook.index(sheet_name)
    wanted: dict[tuple[int, int], CellValue] = {}
    if table is not None:
        if not placed.anchors_spill:
            placed.blocked = NESTED_TABLE
            table = None
        else:
            wanted = {
                (row + i, column + j): value
                for i, line in enumerate(table)
                for j, value in enumerate(line)
                if i or j
            }
            free = placed.spilled_cells | placed.stored_spill
            if any(
                cell not in free and not workbook.model.is_empty_cell(sheet, *cell)
                for cell in wanted
            ):
                table, wanted = None, {}
                result = ErrorValue(SPILL_BLOCKED)
    # what it spilled before (in an earlier round, or as the file shows) and no longer does
    for cell in (placed.spilled_cells | placed.stored_spill) - set(wanted):
        clear_value(workbook.model, sheet, *cell)
    for (r, c), value in wanted.items():
        write_value(workbook.model, sheet, r, c, value)
    placed.spilled_cells = set(wanted)
    placed.spill = table
    if table is not None:
        return table[0][0]
    return result if not isinstance(result, tuple) else ErrorValue("#VALUE!")


def block_spilled_arguments(workbook: EngineWorkbook, placed: list[PlacedCall]) -> None:
    """Block the calls given an array where a single value belongs.

    Excel would hand such a call the whole array (and it would fail with #VALUE!); the engine
    spills it into the cells beside or below the argument, which are found here.
    """
    scratch = workbook.index(workbook.scratch_sheet)
    expected = {(call.call.result_row, 1) for call in placed}
    for call in placed:
        for position, argument in enumerate(call.call.arguments):
            if not (argument.is_missing or argument.number is not None) and (
                position not in call.areas and position not in call.array_rows
            ):
                expected.add((call.call.result_row, position + 2))
    if len(expected) == len(placed):
        return  # no argument is an expression on the scratch sheet: nothing there can spill
    by_row = {call.call.result_row: call for call in placed}
    unexpected = [
        (row, column)
        for sheet, row, column in workbook.model.get_all_cells()
        if sheet == scratch and column < ARRAY_COLUMN and (row, column) not in expected
    ]
    for row, column in unexpected:
        if workbook.model.is_empty_cell(scratch, row, column):
            continue
        above = next((r for r in range(row - 1, 0, -1) if (r, column) in expected), None)
        for owner in (by_row.get(row), by_row.get(above) if above else None):
            if owner is not None:  # the spill came from this row's arguments, or from above
                owner.blocked = "an argument gives an array where a single value belongs"
