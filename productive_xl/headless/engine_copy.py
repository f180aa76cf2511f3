"""The copy of a workbook that the formula engine loads: the user's file is never changed for it.

IronCalc 0.9.1 reads most workbooks as they are, with a few exceptions that a copy can smooth
over without changing what any formula means:

* it cannot follow absolute relationship targets (``Target="/xl/comments/comment1.xml"``, as
  openpyxl writes them), so every internal target is made relative;
* it does not know the ``@`` shorthand of structured references (``tblStock[@Qty]``) nor a
  reference with no table name (``SUBTOTAL(109,[Qty])`` in a totals row, as Excel writes it), so
  both are written out in full (``tblStock[[#This Row],[Qty]]``, ``tblStock[Qty]``).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Callable

from productive_xl.ooxml.package import WorkbookPackage
from productive_xl.ooxml.sheet_values import rewrite_formulas
from productive_xl.ooxml.workbook import Table, WorkbookInfo

_TARGET = re.compile(rb"""(\sTarget\s*=\s*)(["'])(/[^"']*)\2""")
# Text in double quotes (a string) or single quotes (a sheet name) is never a table reference.
_QUOTED = re.compile(r""""(?:[^"]|"")*"|'(?:[^']|'')*'""")
_STRUCTURED = re.compile(
    r"(?<![\w.\]])(?P<table>[A-Za-z_\\][\w.]*)?\[(?P<inner>(?:[^\[\]]|\[[^\[\]]*\])*)\]"
    r"(?![\w.]*!)"  # "[1]Sheet1!A1" is a reference to another workbook, not a table
)


def _relative(owner_rels: str) -> Callable[[re.Match[bytes]], bytes]:
    # A .rels part describes the part in the folder above its _rels folder.
    base = posixpath.dirname(posixpath.dirname(owner_rels))

    def rewrite(match: re.Match[bytes]) -> bytes:
        target = match.group(3).decode()
        relative = posixpath.relpath(target.lstrip("/"), base or ".")
        return match.group(1) + match.group(2) + relative.encode() + match.group(2)

    return rewrite


def _spelled_out(inner: str) -> str:
    """``@Qty`` -> ``[#This Row],[Qty]``: the form IronCalc reads; other forms as they are."""
    if not inner.startswith("@"):
        return inner
    rest = inner[1:]
    if not rest:
        return "[#This Row]"
    return "[#This Row]," + (rest if rest.startswith("[") else f"[{rest}]")


def qualify_table_references(formula: str, table: Table | None) -> str:
    """``formula`` with structured references in the full form, named after their table.

    ``table`` is the table the formula's cell stands in, which an unnamed reference refers to.
    """

    def rewrite(match: re.Match[str]) -> str:
        name = match.group("table") or (table.name if table else None)
        if name is None:
            return match.group(0)
        return f"{name}[{_spelled_out(match.group('inner'))}]"

    pieces = []
    done = 0
    for quoted in _QUOTED.finditer(formula):
        pieces.append(_STRUCTURED.sub(rewrite, formula[done : quoted.start()]))
        pieces.append(quoted.group(0))
        done = quoted.end()
    pieces.append(_STRUCTURED.sub(rewrite, formula[done:]))
    return "".join(pieces)


def _relative_targets(rels_name: str, data: bytes) -> bytes:
    rewrite = _relative(rels_name)

    def relationship(match: re.Match[bytes]) -> bytes:
        element = match.group(0)
        if re.search(rb"""TargetMode\s*=\s*["']External["']""", element):
            return element
        return _TARGET.sub(rewrite, element)

    return re.sub(rb"<(?:[\w.-]+:)?Relationship\s[^>]*>", relationship, data)


def _qualified_sheet(xml: bytes, tables: list[Table]) -> bytes:
    def formula(row: int, column: int, text: str) -> str:
        if "[" not in text:
            return text
        home = next((t for t in tables if t.holds(row, column)), None)
        return qualify_table_references(text, home)

    return rewrite_formulas(xml, formula)


def engine_package(package: WorkbookPackage, info: WorkbookInfo) -> bytes:
    """The bytes of the copy of ``package`` that IronCalc is given to load."""
    sheet_tables = {
        sheet.part: [t for t in info.tables if t.sheet == sheet.name] for sheet in info.worksheets()
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as copy:
        for member in package.infos:
            name = member.filename
            data = package.read(name)
            if name.endswith(".rels"):
                data = _relative_targets(name, data)
            elif name in sheet_tables and b"[" in data:
                data = _qualified_sheet(data, sheet_tables[name])
            copy.writestr(name, data)
    return buffer.getvalue()
