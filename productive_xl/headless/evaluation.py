"""Evaluate every formula of a workbook: IronCalc for Excel's functions, Python for PRODUCTIVE_*.

PRODUCTIVE_* calls are taken out of their formulas (:mod:`productive_calls`) and their results
fed back through result cells until nothing changes, so a chain of them through ordinary
formulas settles as it would in Excel. A circle that does not settle is reported, not looped.

Whatever the engine cannot evaluate as Excel would (a function it lacks that is not ours, a link
to another workbook, a name defined by a formula, dates in a 1904 workbook) is never given a
value: the cell, and every cell that depends on it, keeps the value Excel last stored and is
reported as not recalculated.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from productive_xl.catalogue import cell_functions
from productive_xl.core.errors import ExcelError
from productive_xl.core.financial_year import FinancialYear
from productive_xl.headless.engine_copy import engine_package
from productive_xl.headless.ironcalc_model import (
    ENGINE_ONLY_ERRORS,
    Model,
    load_model,
    quiet_engine,
    read_value,
    write_value,
)
from productive_xl.headless.productive_calls import (
    SCRATCH_SHEET,
    Call,
    extract_calls,
    has_productive_call,
)
from productive_xl.headless.references import (
    MAX_COLUMN,
    MAX_ROW,
    Area,
    CellKey,
    dependents,
    formula_areas,
    parse_area,
)
from productive_xl.ooxml.cell_values import CellValue, ErrorValue, cell_reference
from productive_xl.ooxml.package import WorkbookPackage
from productive_xl.ooxml.sheet_values import FormulaCell
from productive_xl.ooxml.workbook import WorkbookInfo
from productive_xl.workbook_context import calculating_workbook

FINANCIAL_YEAR_NAME = "financialyear"
# On the scratch sheet each call has a row: its result in column A, then its arguments that
# are expressions. Arguments that take a range but are given an expression (an array constant,
# B2:F2*2) are evaluated from ARRAY_COLUMN on, each with room to spill: ARRAY_SPACING rows and
# every column to its right.
ARRAY_COLUMN = 1000
ARRAY_SPACING = 100
MAX_ROUNDS = 50

_STRING = re.compile(r'"(?:[^"]|"")*"')
_FUNCTION = re.compile(r"(?<![\w.])((?:_xl\w+\.)*[A-Za-z_][\w.]*)\(")
_EXTERNAL = re.compile(r"\[\d+\]|'\[[^\]]+\]")
# Functions that read or make date serials, which IronCalc counts in the 1900 system only.
_DATE_FUNCTIONS = frozenset(
    {
        "DATE",
        "DATEDIF",
        "DATEVALUE",
        "DAY",
        "DAYS",
        "DAYS360",
        "EDATE",
        "EOMONTH",
        "HOUR",
        "ISOWEEKNUM",
        "MINUTE",
        "MONTH",
        "NETWORKDAYS",
        "NETWORKDAYS.INTL",
        "NOW",
        "SECOND",
        "TEXT",
        "TIME",
        "TIMEVALUE",
        "TODAY",
        "WEEKDAY",
        "WEEKNUM",
        "WORKDAY",
        "WORKDAY.INTL",
        "YEAR",
        "YEARFRAC",
    }
)

Progress = Callable[[str], None]


@dataclass
class Evaluation:
    """What evaluation found for the formula cells of every sheet, by (sheet, row, column)."""

    values: dict[tuple[str, int, int], CellValue] = field(default_factory=dict)
    not_recalculated: dict[tuple[str, int, int], str] = field(default_factory=dict)
    messages: dict[tuple[str, int, int], str] = field(default_factory=dict)
    rounds: int = 0


@dataclass
class _PlacedCall:
    call: Call
    cell: tuple[str, int, int]  # the formula cell it stands in
    areas: dict[int, Area] = field(default_factory=dict)  # argument -> the range it refers to
    array_rows: dict[int, int] = field(default_factory=dict)  # argument -> row at ARRAY_COLUMN
    last: CellValue | None = None
    last_arguments: list[Any] | None = None  # what the last result was computed from
    message: str | None = None
    blocked: str | None = None  # why it cannot be computed


def _outside_strings(formula: str) -> str:
    return _STRING.sub('""', formula)


class _Workbook:
    """The engine's model of the workbook, with names and sheets looked up once."""

    def __init__(self, model: Model, info: WorkbookInfo):
        self.model = model
        self.info = info
        self.sheet_index = {
            p["name"].casefold(): i for i, p in enumerate(model.get_worksheets_properties())
        }
        self.names = model.get_defined_name_list()
        self.dimensions: dict[int, tuple[int, int, int, int]] = {}
        self.name_areas: dict[str, dict[str, list[Area]]] = {}
        # Names defined by a formula rather than a reference, which the engine cannot follow.
        self.formula_names = {
            n["name"].lower()
            for n in self.names
            if parse_area(n["formula"].lstrip("="), "") is None
        }

    def index(self, sheet: str) -> int:
        return self.sheet_index[sheet.casefold()]

    def areas_of_names(self, sheet: str) -> dict[str, list[Area]]:
        """Names visible from ``sheet`` (lower case) and the areas they cover."""
        if sheet not in self.name_areas:
            visible: dict[str, list[Area]] = {}
            local_scope = self.sheet_index.get(sheet.casefold())
            for scope_wanted in (None, local_scope):  # the sheet's own names win
                for name in self.names:
                    if name["scope"] == scope_wanted:
                        area = parse_area(name["formula"].lstrip("="), sheet)
                        visible[name["name"].lower()] = [area] if area else []
            self.name_areas[sheet] = visible
        return self.name_areas[sheet]

    def local_names(self, sheet: str) -> dict[str, str]:
        scope = self.sheet_index.get(sheet.casefold())
        return {n["name"].lower(): n["formula"] for n in self.names if n["scope"] == scope}

    def read_area(self, area: Area) -> CellValue | list[list[CellValue | None]] | None:
        index = self.sheet_index[area.sheet]
        if area.top == area.bottom and area.left == area.right:
            return read_value(self.model, index, area.top, area.left)
        bottom, right = area.bottom, area.right
        if bottom == MAX_ROW or right == MAX_COLUMN:  # a whole column or row: up to the data
            if index not in self.dimensions:
                self.dimensions[index] = self.model.get_sheet_dimensions(index)
            _, max_row, _, max_column = self.dimensions[index]
            bottom, right = min(bottom, max_row), min(right, max_column)
        return [
            [read_value(self.model, index, row, column) for column in range(area.left, right + 1)]
            for row in range(area.top, bottom + 1)
        ]


