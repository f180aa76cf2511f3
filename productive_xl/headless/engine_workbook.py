"""The engine's model of a workbook, with its sheets and names looked up once."""

from __future__ import annotations

from productive_xl.core.errors import ExcelError
from productive_xl.core.financial_year import FinancialYear
from productive_xl.headless.ironcalc_model import Model, read_value
from productive_xl.headless.references import MAX_COLUMN, MAX_ROW, Area, parse_area
from productive_xl.ooxml.cell_values import CellValue
from productive_xl.ooxml.workbook import WorkbookInfo

FINANCIAL_YEAR_NAME = "financialyear"

Values = CellValue | list[list[CellValue | None]] | None


class EngineWorkbook:
    """An IronCalc model with the workbook's structure: sheet indexes, names and formulas."""

    def __init__(self, model: Model, info: WorkbookInfo, scratch_sheet: str = "_productive_xl"):
        self.model = model
        self.info = info
        self.scratch_sheet = scratch_sheet  # recalc's own sheet, named unlike any of the user's
        self.sheet_index = {
            p["name"].casefold(): i for i, p in enumerate(model.get_worksheets_properties())
        }
        self.names = model.get_defined_name_list()
        self._dimensions: dict[int, tuple[int, int, int, int]] = {}
        self._name_areas: dict[str, dict[str, list[Area]]] = {}
        self._formulas: dict[tuple[str, int, int], str] = {}
        # Names defined by a formula rather than a reference, which the engine cannot follow.
        self.formula_names = {
            n["name"].lower()
            for n in self.names
            if parse_area(n["formula"].lstrip("="), "") is None
        }

    def index(self, sheet: str) -> int:
        return self.sheet_index[sheet.casefold()]

    def has_sheet(self, sheet: str) -> bool:
        return sheet.casefold() in self.sheet_index

    def formula(self, sheet: str, row: int, column: int) -> str:
        """The formula of a cell as the engine reads it (structured references made ranges)."""
        key = (sheet, row, column)
        if key not in self._formulas:
            self._formulas[key] = self.model.get_cell_formula(self.index(sheet), row, column) or ""
        return self._formulas[key]

    def areas_of_names(self, sheet: str) -> dict[str, list[Area]]:
        """Names visible from ``sheet`` (lower case) and the areas they cover."""
        if sheet not in self._name_areas:
            visible: dict[str, list[Area]] = {}
            local_scope = self.sheet_index.get(sheet.casefold())
            for scope_wanted in (None, local_scope):  # the sheet's own names win
                for name in self.names:
                    if name["scope"] == scope_wanted:
                        area = parse_area(name["formula"].lstrip("="), sheet)
                        visible[name["name"].lower()] = [area] if area else []
            self._name_areas[sheet] = visible
        return self._name_areas[sheet]

    def local_names(self, sheet: str) -> dict[str, str]:
        """Names local to ``sheet`` (lower case) and what they refer to."""
        scope = self.sheet_index.get(sheet.casefold())
        return {n["name"].lower(): n["formula"] for n in self.names if n["scope"] == scope}

    def reference_area(self, text: str, sheet: str) -> Area | None:
        """The range a plain reference or a name refers to, when it is one the engine holds."""
        area = parse_area(text, sheet)
        if area is None:
            found = self.areas_of_names(sheet).get(text.lower(), [])
            area = found[0] if len(found) == 1 else None
        return area if area is not None and area.sheet in self.sheet_index else None

    def read_area(self, area: Area) -> Values:
        """The value of a one-cell area, or the rows of values of a larger one."""
        index = self.sheet_index[area.sheet]
        if area.top == area.bottom and area.left == area.right:
            return read_value(self.model, index, area.top, area.left)
        bottom, right = area.bottom, area.right
        if bottom == MAX_ROW or right == MAX_COLUMN:  # a whole column or row: up to the data
            if index not in self._dimensions:
                self._dimensions[index] = self.model.get_sheet_dimensions(index)
            _, max_row, _, max_column = self._dimensions[index]
            bottom, right = min(bottom, max_row), min(right, max_column)
        return [
            [read_value(self.model, index, row, column) for column in range(area.left, right + 1)]
            for row in range(area.top, bottom + 1)
        ]

    def financial_year(self) -> FinancialYear | None:
        """The workbook's Inputs year: the value of its name FinancialYear, when it has one."""
        for name in self.names:
            if name["name"].lower() == FINANCIAL_YEAR_NAME and name["scope"] is None:
                area = parse_area(name["formula"].lstrip("="), "")
                if area and area.sheet in self.sheet_index:
                    label = self.read_area(area)
                    if isinstance(label, str):
                        try:
                            return FinancialYear.parse(label)
                        except ExcelError:
                            return None
        return None
