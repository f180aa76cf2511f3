"""Read and write the cells of one worksheet part: values, formulas and the rows they stand in.

Recalculation only changes cached values (``sheet_values``); a refresh writes what a user would
type: new text, numbers and dates in input cells, new rows of a table with their formulas filled
down, rows removed when a table shrinks. The part is parsed with lxml, which keeps namespace
prefixes and ``mc:Ignorable`` intact, and its XML declaration is kept byte for byte. Text is
written as inline strings (``t="inlineStr"``) so that sharedStrings.xml, which every sheet
shares, is never touched.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Sequence
from datetime import date, datetime, time
from typing import Any

from lxml import etree

from productive_xl.ooxml.cell_values import (
    ErrorValue,
    cell_position,
    cell_reference,
    excel_escaped,
    format_number,
    stored_value,
    unescape_excel,
)

Value = str | float | bool | date | datetime | None

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True, remove_comments=False
)
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def split_prolog(data: bytes) -> tuple[bytes, bytes]:
    """The part's XML declaration (with what follows it up to the root) and the rest."""
    if not data.startswith(b"<?xml"):
        return b"", data
    root = data.find(b"<", data.find(b"?>") + 2)
    return data[:root], data[root:]


def parse_keeping_prolog(data: bytes) -> tuple[bytes, etree._Element]:
    """The part's declaration bytes and its root element, comments and all."""
    prolog, body = split_prolog(data)
    return prolog, etree.fromstring(body, _PARSER)


def serialise(prolog: bytes, root: etree._Element) -> bytes:
    """The part again, with its original declaration."""
    return prolog + etree.tostring(root, encoding="UTF-8", xml_declaration=False)