def _financial_year(workbook: _Workbook) -> FinancialYear | None:
    """The workbook's Inputs year: the value of its name FinancialYear, when it has one."""
    for name in workbook.names:
        if name["name"].lower() == FINANCIAL_YEAR_NAME and name["scope"] is None:
            area = parse_area(name["formula"].lstrip("="), "")
            if area and area.sheet in workbook.sheet_index:
                label = workbook.read_area(area)
                if isinstance(label, str):
                    try:
                        return FinancialYear.parse(label)
                    except ExcelError:
                        return None
    return None


def _spilled(workbook: _Workbook, row: int) -> CellValue | list[list[CellValue | None]] | None:
    """The array an expression at ARRAY_COLUMN gave: its anchor and the cells it spilled into."""
    index = workbook.index(SCRATCH_SHEET)
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


def _argument_value(
    workbook: _Workbook, placed: _PlacedCall, position: int
) -> CellValue | list[list[CellValue | None]] | None:
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
    scratch = workbook.index(SCRATCH_SHEET)
    return read_value(workbook.model, scratch, placed.call.result_row, position + 2)


def _engine_error(value: object) -> str | None:
    cells = value if isinstance(value, list) else [[value]]
    for row in cells:
        for cell in row:
            if isinstance(cell, ErrorValue) and cell.code in ENGINE_ONLY_ERRORS | {"#SPILL!"}:
                return cell.code
    return None


def _for_python(value: object) -> object:
    """An engine value as the cell functions take it: errors as their text, as Excel passes them."""
    if isinstance(value, list):
        return [[_for_python(cell) for cell in row] for row in value]
    if isinstance(value, ErrorValue):
        return value.code
    return value


def _compute(workbook: _Workbook, placed: _PlacedCall) -> CellValue | None:
    """The call's result, or None when its arguments are what they were for its last result."""
    function = cell_functions().get(placed.call.function)
    if function is None:
        placed.blocked = f"{placed.call.function} is not a productive_xl function"
        return ErrorValue("#NAME?")
    values = [_argument_value(workbook, placed, i) for i in range(len(placed.call.arguments))]
    if values == placed.last_arguments:
        return None
    placed.last_arguments = values
    for value in values:
        engine_error = _engine_error(value)
        if engine_error:
            placed.blocked = f"an argument of {function.excel_name} gives {engine_error}"
            return ErrorValue("#VALUE!")
    placed.blocked = None
    try:
        result = function(*(_for_python(v) for v in values))
    except ExcelError as error:
        placed.message = str(error)
        return ErrorValue(error.code)
    placed.message = None
    return result if isinstance(result, (str, bool)) else float(result)


