"""A macro-enabled workbook that holds many Excel features, for the recalc tests.

`build_feature_workbook` writes it with XlsxWriter, then adds a ribbon (customUI) part that
XlsxWriter cannot write. The VBA project is the one xlwings ships in its quickstart workbook.

Every formula has a cached value in the file: for about half of them it is the value Excel
would store, for the rest it is deliberately wrong (XlsxWriter's default 0, or a stale value),
so a recalculation can be seen to change them. `EXPECTED` holds what Excel computes for every
formula cell and every cell an array formula fills; it is worked out by hand below, never by
running a formula engine. `STALE_CELLS` names the cells whose cached value is wrong, and
`ARRAY_MEMBER_CELLS` those of `EXPECTED` that hold no formula of their own (the cells a
dynamic array spills into, and the non-anchor cells of a multi-cell CSE array).
"""

from __future__ import annotations

import datetime
import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import xlsxwriter  # type: ignore[import-untyped]

TRACKER = "Tracker"
CALC = "Calc"
LOOKUP = "Lookup"  # hidden

TABLE_NAME = "tblStock"
CUSTOM_UI_PART = "customUI/customUI14.xml"
CUSTOM_UI_REL_TYPE = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
CUSTOM_UI_XML = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<customUI xmlns="http://schemas.microsoft.com/office/2009/07/customui">
  <ribbon>
    <tabs>
      <tab id="tabProductive" label="Productive">
        <group id="grpTracker" label="Tracker">
          <button id="btnRefreshTracker" label="Refresh tracker" size="large"
                  imageMso="Refresh" onAction="RefreshTracker"/>
        </group>
      </tab>
    </tabs>
  </ribbon>