class SheetCells:
    """The cells of a worksheet part, to read and change; :meth:`to_bytes` gives the new part.

    ``shared_strings`` are the workbook's shared strings (read only), ``date_styles`` the cell
    style indexes whose number format shows a date, ``date_1904`` the workbook's date system.
    """

    def __init__(
        self,
        data: bytes,
        shared_strings: Sequence[str],
        date_styles: Collection[int],
        date_1904: bool = False,
    ):
        self._prolog, self._root = parse_keeping_prolog(data)
        self._ns = etree.QName(self._root).namespace or ""
        self._shared = shared_strings
        self._date_styles = date_styles
        self._date_1904 = date_1904
        data_element = self._root.find(self._tag("sheetData"))
        if data_element is None:
            data_element = etree.SubElement(self._root, self._tag("sheetData"))
        self._data = data_element
        self._rows: dict[int, etree._Element] = {}
        self._cells: dict[tuple[int, int], etree._Element] = {}
        # sorted row numbers, and each row's sorted columns: where a new row or cell goes
        self._row_numbers: list[int] = []
        self._columns: dict[int, list[int]] = {}
        self.changed = False
        self.formulas_removed = False
        self._index()

    def _tag(self, local: str) -> str:
        return f"{{{self._ns}}}{local}"

    def _index(self) -> None:
        row_number = 0
        for row in self._data.iterchildren(self._tag("row")):
            given = row.get("r")
            row_number = int(given) if given else row_number + 1
            self._rows[row_number] = row
            column = 0
            for cell in row.iterchildren(self._tag("c")):
                reference = cell.get("r")
                column = cell_position(reference)[1] if reference else column + 1
                self._cells[(row_number, column)] = cell
                self._columns.setdefault(row_number, []).append(column)
        self._row_numbers = sorted(self._rows)
        for columns in self._columns.values():
            columns.sort()

    # reading

    def formula(self, row: int, column: int) -> str | None:
        """The formula text of the cell (without "="); "" for a shared formula's follower."""
        cell = self._cells.get((row, column))
        found = cell.find(self._tag("f")) if cell is not None else None
        return None if found is None else (found.text or "")

    def shared_formula_master(self, row: int, column: int) -> tuple[int, int, str] | None:
        """Where the shared formula that the cell follows is written, and its text."""
        cell = self._cells.get((row, column))
        found = cell.find(self._tag("f")) if cell is not None else None
        if found is None or found.get("t") != "shared":
            return None
        index = found.get("si")
        for position, other in self._cells.items():
            master = other.find(self._tag("f"))
            if (
                master is not None
                and master.get("t") == "shared"
                and master.get("si") == index
                and master.text
            ):
                return position[0], position[1], master.text
        return None

    def style(self, row: int, column: int) -> str | None:
        cell = self._cells.get((row, column))
        return None if cell is None else cell.get("s")

    def value(self, row: int, column: int) -> Value:
        """The value the cell shows (a formula's cached result), dates as dates."""
        cell = self._cells.get((row, column))
        if cell is None:
            return None
        kind = cell.get("t")
        if kind == "inlineStr":
            inline = cell.find(self._tag("is"))
            return None if inline is None else _string_item(inline, self._tag("t"))
        stored = cell.find(self._tag("v"))
        text = None if stored is None else (stored.text or "")
        if text is None:
            return None
        if kind == "s":
            return self._shared[int(text)]
        if kind == "d":
            return _as_date(datetime.fromisoformat(text))
        value = stored_value(kind, text)
        if isinstance(value, float) and int(cell.get("s", "0")) in self._date_styles:
            serial = _from_excel(value, self._date_1904)
            return _as_date(serial) if isinstance(serial, datetime) else value
        return str(value) if isinstance(value, ErrorValue) else value

    def is_empty(self, row: int, column: int) -> bool:
        return self.value(row, column) in (None, "") and self.formula(row, column) is None

    # writing

    def _row(self, number: int) -> etree._Element:
        found = self._rows.get(number)
        if found is not None:
            return found
        row = etree.Element(self._tag("row"))
        row.set("r", str(number))
        at = bisect.bisect_right(self._row_numbers, number)
        if at < len(self._row_numbers):
            self._rows[self._row_numbers[at]].addprevious(row)
        else:
            self._data.append(row)
        self._row_numbers.insert(at, number)
        self._rows[number] = row
        return row

    def _cell(self, row: int, column: int, style: str | None) -> etree._Element:
        found = self._cells.get((row, column))
        if found is not None:
            return found
        element = self._row(row)
        cell = etree.Element(self._tag("c"))
        cell.set("r", cell_reference(row, column))
        if style is not None and style != "0":
            cell.set("s", style)
        columns = self._columns.setdefault(row, [])
        at = bisect.bisect_right(columns, column)
        if at < len(columns):
            self._cells[(row, columns[at])].addprevious(cell)
        else:
            element.append(cell)
        columns.insert(at, column)
        self._cells[(row, column)] = cell
        self.changed = True
        return cell

    def _clear(self, cell: etree._Element) -> None:
        for child in list(cell):
            if etree.QName(child).localname == "f":
                self.formulas_removed = True
            cell.remove(child)
        if "t" in cell.attrib:
            del cell.attrib["t"]

    def set_value(self, row: int, column: int, value: Value, style: str | None = None) -> None:
        """Write ``value`` into the cell as a typed constant; nothing changes if it holds it.

        A new cell takes ``style``; an existing one keeps its own.
        """
        if self.formula(row, column) is None and _same(self.value(row, column), value):
            return
        cell = self._cell(row, column, style)
        self._clear(cell)
        self.changed = True
        if value is None or value == "":
            return
        if isinstance(value, str):
            cell.set("t", "inlineStr")
            inline = etree.SubElement(cell, self._tag("is"))
            text = etree.SubElement(inline, self._tag("t"))
            text.text = excel_escaped(value)
            if value != value.strip() or "\n" in value:
                text.set(_XML_SPACE, "preserve")
            return
        if isinstance(value, bool):
            cell.set("t", "b")
            etree.SubElement(cell, self._tag("v")).text = "1" if value else "0"
            return
        if isinstance(value, date):
            number = float(_to_excel(value, self._date_1904))
        else:
            number = float(value)
        etree.SubElement(cell, self._tag("v")).text = format_number(number)

    def set_formula(self, row: int, column: int, formula: str, style: str | None = None) -> None:
        """Give the cell ``formula`` (without "="), with no value until it is recalculated."""
        if self.formula(row, column) == formula:
            return
        cell = self._cell(row, column, style)
        self._clear(cell)
        etree.SubElement(cell, self._tag("f")).text = formula
        self.changed = True

    def delete(self, row: int, column: int) -> None:
        """Remove the cell, and its row when nothing is left in it."""
        cell = self._cells.pop((row, column), None)
        if cell is None:
            return
        if cell.find(self._tag("f")) is not None:
            self.formulas_removed = True
        self._columns[row].remove(column)
        element = self._rows[row]
        element.remove(cell)
        if len(element) == 0:
            self._data.remove(element)
            del self._rows[row]
            self._row_numbers.remove(row)
        self.changed = True

    def cover(self, last_row: int, last_column: int) -> None:
        """Widen the sheet's recorded dimension to reach (``last_row``, ``last_column``)."""
        dimension = self._root.find(self._tag("dimension"))
        if dimension is None:
            return
        first, _, last = dimension.get("ref", "A1").partition(":")
        top, left = cell_position(first)
        bottom, right = cell_position(last or first)
        wanted = (
            f"{cell_reference(top, left)}:"
            f"{cell_reference(max(bottom, last_row), max(right, last_column))}"
        )
        if wanted != dimension.get("ref") and (last_row > bottom or last_column > right):
            dimension.set("ref", wanted)
            self.changed = True

    def stretch_ranges(
        self, first_row: int, old_last: int, new_last: int, left: int, right: int
    ) -> None:
        """Make the data validation and conditional formatting that cover a table's body rows
        (``first_row`` to ``old_last``, within columns ``left`` to ``right``) cover them down to
        ``new_last``, as Excel does when a table grows or shrinks."""

        def stretched(sqref: str) -> str:
            pieces = []
            for reference in sqref.split():
                start, _, end = reference.partition(":")
                top, first = cell_position(start)
                bottom, last = cell_position(end or start)
                covers_body = top == first_row and bottom == old_last
                if covers_body and left <= first <= last <= right:
                    pieces.append(f"{cell_reference(top, first)}:{cell_reference(new_last, last)}")
                else:
                    pieces.append(reference)
            return " ".join(pieces)

        for element in self._root.iter():
            if not isinstance(element.tag, str):
                continue
            local = etree.QName(element).localname
            if local in ("dataValidation", "conditionalFormatting") and element.get("sqref"):
                new = stretched(element.get("sqref", ""))
                if new != element.get("sqref"):
                    element.set("sqref", new)
                    self.changed = True
            elif local == "sqref" and element.text:  # x14 extensions write it as an element
                new = stretched(element.text)
                if new != element.text:
                    element.text = new
                    self.changed = True

    def to_bytes(self) -> bytes:
        return serialise(self._prolog, self._root)