_NAME = re.compile(r"(?P<name>[A-Za-z_\\][\w.]*)(?![\w.(!'])")


def _unsupported_formula(formula: str, cell: FormulaCell, workbook: _Workbook) -> str | None:
    """Why the engine cannot evaluate a formula as Excel would, from its text; None if it can."""
    text = _outside_strings(formula)
    for name in _FUNCTION.findall(text):
        bare = name.rsplit(".", 1)[-1] if name.lower().startswith("_xl") else name
        if bare.upper() in cell_functions():
            continue  # computed in Python
        if bare != bare.upper():
            return f"uses {bare.upper()}, which the formula engine cannot evaluate"
        if workbook.info.date_1904 and bare in _DATE_FUNCTIONS:
            return f"uses {bare} in a workbook with the 1904 date system, which the engine lacks"
    if workbook.info.external_links and _EXTERNAL.search(cell.formula or formula):
        return "refers to another workbook (an external link)"
    if workbook.formula_names:
        used = {m.group("name").lower() for m in _NAME.finditer(text)}
        if used & workbook.formula_names:
            return "uses a name defined by a formula, which the engine cannot evaluate"
    return None


def _unsupported_value(cell: FormulaCell, value: CellValue | None) -> str | None:
    """Why the engine's value cannot be trusted though the formula looked fine; None if it can."""
    if not isinstance(value, ErrorValue):
        return None
    if value.code == "#CIRC!":
        return "is part of a circular reference"
    if value.code in ENGINE_ONLY_ERRORS:
        return f"the engine gives {value.code} where Excel would compute a value"
    cached = cell.cached
    was_name_error = isinstance(cached, ErrorValue) and cached.code == "#NAME?"
    if value.code == "#NAME?" and not was_name_error:
        return "the engine could not resolve a name or function in it"
    return None


def _reference_area(workbook: _Workbook, text: str, sheet: str) -> Area | None:
    """The range a plain reference or a name refers to, when it is one the engine holds."""
    area = parse_area(text, sheet)
    if area is None:
        found = workbook.areas_of_names(sheet).get(text.lower(), [])
        area = found[0] if len(found) == 1 else None
    return area if area is not None and area.sheet in workbook.sheet_index else None


def _place_arguments(workbook: _Workbook, placed: _PlacedCall, array_rows: Iterator[int]) -> None:
    """Put the call's expression arguments on the scratch sheet; note the ranges it reads."""
    definition = cell_functions().get(placed.call.function)
    scratch = workbook.index(SCRATCH_SHEET)
    for position, argument in enumerate(placed.call.arguments):
        if argument.is_missing or argument.number is not None:
            continue
        text = argument.text.strip()
        if argument.is_reference:
            area = _reference_area(workbook, text, placed.cell[0])
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


def _place_calls(
    workbook: _Workbook, cells: dict[str, dict[tuple[int, int], FormulaCell]]
) -> tuple[dict[tuple[str, int, int], str], list[_PlacedCall]]:
    """Read every formula from the engine and take the PRODUCTIVE_* calls out of them."""
    model = workbook.model
    model.add_sheet(SCRATCH_SHEET)
    workbook.sheet_index[SCRATCH_SHEET.casefold()] = len(workbook.sheet_index)
    formulas: dict[tuple[str, int, int], str] = {}
    placed: list[_PlacedCall] = []
    result_rows = iter(range(1, 1_048_577))
    array_rows = iter(range(1, 1_048_577, ARRAY_SPACING))
    for sheet_name, sheet_cells in cells.items():
        if sheet_name.casefold() not in workbook.sheet_index:
            continue
        index = workbook.index(sheet_name)
        local = workbook.local_names(sheet_name)
        for (row, column), cell in sheet_cells.items():
            if not cell.has_formula:
                continue
            formula = model.get_cell_formula(index, row, column) or ""
            formulas[(sheet_name, row, column)] = formula
            if not has_productive_call(formula):
                continue
            rewritten, calls = extract_calls(formula, sheet_name, lambda: next(result_rows), local)
            model.update_cell_with_formula(index, row, column, rewritten)
            for call in calls:
                here = _PlacedCall(call, (sheet_name, row, column))
                placed.append(here)
                _place_arguments(workbook, here, array_rows)
    return formulas, placed