</customUI>
"""

Value = float | str | bool

# A date that several formulas use: 1 April 2025. Excel's serial for 1 Jan 2024 is 45292;
# 2024 is a leap year, so 1 Jan 2025 is 45292 + 366 = 45658, and 1 April 2025 is
# 45658 + 31 (Jan) + 28 (Feb) + 31 (Mar) = 45748.
START_DATE = datetime.date(2025, 4, 1)
START_SERIAL = 45292 + 366 + 31 + 28 + 31

# tblStock's rows: Item, Qty, Price, Status. Prices are exact in binary so sums are exact.
STOCK: tuple[tuple[str, int, float, str], ...] = (
    ("Gloves", 12, 2.5, "Open"),
    ("Masks", 40, 0.75, "Closed"),
    ("Gowns", 8, 6.25, "Open"),
    ("Aprons", 25, 0.5, "On hold"),
)
STATUSES = ("Open", "Closed", "On hold")
THRESHOLD = 20  # Tracker!B3, the sheet-scoped name Tracker!Threshold
FACTOR = 4  # Calc!B2, the sheet-scoped name Calc!LocalFactor
COUNT = 10  # Calc!B3
WARD = "Ward 7"  # Calc!B4
COST_UPLIFT = 0.25  # Lookup!F2, the workbook-scoped name CostUplift
RATES: tuple[tuple[str, float, str], ...] = (  # Lookup!A2:C4
    ("A", 0.5, "Band A"),
    ("B", 0.25, "Band B"),
    ("C", 0.125, "Band C"),
)
SEQUENCE = (1, 2, 3, 4, 5)  # Calc!D8:D12

# Hand-worked values that several cells share.
QTY_TOTAL = 12 + 40 + 8 + 25  # 85
LINE_VALUES = (12 * 2.5, 40 * 0.75, 8 * 6.25, 25 * 0.5)  # 30, 30, 50, 12.5
VALUE_TOTAL = 30 + 30 + 50 + 12.5  # 122.5
PRICE_AVERAGE = (2.5 + 0.75 + 6.25 + 0.5) / 4  # 10 / 4 = 2.5


@dataclass(frozen=True)
class FormulaCell:
    """One formula: where it is, what Excel computes, and whether the file caches that."""

    sheet: str
    cell: str
    formula: str
    expected: Value
    fresh: bool  # True: the file caches `expected`; False: it caches `stale`
    stale: Value = 0


# The plain (non-table, non-array) formulas.
FORMULAS: tuple[FormulaCell, ...] = (
    # Tracker, below the table.
    # Values over 20: 30, 30 and 50 (12.5 is not).
    FormulaCell(TRACKER, "B12", '=COUNTIF(tblStock[Value],">"&Threshold)', 3, fresh=False),
    # 122.5 * (1 + 0.25) = 153.125
    FormulaCell(TRACKER, "B13", "=tblStock[[#Totals],[Value]]*(1+CostUplift)", 153.125, True),
    FormulaCell(TRACKER, "B14", "=MAX(tblStock[Qty])", 40, fresh=False, stale=999),
    # Calc!B8 is 41, so 42.
    FormulaCell(TRACKER, "B15", "=Calc!B8+1", 42, fresh=True),
    # 12*2.5 + 40*0.75 + 8*6.25 + 25*0.5 = 122.5 = D9.
    FormulaCell(TRACKER, "B16", "=D9=SUMPRODUCT(B5:B8,C5:C8)", True, fresh=False, stale=False),
    # Calc, column B.
    FormulaCell(CALC, "B8", "=B2*B3+1", FACTOR * COUNT + 1, fresh=True),  # 41
    FormulaCell(CALC, "B9", "=SUM(Tracker!B5:B8)", QTY_TOTAL, fresh=False),  # 85
    FormulaCell(CALC, "B10", "=AVERAGE(Tracker!C5:C8)", PRICE_AVERAGE, fresh=True),  # 2.5
    FormulaCell(CALC, "B11", "=ROUND(B3/3,2)", 3.33, fresh=False),  # 10/3 = 3.333...
    FormulaCell(CALC, "B12", '=IF(B3>5,"big","small")', "big", fresh=True),
    FormulaCell(CALC, "B13", "=IFERROR(1/0,-1)", -1, fresh=False),
    # "B" is the second code on the hidden sheet: rate 0.25.
    FormulaCell(CALC, "B14", '=INDEX(Lookup!B2:B4,MATCH("B",Lookup!A2:A4,0))', 0.25, True),
    FormulaCell(CALC, "B15", '=VLOOKUP("C",Lookup!A2:C4,3,FALSE)', "Band C", fresh=False),
    FormulaCell(CALC, "B16", '=TEXT(B5,"yyyy-mm-dd")', "2025-04-01", fresh=True),
    FormulaCell(CALC, "B17", "=DATE(2025,4,1)", START_SERIAL, fresh=False),  # 45748
    FormulaCell(CALC, "B18", "=YEAR(B5)", 2025, fresh=True),
    FormulaCell(
        CALC, "B19", '=CONCATENATE(B4," - ",B3)', "Ward 7 - 10", fresh=False, stale="Ward 7 - 9"
    ),
    # B9 is 85 once recalculated.
    FormulaCell(CALC, "B20", '=B4&" total "&B9', "Ward 7 total 85", fresh=True),
    FormulaCell(CALC, "B21", "=B3>3", True, fresh=False, stale=False),  # 10 > 3
    FormulaCell(CALC, "B22", "=B2>B3", False, fresh=True),  # 4 > 10
    FormulaCell(CALC, "B23", "=1/0", "#DIV/0!", fresh=True),
    FormulaCell(CALC, "B24", "=NA()", "#N/A", fresh=False),
    FormulaCell(CALC, "B25", "=CostUplift*100", 25, fresh=True),  # 0.25 * 100
    FormulaCell(CALC, "B26", "=LocalFactor*B3", FACTOR * COUNT, fresh=False),  # 4 * 10 = 40
    FormulaCell(CALC, "B27", "=COUNTA(StockItems)", 4, fresh=True),  # four items
    FormulaCell(CALC, "B28", "=Lookup!F2*B2", COST_UPLIFT * FACTOR, fresh=False),  # 1
    # The largest line value, 50 (Gowns), is the third.
    FormulaCell(CALC, "B29", "=MATCH(MAX(Tracker!D5:D8),Tracker!D5:D8,0)", 3, fresh=True),
    # Calc!E8:E12, filled down: n * Factor = 4, 8, 12, 16, 20.
    FormulaCell(CALC, "E8", "=D8*$B$2", 1 * FACTOR, fresh=True),
    FormulaCell(CALC, "E9", "=D9*$B$2", 2 * FACTOR, fresh=False),
    FormulaCell(CALC, "E10", "=D10*$B$2", 3 * FACTOR, fresh=True),
    FormulaCell(CALC, "E11", "=D11*$B$2", 4 * FACTOR, fresh=False),
    FormulaCell(CALC, "E12", "=D12*$B$2", 5 * FACTOR, fresh=True),
    # Calc!F8:F12, a running total of column E: 4, 12, 24, 40, 60.
    FormulaCell(CALC, "F8", "=E8", 4, fresh=False, stale=3),
    FormulaCell(CALC, "F9", "=F8+E9", 4 + 8, fresh=True),
    FormulaCell(CALC, "F10", "=F9+E10", 4 + 8 + 12, fresh=False),
    FormulaCell(CALC, "F11", "=F10+E11", 4 + 8 + 12 + 16, fresh=True),
    FormulaCell(CALC, "F12", "=F11+E12", 4 + 8 + 12 + 16 + 20, fresh=False),
    # A formula on the hidden sheet: 0.25 * 4.
    FormulaCell(LOOKUP, "F3", "=F2*4", COST_UPLIFT * 4, fresh=False),
)

# tblStock (Tracker!A4:E9): the calculated column Value (D5:D8) and the totals row (row 9).
VALUE_FORMULA = "=tblStock[[#This Row],[Qty]]*tblStock[[#This Row],[Price]]"
TABLE_FORMULAS: tuple[FormulaCell, ...] = (
    FormulaCell(TRACKER, "D5", VALUE_FORMULA, LINE_VALUES[0], fresh=True),  # 12 * 2.5 = 30
    FormulaCell(TRACKER, "D6", VALUE_FORMULA, LINE_VALUES[1], fresh=False),  # 40 * 0.75 = 30
    FormulaCell(TRACKER, "D7", VALUE_FORMULA, LINE_VALUES[2], fresh=True),  # 8 * 6.25 = 50
    FormulaCell(TRACKER, "D8", VALUE_FORMULA, LINE_VALUES[3], fresh=False),  # 25 * 0.5 = 12.5
    FormulaCell(TRACKER, "B9", "=SUBTOTAL(109,tblStock[Qty])", QTY_TOTAL, fresh=True),
    FormulaCell(TRACKER, "C9", "=SUBTOTAL(101,tblStock[Price])", PRICE_AVERAGE, fresh=False),
    FormulaCell(TRACKER, "D9", "=SUBTOTAL(109,tblStock[Value])", VALUE_TOTAL, fresh=True),
    FormulaCell(TRACKER, "E9", "=SUBTOTAL(103,tblStock[Status])", 4, fresh=False),
)


@dataclass(frozen=True)
class ArrayFormula:
    """A CSE or dynamic array formula over `cells` (anchor first), with their values."""

    sheet: str
    cells: tuple[str, ...]
    formula: str
    expected: tuple[Value, ...]
    fresh: bool  # True: every cell caches its expected value; False: every cell caches 0
    dynamic: bool


ARRAY_FORMULAS: tuple[ArrayFormula, ...] = (
    # CSE, one cell: 12*2.5 + 40*0.75 + 8*6.25 + 25*0.5 = 122.5
    ArrayFormula(
        CALC,
        ("B30",),
        "{=SUM(Tracker!B5:B8*Tracker!C5:C8)}",
        (VALUE_TOTAL,),
        fresh=False,
        dynamic=False,
    ),
    # CSE over three cells: 1, 2, 3 times 10.
    ArrayFormula(
        CALC, ("H8", "H9", "H10"), "{=D8:D10*10}", (10, 20, 30), fresh=True, dynamic=False
    ),
    # Dynamic, spilling 1..5 sorted descending into J8:J12.
    ArrayFormula(
        CALC,
        ("J8", "J9", "J10", "J11", "J12"),
        "=SORT(D8:D12,1,-1)",
        (5, 4, 3, 2, 1),
        fresh=False,
        dynamic=True,
    ),
    # Dynamic, spilling 1, 2, 3 times 2 into K8:K10.
    ArrayFormula(CALC, ("K8", "K9", "K10"), "=D8:D10*2", (2, 4, 6), fresh=True, dynamic=True),
)


def _normalised(value: Value) -> Value:
    """Numbers as float, as the tests compare them; strings and booleans as they are."""
    if isinstance(value, bool | str):
        return value
    return float(value)


def _expected() -> dict[tuple[str, str], Value]:
    expected: dict[tuple[str, str], Value] = {}
    for f in (*FORMULAS, *TABLE_FORMULAS):
        expected[f.sheet, f.cell] = _normalised(f.expected)
    for a in ARRAY_FORMULAS:
        for cell, value in zip(a.cells, a.expected, strict=True):
            expected[a.sheet, cell] = _normalised(value)
    return expected


EXPECTED: dict[tuple[str, str], Value] = _expected()
STALE_CELLS: frozenset[tuple[str, str]] = frozenset(
    {(f.sheet, f.cell) for f in (*FORMULAS, *TABLE_FORMULAS) if not f.fresh}
    | {(a.sheet, cell) for a in ARRAY_FORMULAS if not a.fresh for cell in a.cells}
)
ARRAY_MEMBER_CELLS: frozenset[tuple[str, str]] = frozenset(
    (a.sheet, cell) for a in ARRAY_FORMULAS for cell in a.cells[1:]
)


def _cached(value: Value) -> Value:
    """The value as XlsxWriter should write it: whole numbers without '.0', as Excel does."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _png(width: int, height: int) -> bytes:
    """A small RGB PNG: NHS blue with a white diagonal stripe."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type None
        for x in range(width):
            rows.extend(b"\xff\xff\xff" if abs(x - y) <= 1 else b"\x00\x5e\xb8")
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows)))
        + chunk(b"IEND", b"")
    )


def _xlwings_vba_project() -> bytes:
    """xl/vbaProject.bin of xlwings' quickstart.xlsm (ThisWorkbook, Sheet1, Sheet2, Module1)."""
    quickstart = resources.files("xlwings").joinpath("quickstart.xlsm")
    with zipfile.ZipFile(io.BytesIO(quickstart.read_bytes())) as book:
        return book.read("xl/vbaProject.bin")