def _string_item(item: etree._Element, text_tag: str) -> str:
    """The text of a shared or inline string, rich-text runs joined, phonetic runs left out."""
    pieces = []
    for element in item.iter(text_tag):
        parent = element.getparent()
        if parent is not None and etree.QName(parent).localname == "rPh":
            continue
        pieces.append(element.text or "")
    return unescape_excel("".join(pieces))


def shared_strings(data: bytes | None) -> list[str]:
    """The strings of a sharedStrings.xml part, in order."""
    if data is None:
        return []
    _, root = parse_keeping_prolog(data)
    namespace = etree.QName(root).namespace or ""
    text_tag = f"{{{namespace}}}t"
    return [_string_item(item, text_tag) for item in root.iterchildren(f"{{{namespace}}}si")]


# openpyxl's date arithmetic, imported when a date is first met: it brings numpy with it (a
# quarter of a second), which recalc, reading shared strings and sheet XML here, never needs.
def _from_excel(serial: float, date_1904: bool) -> Any:
    from openpyxl.utils.datetime import (  # noqa: PLC0415
        CALENDAR_MAC_1904,
        CALENDAR_WINDOWS_1900,
        from_excel,
    )

    return from_excel(serial, CALENDAR_MAC_1904 if date_1904 else CALENDAR_WINDOWS_1900)


def _to_excel(moment: date | datetime, date_1904: bool) -> Any:
    from openpyxl.utils.datetime import (  # noqa: PLC0415
        CALENDAR_MAC_1904,
        CALENDAR_WINDOWS_1900,
        to_excel,
    )

    return to_excel(moment, CALENDAR_MAC_1904 if date_1904 else CALENDAR_WINDOWS_1900)


def _as_date(value: datetime) -> date | datetime:
    return value.date() if value.time() == time(0) else value


def _same(stored: Value, new: Any) -> bool:
    if stored is None or stored == "":
        return new is None or new == ""
    if isinstance(new, bool) or isinstance(stored, bool):
        return type(new) is type(stored) and new == stored
    if isinstance(new, date) and isinstance(stored, date):
        return _as_moment(new) == _as_moment(stored)
    if isinstance(new, int | float) and isinstance(stored, int | float):
        return float(new) == float(stored)
    return type(new) is type(stored) and bool(new == stored)


def _as_moment(value: date) -> datetime:
    return value if isinstance(value, datetime) else datetime.combine(value, time(0))
