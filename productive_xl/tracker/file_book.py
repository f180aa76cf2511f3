"""A tracker :class:`~productive_xl.tracker.book.Book` over an .xlsx/.xlsm file, for the server.

It works as recalc does: only the worksheet parts whose cells change and the table parts whose
size changes are rewritten, and every other member of the package keeps its bytes. A table grows
by new rows in its sheet (each new cell styled as the table's first body row, calculated columns
filled down) and a new ``ref`` on the table and its filter; it shrinks by losing the cells of its
last rows. Nothing is written until :meth:`FileBook.save`, which is atomic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from openpyxl.formula.translate import Translator

from productive_xl.ooxml.cell_values import cell_position, cell_reference
from productive_xl.ooxml.package import WorkbookPackage, open_package
from productive_xl.ooxml.parts import PackageEdit, UneditablePart
from productive_xl.ooxml.sheet_cells import (
    SheetCells,
    parse_keeping_prolog,
    serialise,
    shared_strings,
)
from productive_xl.ooxml.workbook import (
    CALC_CHAIN,
    SHARED_STRINGS,
    Table,
    WorkbookInfo,
    date_styles,
    read_workbook,
    workbook_part_of,
)
from productive_xl.ooxml.writer import write_package
from productive_xl.tracker.book import NotATracker, TableRow, Value


@dataclass
class _TableArea:
    """Where a table stands now; its bottom moves as rows are added or removed."""

    table: Table
    sheet_part: str
    top: int
    left: int
    bottom: int
    right: int
    resized: bool = False

    @property
    def first_body_row(self) -> int:
        return self.top + self.table.header_rows

    @property
    def body_rows(self) -> int:
        return self.bottom - self.table.totals_rows - self.first_body_row + 1

    @property
    def ref(self) -> str:
        return f"{cell_reference(self.top, self.left)}:{cell_reference(self.bottom, self.right)}"

    def body_rows_of(self, ref: str) -> str:
        """``ref``'s columns, over the table's body rows as they are now."""
        start, _, end = ref.partition(":")
        left = cell_position(start)[1]
        right = cell_position(end or start)[1]
        first, last = self.first_body_row, self.bottom - self.table.totals_rows
        return f"{cell_reference(first, left)}:{cell_reference(last, right)}"

    @property
    def filter_ref(self) -> str:
        last = self.bottom - self.table.totals_rows
        return f"{cell_reference(self.top, self.left)}:{cell_reference(last, self.right)}"


def _unquoted_sheet(text: str) -> str:
    if text.startswith("'") and text.endswith("'"):
        return text[1:-1].replace("''", "'")
    return text


class FileBook:
    """The tracker in the workbook file at ``path``, read once, changed in memory."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._package: WorkbookPackage = open_package(self.path)
        self._info: WorkbookInfo = read_workbook(self._package)
        strings = workbook_part_of(self._package, SHARED_STRINGS)
        self._strings = shared_strings(self._package.read(strings) if strings else None)
        self._date_styles = date_styles(self._package)
        self._sheets: dict[str, SheetCells] = {}
        self._areas: dict[str, _TableArea] = {}

    # finding things

    def _sheet_part(self, sheet_name: str) -> str:
        try:
            part = self._info.sheet(sheet_name).part
        except StopIteration:
            part = None
        if part is None or not self._package.has(part):
            raise NotATracker(f"has no worksheet {sheet_name!r}")
        return part

    def _cells(self, part: str) -> SheetCells:
        if part not in self._sheets:
            self._sheets[part] = SheetCells(
                self._package.read(part), self._strings, self._date_styles, self._info.date_1904
            )
        return self._sheets[part]

    def _area(self, name: str) -> _TableArea:
        folded = name.casefold()
        if folded not in self._areas:
            table = next((t for t in self._info.tables if t.name.casefold() == folded), None)
            if table is None:
                raise NotATracker(f"has no table {name}")
            top, left, bottom, right = table.bounds
            part = self._sheet_part(table.sheet)
            self._areas[folded] = _TableArea(table, part, top, left, bottom, right)
        return self._areas[folded]

    def _name_cell(self, name: str) -> tuple[SheetCells, int, int]:
        folded = name.casefold()
        defined = sorted(
            (n for n in self._info.defined_names if n.name.casefold() == folded),
            key=lambda n: n.sheet is not None,  # the workbook's own name before a sheet's
        )
        if not defined:
            raise NotATracker(f"has no defined name {name}")
        sheet, bang, reference = defined[0].formula.strip().lstrip("=").rpartition("!")
        try:
            if not bang or ":" in reference:
                raise ValueError(reference)
            row, column = cell_position(reference)
        except ValueError:
            raise NotATracker(
                f"defined name {name} refers to {defined[0].formula}, not to a single cell"
            ) from None
        return self._cells(self._sheet_part(_unquoted_sheet(sheet))), row, column

    def _fill_formula(self, area: _TableArea, index: int, row: int) -> str | None:
        """The formula of calculated column ``index`` for ``row``; None for an input column.

        The table's own calculatedColumnFormula, as Excel fills a new row; failing that, the
        first body row's formula moved to ``row`` as Excel would fill it down (relative A1
        references shift; structured references need no change).
        """
        header = area.table.columns[index]
        calculated = dict(area.table.calculated).get(header)
        if calculated:
            return calculated
        cells = self._cells(area.sheet_part)
        column = area.left + index
        first = area.first_body_row
        formula = cells.formula(first, column)
        origin = (first, column)
        if formula == "":
            master = cells.shared_formula_master(first, column)
            formula = master[2] if master else None
            origin = master[:2] if master else origin
        if not formula:
            return None
        moved = Translator(f"={formula}", origin=cell_reference(*origin)).translate_formula(
            cell_reference(row, column)
        )
        return str(moved)[1:]

    # the Book interface

    def columns(self, table: str) -> tuple[str, ...]:
        return self._area(table).table.columns

    def rows(self, table: str) -> list[TableRow]:
        area = self._area(table)
        cells = self._cells(area.sheet_part)
        found = []
        for row in range(area.first_body_row, area.first_body_row + area.body_rows):
            values = {
                header: cells.value(row, area.left + index)
                for index, header in enumerate(area.table.columns)
            }
            typed = [
                values[header]
                for index, header in enumerate(area.table.columns)
                if cells.formula(row, area.left + index) is None
            ]
            if any(value not in (None, "") for value in typed):
                found.append(TableRow(row, values))
        return found

    def cell_address(self, table: str, column: str, row: int) -> str:
        area = self._area(table)
        index = area.table.columns.index(column)
        return f"{area.table.sheet}!{cell_reference(row, area.left + index)}"

    def name_value(self, name: str) -> Value:
        cells, row, column = self._name_cell(name)
        return cells.value(row, column)

    def set_name_value(self, name: str, value: Value) -> None:
        cells, row, column = self._name_cell(name)
        cells.set_value(row, column, value)

    def _check_room(self, area: _TableArea, first_new: int, last_new: int) -> None:
        cells = self._cells(area.sheet_part)
        for other in self._info.tables:
            if other.sheet != area.table.sheet or other.name == area.table.name:
                continue
            there = self._area(other.name)
            if (
                there.top <= last_new
                and there.bottom >= first_new
                and there.left <= area.right
                and there.right >= area.left
            ):
                raise NotATracker(
                    f"table {area.table.name} cannot grow to row {last_new}: "
                    f"table {other.name} stands in the way ({there.ref})"
                )
        for row in range(first_new, last_new + 1):
            for column in range(area.left, area.right + 1):
                if not cells.is_empty(row, column):
                    raise NotATracker(
                        f"table {area.table.name} cannot grow to row {last_new}: cell "
                        f"{area.table.sheet}!{cell_reference(row, column)} is in the way"
                    )

    def replace_rows(self, table: str, rows: Sequence[Mapping[str, Value]]) -> None:
        area = self._area(table)
        headers = area.table.columns
        unknown = sorted({key for row in rows for key in row} - set(headers))
        if unknown:
            raise NotATracker(f"table {area.table.name} has no column {', '.join(unknown)}")
        cells = self._cells(area.sheet_part)
        first = area.first_body_row
        old = area.body_rows
        new = max(1, len(rows))
        if new != old and area.table.totals_rows:
            raise NotATracker(
                f"table {area.table.name} has a totals row; remove it to let the refresh "
                "change the table's size"
            )
        if new > old:
            self._check_room(area, first + old, first + new - 1)
        fills = {
            index: self._fill_formula(area, index, first) is not None
            for index in range(len(headers))
        }
        styles = [cells.style(first, area.left + index) for index in range(len(headers))]
        for offset in range(new):
            row = first + offset
            for index, header in enumerate(headers):
                column = area.left + index
                if fills[index]:
                    if offset >= old:
                        formula = self._fill_formula(area, index, row)
                        assert formula is not None
                        cells.set_formula(row, column, formula, styles[index])
                    continue
                value = rows[offset].get(header) if offset < len(rows) else None
                cells.set_value(row, column, value, styles[index])
        for row in range(first + new, first + old):
            for column in range(area.left, area.right + 1):
                cells.delete(row, column)
        if new != old:
            area.bottom += new - old
            area.resized = True
            cells.cover(area.bottom, area.right)
            cells.stretch_ranges(first, first + old - 1, first + new - 1, area.left, area.right)

    def append_row(self, table: str, values: Mapping[str, Value]) -> int:
        area = self._area(table)
        cells = self._cells(area.sheet_part)
        existing = []
        for row in range(area.first_body_row, area.first_body_row + area.body_rows):
            existing.append(
                {
                    header: cells.value(row, area.left + index)
                    for index, header in enumerate(area.table.columns)
                    if cells.formula(row, area.left + index) is None
                }
            )
        if len(existing) == 1 and all(v in (None, "") for v in existing[0].values()):
            existing = []  # the empty row an Excel table keeps when it has no data
        self.replace_rows(table, [*existing, values])
        return area.first_body_row + len(existing)

    # saving

    def changed_parts(self) -> dict[str, bytes]:
        """The new bytes of every part the changes so far touch."""
        replaced = {part: cells.to_bytes() for part, cells in self._sheets.items() if cells.changed}
        for area in self._areas.values():
            if not area.resized:
                continue
            prolog, root = parse_keeping_prolog(self._package.read(area.table.part))
            root.set("ref", area.ref)
            for element in root.iter():
                if not isinstance(element.tag, str):
                    continue
                local = etree.QName(element).localname
                if local == "autoFilter":
                    element.set("ref", area.filter_ref)
                elif local in ("sortState", "sortCondition") and element.get("ref"):
                    # a sort that reaches beyond the table makes Excel repair the file
                    element.set("ref", area.body_rows_of(element.get("ref", "")))
            replaced[area.table.part] = serialise(prolog, root)
        return replaced

    def _calc_chain_dropped(self, replaced: dict[str, bytes]) -> set[str]:
        """Drop calcChain.xml when formula cells were removed, as Excel rebuilds it anyway.

        A calculation chain that names a cell with no formula makes Excel repair the file;
        one that lacks a new formula cell does not, so adding formulas leaves it alone.
        """
        chain = workbook_part_of(self._package, CALC_CHAIN)
        if chain is None or not any(c.formulas_removed for c in self._sheets.values()):
            return set()
        edit = PackageEdit({**self._package.contents, **replaced})
        try:
            edit.remove_part(chain)
        except UneditablePart as error:
            raise NotATracker(str(error)) from None
        replaced.update(edit.changed)
        return edit.removed

    def save(self, target: Path | str) -> list[str]:
        """Write the workbook with every change to ``target``, atomically; return the parts
        that changed (or were removed)."""
        replaced = self.changed_parts()
        removed = self._calc_chain_dropped(replaced)
        write_package(self._package, replaced, Path(target), removed=removed)
        return sorted([*replaced, *removed])