def _add_custom_ui(path: Path) -> None:
    """Add the ribbon part and its package relationship; other members keep their bytes."""
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    names = {info.filename for info, _ in members}
    if CUSTOM_UI_PART in names:
        raise ValueError(f"{path} already has {CUSTOM_UI_PART}")

    def patched(info: zipfile.ZipInfo, data: bytes) -> bytes:
        if info.filename == "_rels/.rels":
            text = data.decode("utf-8")
            used = {int(n) for n in re.findall(r'Id="rId(\d+)"', text)}
            rel_id = f"rId{max(used, default=0) + 1}"
            relationship = (
                f'<Relationship Id="{rel_id}" Type="{CUSTOM_UI_REL_TYPE}" '
                f'Target="{CUSTOM_UI_PART}"/>'
            )
            return text.replace("</Relationships>", relationship + "</Relationships>").encode()
        if info.filename == "[Content_Types].xml":
            text = data.decode("utf-8")
            if 'Extension="xml"' not in text:
                default = '<Default Extension="xml" ContentType="application/xml"/>'
                text = re.sub(r"(<Types[^>]*>)", lambda m: m.group(1) + default, text, count=1)
            return text.encode()
        return data

    part = zipfile.ZipInfo(CUSTOM_UI_PART, date_time=members[0][0].date_time)
    part.compress_type = zipfile.ZIP_DEFLATED
    part.external_attr = members[0][0].external_attr
    temporary = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(temporary, "w") as target:
        for info, data in members:
            target.writestr(info, patched(info, data))
        target.writestr(part, CUSTOM_UI_XML)
    temporary.replace(path)