def _block_spilled_arguments(workbook: _Workbook, placed: list[_PlacedCall]) -> None:
    """Block the calls given an array where a single value belongs.

    Excel would hand such a call the whole array (and it would fail with #VALUE!); the engine
    spills it into the cells beside or below the argument, which are found here.
    """
    scratch = workbook.index(SCRATCH_SHEET)
    expected = {(call.call.result_row, 1) for call in placed}
    for call in placed:
        for position, argument in enumerate(call.call.arguments):
            if not (argument.is_missing or argument.number is not None) and (
                position not in call.areas and position not in call.array_rows
            ):
                expected.add((call.call.result_row, position + 2))
    by_row = {call.call.result_row: call for call in placed}
    for sheet, row, column in workbook.model.get_all_cells():
        if sheet != scratch or column >= ARRAY_COLUMN or (row, column) in expected:
            continue
        if workbook.model.is_empty_cell(sheet, row, column):
            continue
        above = next((r for r in range(row - 1, 0, -1) if (r, column) in expected), None)
        for owner in (by_row.get(row), by_row.get(above) if above else None):
            if owner is not None:  # the spill came from this row's arguments, or from above
                owner.blocked = "an argument gives an array where a single value belongs"


def _read_results(
    workbook: _Workbook,
    cells: dict[str, dict[tuple[int, int], FormulaCell]],
    formulas: dict[tuple[str, int, int], str],
    evaluation: Evaluation,
) -> dict[tuple[str, int, int], str]:
    """Read every formula cell's value; return the cells whose value is doubtful, and why."""
    suspicious: dict[tuple[str, int, int], str] = {}
    for sheet_name, sheet_cells in cells.items():
        if sheet_name.casefold() not in workbook.sheet_index:
            continue
        index = workbook.index(sheet_name)
        for (row, column), cell in sheet_cells.items():
            key = (sheet_name, row, column)
            value = read_value(workbook.model, index, row, column)
            if cell.has_formula:
                reason = _unsupported_formula(formulas.get(key, ""), cell, workbook)
                if reason:
                    evaluation.not_recalculated[key] = reason
                    continue
                doubt = _unsupported_value(cell, value)
                if doubt:
                    suspicious[key] = doubt
            if value is None:
                # an empty result (a spill that shrank, a reference to nothing) reads as 0 in a
                # formula cell and as nothing in a cell a spill no longer reaches
                evaluation.values[key] = 0.0 if cell.has_formula else ""
            else:
                evaluation.values[key] = value
    return suspicious


def _account_for_calls(
    placed: list[_PlacedCall],
    circular: set[tuple[str, int, int]],
    evaluation: Evaluation,
    suspicious: dict[tuple[str, int, int], str],
) -> None:
    """Report the calls that could not be computed, and keep the messages of those that failed.

    A call blocked by what an argument gave is doubtful like a doubtful value: its precedents may
    explain it.
    """
    for call in placed:
        if call.blocked and call.cell not in evaluation.not_recalculated:
            suspicious.setdefault(call.cell, call.blocked)
        elif call.cell in circular:
            evaluation.not_recalculated.setdefault(
                call.cell,
                "did not settle: a circular reference through PRODUCTIVE_* functions "
                f"(or a chain of more than {MAX_ROUNDS} of them)",
            )
        elif call.message and isinstance(evaluation.values.get(call.cell), ErrorValue):
            evaluation.messages.setdefault(call.cell, call.message)


