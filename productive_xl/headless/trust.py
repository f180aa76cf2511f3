"""What the engine cannot be trusted with, and which cells that touches.

The engine's value of a formula is written only when every function and construct the formula
uses is trusted (:mod:`trust_list`: shown by the agreement table to agree with Excel, or proven
by a test of ours). And whatever the list says, a formula the engine is known to evaluate
unlike Excel is never given a value: a function it lacks that is not ours, a link to another
workbook, a name defined by a formula, a date function in a 1904 workbook (the engine counts
dates in the 1900 system only), a criteria function or a date before March 1900 the engine
reads unlike Excel (:mod:`engine_differences`); nor is a value only the engine gives (#ERROR!,
#N/IMPL!, #CIRC!), a #NAME? where Excel stored none, or an error where Excel stored another.
Such a cell keeps the value Excel last stored, as does every cell that depends on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from productive_xl.functions import CATALOGUE
from productive_xl.headless.engine_differences import EngineDifferences
from productive_xl.headless.engine_workbook import EngineWorkbook
from productive_xl.headless.formula_features import features, name_kinds
from productive_xl.headless.formula_text import (
    FUNCTION,
    NAME,
    called_names,
    function_name,
    is_external,
    reference_places,
    scan,
)
from productive_xl.headless.ironcalc_model import ENGINE_ONLY_ERRORS
from productive_xl.headless.productive_calls import PREFIX, whole_call
from productive_xl.headless.productive_results import spills
from productive_xl.headless.references import (
    Area,
    CellKey,
    dependents,
    formula_areas,
    parse_area,
    reaches_itself,
)
from productive_xl.headless.trust_list import reason_order, trusted, untrusted_reason
from productive_xl.ooxml.cell_values import CellValue, ErrorValue, cell_reference
from productive_xl.ooxml.sheet_values import FormulaCell

Key = tuple[str, int, int]
CIRCULAR = "circular reference"
Cells = dict[str, dict[tuple[int, int], FormulaCell]]

# The text of a cell's formula, in any namespace prefix: the functions are looked for there only.
# A cell reference's row, when it is not anchored with $: what changes down a filled column.
_RELATIVE_ROW = re.compile(r"(?<=[A-Za-z])(\d+)")
_FORMULA_TEXT = re.compile(rb"<(?:[\w.-]+:)?f(?=[\s>])[^<>]*>([^<]*)<")
_PLAIN_FORMULA_TEXT = re.compile(rb"<f>([^<]*)<")  # the same, faster, where all are plain <f>


def _formula_texts(part: bytes) -> bytes:
    """The texts of a part's formulas, one a line."""
    plain = not any(mark in part for mark in (b"<f ", b"<f\t", b"<f\n", b"<f\r", b":f"))
    return b"\n".join((_PLAIN_FORMULA_TEXT if plain else _FORMULA_TEXT).findall(part))