def build_feature_workbook(path: Path) -> None:
    """Write the feature workbook (an .xlsm) at `path`; see EXPECTED for its formulas' values."""
    workbook = xlsxwriter.Workbook(str(path))
    workbook.set_properties(
        {"title": "Productive Ward Tracker", "author": "productive_xl tests", "company": "NHS"}
    )
    workbook.add_vba_project(io.BytesIO(_xlwings_vba_project()), is_stream=True)
    workbook.set_vba_name("ThisWorkbook")

    tracker = workbook.add_worksheet(TRACKER)
    tracker.set_vba_name("Sheet1")
    calc = workbook.add_worksheet(CALC)
    calc.set_vba_name("Sheet2")
    lookup = workbook.add_worksheet(LOOKUP)
    lookup.set_vba_name("Sheet3")  # not in the VBA project: Excel adds its module on opening
    lookup.hide()
    sheets = {TRACKER: tracker, CALC: calc, LOOKUP: lookup}

    title = workbook.add_format(
        {
            "bold": True,
            "font_size": 14,
            "font_color": "#FFFFFF",
            "bg_color": "#005EB8",
            "align": "center",
            "valign": "vcenter",
        }
    )
    bold = workbook.add_format({"bold": True})
    header = workbook.add_format({"bold": True, "bg_color": "#E8EDEE", "bottom": 1})
    italic = workbook.add_format({"italic": True, "font_name": "Georgia", "font_color": "#425563"})
    date = workbook.add_format({"num_format": "dd/mm/yyyy"})
    money = workbook.add_format({"num_format": '"£"#,##0.00'})
    percent = workbook.add_format({"num_format": "0.0%"})
    two_dp = workbook.add_format({"num_format": "0.00"})
    whole = workbook.add_format({"num_format": "#,##0"})
    red = workbook.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
    green = workbook.add_format({"bg_color": "#C6EFCE", "font_color": "#006100"})

    # Lookup (hidden): the rates the lookups read, and the workbook-scoped CostUplift.
    lookup.write_row("A1", ["Code", "Rate", "Label"], header)
    for row, (code, rate, label) in enumerate(RATES, start=1):
        lookup.write_row(row, 0, [code, rate, label])
    lookup.write("E2", "Uplift")
    lookup.write_number("F2", COST_UPLIFT, percent)
    lookup.write("E3", "Uplift x4")

    # Tracker: title, inputs, the stock table, checks, a chart, an image, links.
    tracker.set_tab_color("#005EB8")
    tracker.set_column("A:A", 22)
    tracker.set_column("B:E", 12)
    tracker.set_row(0, 24)
    tracker.merge_range("A1:E1", "Productive Ward Tracker", title)
    tracker.write("A2", "Prepared", bold)
    tracker.write_datetime("B2", START_DATE, date)
    tracker.write_comment("B2", "Date the stock count was taken.", {"author": "Finance team"})
    tracker.write("A3", "Threshold", bold)
    tracker.write_number("B3", THRESHOLD, whole)
    tracker.add_table(
        "A4:E9",
        {
            "name": TABLE_NAME,
            "style": "Table Style Medium 2",
            "total_row": True,
            "data": [[item, qty, price, None, status] for item, qty, price, status in STOCK],
            "columns": [
                {"header": "Item", "total_string": "Total"},
                {"header": "Qty", "total_function": "sum", "format": whole},
                {"header": "Price", "total_function": "average", "format": money},
                {"header": "Value", "formula": VALUE_FORMULA, "format": money},
                {"header": "Status", "total_function": "count"},
            ],
        },
    )
    # Rewrite the table's formula cells with their cached values, in Excel's own spelling
    # (XlsxWriter writes "SUBTOTAL(109,[Qty])" for a totals cell; Excel names the table).
    table_formats = {"B": whole, "C": money, "D": money, "E": None}
    for f in TABLE_FORMULAS:
        value = f.expected if f.fresh else f.stale
        tracker.write_formula(f.cell, f.formula, table_formats[f.cell[0]], _cached(value))
    tracker.write_comment("A4", "Stock held on the ward, counted monthly.", {"author": "Ward"})
    tracker.data_validation(
        "B5:B8",
        {
            "validate": "integer",
            "criteria": "between",
            "minimum": 0,
            "maximum": 1000,
            "input_title": "Quantity",
            "input_message": "A whole number from 0 to 1,000",
            "error_title": "Quantity",
            "error_message": "Enter a whole number from 0 to 1,000.",
        },
    )
    tracker.data_validation("E5:E8", {"validate": "list", "source": list(STATUSES)})
    tracker.conditional_format(
        "D5:D8", {"type": "cell", "criteria": ">", "value": "$B$3", "format": red}
    )
    tracker.conditional_format("B5:B8", {"type": "3_color_scale"})
    tracker.conditional_format(
        "E5:E8", {"type": "formula", "criteria": '=$E5="Closed"', "format": green}
    )
    tracker.write("A11", "Checks", header)
    for cell, label in (
        ("A12", "Lines over threshold"),
        ("A13", "Total with uplift"),
        ("A14", "Largest quantity"),
        ("A15", "From Calc"),
        ("A16", "Totals agree"),
    ):
        tracker.write(cell, label, italic)
    tracker.write_url("A18", "https://www.england.nhs.uk/", string="NHS England")
    tracker.write_url("A19", "internal:'Calc'!A1", string="Go to Calc")
    tracker.freeze_panes(4, 1)

    chart = workbook.add_chart({"type": "column"})
    chart.add_series(
        {
            "name": f"={TRACKER}!$D$4",
            "categories": f"={TRACKER}!$A$5:$A$8",
            "values": f"={TRACKER}!$D$5:$D$8",
            "fill": {"color": "#005EB8"},
        }
    )
    chart.set_title({"name": "Stock value by item"})
    chart.set_legend({"none": True})
    tracker.insert_chart("G2", chart)
    tracker.insert_image(
        "G18",
        "productive.png",
        {"image_data": io.BytesIO(_png(16, 16)), "x_scale": 2, "y_scale": 2},
    )

    # Calc: inputs, then formulas of many kinds.
    calc.set_column("A:A", 14)
    calc.set_column("B:B", 18)
    calc.write_row("A1", ["Input", "Value"], header)
    calc.write("A2", "Factor")
    calc.write_number("B2", FACTOR)
    calc.write_comment("B2", "Also the sheet-scoped name LocalFactor.")
    calc.write("A3", "Count")
    calc.write_number("B3", COUNT)
    calc.write("A4", "Ward")
    calc.write_string("B4", WARD)
    calc.write("A5", "Start")
    calc.write_datetime("B5", START_DATE, date)
    calc.write_row("A7", ["Check", "Result"], header)
    calc.write_row("D7", ["n", "n x Factor", "Running"], header)
    calc.write("H7", "x10 (CSE)", header)
    calc.write_row("J7", ["Sorted", "x2"], header)
    for row, n in enumerate(SEQUENCE, start=7):
        calc.write_number(row, 3, n)
    calc.freeze_panes(1, 0)

    formats = {(CALC, "B11"): two_dp, (CALC, "B17"): date, (LOOKUP, "F3"): percent}
    for f in FORMULAS:
        value = f.expected if f.fresh else f.stale
        sheet = sheets[f.sheet]
        sheet.write_formula(f.cell, f.formula, formats.get((f.sheet, f.cell)), _cached(value))

    for a in ARRAY_FORMULAS:
        sheet = sheets[a.sheet]
        cell_range = f"{a.cells[0]}:{a.cells[-1]}"
        anchor = _cached(a.expected[0]) if a.fresh else 0
        if a.dynamic:
            sheet.write_dynamic_array_formula(cell_range, a.formula, None, anchor)
        else:
            sheet.write_array_formula(cell_range, a.formula, None, anchor)
        if a.fresh:  # XlsxWriter fills the other cells with 0
            for cell, value in zip(a.cells[1:], a.expected[1:], strict=True):
                sheet.write_number(cell, value)

    workbook.define_name("CostUplift", f"={LOOKUP}!$F$2")
    workbook.define_name("StockItems", f"={TRACKER}!$A$5:$A$8")
    workbook.define_name(f"{TRACKER}!Threshold", f"={TRACKER}!$B$3")
    workbook.define_name(f"{CALC}!LocalFactor", f"={CALC}!$B$2")

    workbook.close()
    _add_custom_ui(path)