def evaluate(
    package: WorkbookPackage,
    info: WorkbookInfo,
    cells: dict[str, dict[tuple[int, int], FormulaCell]],
    progress: Progress | None = None,
) -> Evaluation:
    """Evaluate every formula cell of ``cells`` (by sheet name) in the workbook of ``package``."""
    report = progress or (lambda _: None)
    report("loading the workbook into the formula engine")
    workbook = _Workbook(load_model(engine_package(package, info)), info)
    formulas, placed = _place_calls(workbook, cells)
    evaluation = Evaluation()
    circular = _settle(workbook, placed, evaluation, report)
    _block_spilled_arguments(workbook, placed)

    report("reading the results")
    suspicious = _read_results(workbook, cells, formulas, evaluation)
    _account_for_calls(placed, circular, evaluation, suspicious)
    if not evaluation.not_recalculated and not suspicious:
        return evaluation
    precedents = _precedents(workbook, formulas)
    _spread_not_recalculated(cells, precedents, evaluation)
    # A doubtful value that a cell already known to be uncomputable explains is reported as
    # depending on it; the rest are uncomputable in their own right, and spread in turn.
    for key in list(suspicious):
        if key in evaluation.not_recalculated:
            del suspicious[key]
    if suspicious:
        evaluation.not_recalculated.update(suspicious)
        _spread_not_recalculated(
            cells, precedents, evaluation, only_from=set(suspicious), explain_sources=True
        )
    for key in evaluation.not_recalculated:
        evaluation.values.pop(key, None)
    return evaluation


def _settle(
    workbook: _Workbook, placed: list[_PlacedCall], evaluation: Evaluation, report: Progress
) -> set[tuple[str, int, int]]:
    """Feed PRODUCTIVE_* results back until none changes; the cells of those that never settle.

    Each round settles at least one more link of the longest chain of PRODUCTIVE_* calls (one
    feeding the next through the workbook), so a workbook without a circle settles within one
    round more than that chain is long. Rounds stop at MAX_ROUNDS: a call still changing then is
    in a circle, or at the end of a chain longer than any tracker has, and either way it is
    reported, never given a value that has not settled.
    """
    scratch = workbook.index(SCRATCH_SHEET)

    def engine_round() -> None:
        evaluation.rounds += 1
        report(f"evaluating (round {evaluation.rounds})")
        with quiet_engine():
            workbook.model.evaluate()

    engine_round()
    year = _financial_year(workbook)
    changed: list[_PlacedCall] = []
    with calculating_workbook(date_1904=workbook.info.date_1904, financial_year=year):
        for _ in range(min(len(placed) + 1, MAX_ROUNDS)):
            changed = []
            for call in placed:
                result = _compute(workbook, call)
                if result is not None and (call.last is None or result != call.last):
                    call.last = result
                    write_value(workbook.model, scratch, call.call.result_row, 1, result)
                    changed.append(call)
            if not changed:
                return set()
            engine_round()
    return {call.cell for call in changed}


def _precedents(
    workbook: _Workbook, formulas: dict[tuple[str, int, int], str]
) -> dict[CellKey, list[Area]]:
    """The areas each formula cell reads, by case-folded key."""
    return {
        (sheet.casefold(), row, column): formula_areas(
            formula, sheet, workbook.areas_of_names(sheet)
        )
        for (sheet, row, column), formula in formulas.items()
    }


def _spread_not_recalculated(
    cells: dict[str, dict[tuple[int, int], FormulaCell]],
    precedents: dict[CellKey, list[Area]],
    evaluation: Evaluation,
    only_from: set[tuple[str, int, int]] | None = None,
    explain_sources: bool = False,
) -> None:
    """Every cell that depends on one not recalculated keeps its old value too, as do the cells
    an array formula not recalculated fills."""
    sources = {
        key: key for key in (only_from if only_from is not None else evaluation.not_recalculated)
    }
    if not sources:
        return
    for sheet, row, column in list(sources):
        anchor = cells[sheet].get((row, column))
        area = parse_area(anchor.array_range, sheet) if anchor and anchor.array_range else None
        if area is None:
            continue
        for (r, c), member in cells[sheet].items():
            if not member.has_formula and area.holds(r, c):
                evaluation.not_recalculated.setdefault(
                    (sheet, r, c), f"is filled by {cell_reference(row, column)}"
                )
    named = {(s.casefold(), r, c): (s, r, c) for s, r, c in evaluation.values}
    named.update({(s.casefold(), r, c): (s, r, c) for s, r, c in evaluation.not_recalculated})
    folded = {(s.casefold(), r, c): (s, r, c) for s, r, c in sources}
    for cell, origin in dependents(folded, precedents).items():
        sheet, row, column = folded[origin]
        key = named.get(cell)
        if key is None:
            continue
        reason = f"depends on {sheet}!{cell_reference(row, column)}, which was not recalculated"
        if key in sources:
            if explain_sources:  # doubtful in its own right, but explained by its precedent
                evaluation.not_recalculated[key] = reason
        else:
            evaluation.not_recalculated.setdefault(key, reason)