# Functions that read or make date serials, which IronCalc counts in the 1900 system only.
DATE_FUNCTIONS = frozenset(
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


class FormulaChecks:
    """Which formulas to look at, and what in them the engine cannot evaluate.

    The engine writes a function it does not know in lower case; asking it once per function
    name that the workbook uses (on a cell of the scratch sheet) tells which ones it lacks, so
    that a workbook using none of them is not read formula by formula.
    """

    def __init__(
        self,
        workbook: EngineWorkbook,
        parts: Iterable[bytes],
        probe: tuple[int, int, int],
        *,
        by_evidence: bool = True,
    ):
        self.workbook = workbook
        self.by_evidence = by_evidence
        self.trusted = trusted()
        self.name_kinds = name_kinds([(n["name"], n["formula"]) for n in workbook.names])
        used = set().union(*(called_names(_formula_texts(part)) for part in parts))
        used -= set(CATALOGUE)
        sheet, row, column = probe
        self.lacking: set[str] = set()
        for name in used:
            workbook.model.update_cell_with_formula(sheet, row, column, f"={name}()")
            shown = workbook.model.get_cell_formula(sheet, row, column) or ""
            if shown[1:2].islower():
                self.lacking.add(name)
        workbook.model.clear_cell_contents(sheet, row, column)
        self.date_functions = DATE_FUNCTIONS & used if workbook.info.date_1904 else set()
        self.differences = EngineDifferences(workbook, used)
        # what a look through every formula's text is needed for; the engine's differences
        # concern few formulas, which their own check finds from the sheet's bytes
        self._every_formula = bool(
            self.lacking
            or self.date_functions
            or workbook.info.external_links
            or workbook.formula_names
        )
        self.needed = by_evidence or self._every_formula or self.differences.needed
        self._untrusted_by_layout: dict[tuple[str, bool, bool, bool], str | None] = {}

    def reason(self, sheet: str, cell: FormulaCell) -> str | None:
        """Why the engine's value of the cell's formula is not to be written; None if it is."""
        return self.known_difference(sheet, cell) or (
            self.untrusted(sheet, cell) if self.by_evidence else None
        )

    def untrusted(self, sheet: str, cell: FormulaCell) -> str | None:
        """The first function or construct of the cell's formula that is not trusted, told as
        a reason; None when all are (PRODUCTIVE_* functions are ours, always trusted)."""
        formula = cell.formula or self.workbook.formula(sheet, cell.row, cell.column)
        # a cell with an empty formula of its own that is not shared (<f ca="1"/>) is one a
        # dynamic array spills into: an array formula's cell, as the table counts it
        filled = cell.formula is None and cell.formula_type != "shared"
        # a dynamic array whose formula is one spilling PRODUCTIVE_* call is ours to spill
        anchors_spill = cell.formula_type == "array" and spills(whole_call(formula))
        array = filled or (cell.formula_type == "array" and not anchors_spill)
        one_cell = not filled and _one_cell(cell.array_range)
        shared = cell.formula_type == "shared"
        # The formulas filled down a column differ only in their relative rows, which change
        # none of their features: work each layout out once.
        key = (_layout(formula, cell.row), array, one_cell, shared)
        if key not in self._untrusted_by_layout:
            found = features(
                formula, array=array, one_cell=one_cell, shared=shared, names=self.name_kinds
            )
            doubtful = [f for f in found - self.trusted if not f.startswith(PREFIX)]
            # what is never trusted says most, then what disagreed, then what is not yet shown
            self._untrusted_by_layout[key] = (
                untrusted_reason(min(doubtful, key=reason_order)) if doubtful else None
            )
        return self._untrusted_by_layout[key]

    def known_difference(self, sheet: str, cell: FormulaCell) -> str | None:
        """Why the engine is known to evaluate the cell's formula unlike Excel; None if not."""
        if not self._every_formula and not self.differences.may_concern(cell.span.body):
            return None
        formula = self.workbook.formula(sheet, cell.row, cell.column)
        tokens = scan(formula)
        for token in tokens:
            if token.kind != FUNCTION:
                continue
            bare = function_name(token.text)
            if bare in self.lacking:
                return f"uses {bare}, which the formula engine cannot evaluate"
            if bare in self.date_functions:
                return (
                    f"uses {bare} in a workbook with the 1904 date system, which the engine lacks"
                )
        if self.workbook.info.external_links and any(
            is_external(token) for token in scan(cell.formula or formula)
        ):
            return "refers to another workbook (an external link)"
        if self.workbook.formula_names:
            used = {token.text.lower() for token in tokens if token.kind == NAME}
            if used & self.workbook.formula_names:
                return "uses a name defined by a formula, which the engine cannot evaluate"
        return self.differences.reason(sheet, cell.row, cell.column, formula)


def _layout(formula: str, row: int) -> str:
    """``formula`` with each relative row of its cell references told as an offset from
    ``row``: the same for every cell of a column the formula is filled down."""
    pieces, at = [], 0
    for start, end in reference_places(formula):
        pieces += [
            formula[at:start],
            _RELATIVE_ROW.sub(lambda m: f"R[{int(m.group(1)) - row}]", formula[start:end]),
        ]
        at = end
    return "".join(pieces) + formula[at:] if pieces else formula


def _one_cell(reference: str | None) -> bool:
    return reference is not None and ":" not in reference


def doubtful_value(cell: FormulaCell, value: CellValue | None) -> str | None:
    """Why the engine's value cannot be trusted though the formula looked fine; None if it can."""
    if not isinstance(value, ErrorValue):
        return None
    if value.code == "#CIRC!":
        return f"is part of a {CIRCULAR}"
    if value.code in ENGINE_ONLY_ERRORS:
        return f"the engine gives {value.code} where Excel would compute a value"
    cached = cell.cached
    was_name_error = isinstance(cached, ErrorValue) and cached.code == "#NAME?"
    if value.code == "#NAME?" and not was_name_error:
        return "the engine could not resolve a name or function in it"
    # engines differ most in which error they give; a new error where Excel showed a value is
    # written (it may be a PRODUCTIVE_* error reaching its dependents), and so is one where
    # Excel, without productive_xl, could not name a PRODUCTIVE_* function
    if (
        isinstance(cached, ErrorValue)
        and cached.code != value.code
        and (cached.code != "#NAME?" or not _calls_ours(cell))
    ):
        return f"the engine gives {value.code} where Excel gave {cached.code}"
    return None


def _calls_ours(cell: FormulaCell) -> bool:
    return PREFIX.encode() in (cell.span.body or b"").upper()


def _precedents(workbook: EngineWorkbook, cells: Cells) -> dict[CellKey, list[Area]]:
    """The areas each formula cell reads, by case-folded key."""
    return {
        (sheet.casefold(), row, column): formula_areas(
            workbook.formula(sheet, row, column), sheet, workbook.areas_of_names(sheet)
        )
        for sheet, sheet_cells in cells.items()
        if workbook.has_sheet(sheet)
        for (row, column), cell in sheet_cells.items()
        if cell.has_formula
    }


def _spread(
    cells: Cells,
    precedents: dict[CellKey, list[Area]],
    not_recalculated: dict[Key, str],
    sources: set[Key],
    explain_sources: bool,
) -> None:
    for sheet, row, column in list(sources):
        anchor = cells[sheet].get((row, column))
        area = parse_area(anchor.array_range, sheet) if anchor and anchor.array_range else None
        if area is None:
            continue
        for (r, c), member in cells[sheet].items():
            if not member.has_formula and area.holds(r, c):
                not_recalculated.setdefault(
                    (sheet, r, c), f"is filled by {cell_reference(row, column)}"
                )
    named = {
        (s.casefold(), r, c): (s, r, c) for s, sheet_cells in cells.items() for r, c in sheet_cells
    }
    # the cells an array fills are read by others like any cell: their readers depend on them
    filled = {key for key, reason in not_recalculated.items() if reason.startswith("is filled")}
    folded = {(s.casefold(), r, c): (s, r, c) for s, r, c in sources | filled}
    for cell, origin in dependents(folded, precedents).items():
        sheet, row, column = folded[origin]
        key = named.get(cell)
        if key is None:
            continue
        reason = f"depends on {sheet}!{cell_reference(row, column)}, which was not recalculated"
        if key in sources:
            # doubtful in its own right, but explained by its precedent; a cell of a circle
            # reaches itself through the others, and is told as part of the circle
            if explain_sources and CIRCULAR not in not_recalculated[key]:
                not_recalculated[key] = reason
        else:
            not_recalculated.setdefault(key, reason)


def spread_not_recalculated(
    workbook: EngineWorkbook,
    cells: Cells,
    not_recalculated: dict[Key, str],
    doubtful: dict[Key, str],
) -> None:
    """Extend ``not_recalculated`` to every cell that depends on one in it, and then to the
    ``doubtful`` cells (and their dependents) that no cell already in it explains."""
    if not not_recalculated and not doubtful:
        return
    precedents = _precedents(workbook, cells)
    _spread(cells, precedents, not_recalculated, set(not_recalculated), explain_sources=False)
    remaining = {key: reason for key, reason in doubtful.items() if key not in not_recalculated}
    for key, reason in remaining.items():
        # the engine gives #CIRC! to a circle's cells and to every cell that reads one; only
        # those that reach themselves are in the circle
        folded = (key[0].casefold(), key[1], key[2])
        if CIRCULAR in reason and not reaches_itself(folded, precedents):
            remaining[key] = f"depends on a {CIRCULAR}"
    if remaining:
        not_recalculated.update(remaining)
        _spread(cells, precedents, not_recalculated, set(remaining), explain_sources=True)
