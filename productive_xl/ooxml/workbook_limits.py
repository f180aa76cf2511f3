"""Limits on what a workbook holds, checked before any formula reaches the engine.

IronCalc 0.9.1 parses a formula by recursion: 2,400 nested ``SUM(``, about 2,700 nested
parentheses or 30,000 terms overflow its stack and the process dies (SIGSEGV) with no message.
It lists defined names in time that grows with the square of their number (8,000 names: 13.5 s,
30,000: minutes). So a workbook past these limits is refused, with the cell or name named,
before anything is evaluated. Excel's own limits are taken where its specification gives one
("Excel specifications and limits", support.microsoft.com).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from productive_xl.ooxml.cell_values import xml_unescape
from productive_xl.ooxml.package import UnusableWorkbook, WorkbookPackage

if TYPE_CHECKING:
    from productive_xl.ooxml.workbook import WorkbookInfo


@dataclass(frozen=True)
class WorkbookLimits:
    """How much a workbook may hold; the README's "Limits" section gives the reasons."""

    # Excel's limit is "limited by available memory"; the engine takes about 1 s for 1,000
    # sheets, 5 s for 4,000. The most among 1,009 workbooks Excel saved is 28.
    max_sheets: int = 1_000
    # Excel: "limited by available memory"; the engine lists them in quadratic time (4,000
    # names: 2 s of recalc, 8,000: 12 s). The most among 1,009 workbooks Excel saved is 624.
    max_defined_names: int = 5_000
    # Excel: "Length of formula contents: 8,192 characters". Counted as the file writes the
    # formula, less the _xlfn. (and _xlws., _xludf.) Excel writes before newer functions and does
    # not show. The engine dies at 30,000 terms of 1+1+... and at about 11,000 signs of
    # ---...-1; the most among 80,000 formulas of workbooks Excel saved is 991 characters.
    max_formula_length: int = 8_192
    # Excel: "Nested levels of functions: 64". Parentheses that only group count as levels too
    # (the engine dies at about 2,700 of them), as does each sign of a run of them (--1); the
    # deepest among the formulas of workbooks Excel saved has 8.
    max_nesting: int = 64


# The formulas of a worksheet part that may be past a limit: those whose text (as written, so
# at least as long as the formula) has more characters than the nesting limit, as no shorter
# one can be past either limit. Each alternative stops at the next "<", so a scan takes time
# in proportion to the part.
@lru_cache(maxsize=4)
def _suspects(shortest: int) -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
    """The patterns for a worksheet as Excel writes it, and for any other."""
    return (
        # Formulas in <f> with no namespace prefix, and no comment, CDATA section or processing
        # instruction: a pattern that starts with "<f" is sought at C speed (0.1 s over a 15 MB
        # part of 140,000 formulas)
        re.compile(rb"<f(?=[\s>])[^<>]*(?<!/)>(?P<text>[^<]{%d,})" % shortest),
        # Any namespace prefix on <f>, and comments, CDATA sections and processing instructions
        # passed over whole, so that nothing in them is taken for a formula.
        re.compile(
            rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>"
            rb"|<(?:[\w.-]+:)?f(?=[\s>])[^<>]*(?<!/)>(?P<text>[^<]{%d,})" % shortest,
            re.DOTALL,
        ),
    )


def _unlike_excel(xml: bytes) -> bool:
    return any(mark in xml for mark in (b"<!--", b"<![CDATA[", b":f>", b":f ")) or (
        xml.find(b"<?", 6) >= 0
    )


_MAY_RUN_IN_BYTES = re.compile(rb"[-+]\s*[-+]")
_CELL_START = re.compile(rb"<(?:[\w.-]+:)?c[\s>/]")
_REFERENCE = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]{1,3}\d+)["']""")


_MAY_RUN = re.compile(r"[-+]\s*[-+]")  # two signs in a row: nesting() counts the run
_PREFIXES = re.compile(r"_xl(?:fn|ws|udf)\.", re.IGNORECASE)


def nesting(formula: str) -> int:
    """How deep ``formula`` nests: the most parentheses open at once, or the longest run of
    signs (``---1``), whichever is more; quoted text left out."""
    deepest = depth = signs = 0
    quoted = False
    for character in formula:
        if character == '"':
            quoted = not quoted
        elif quoted or character in " \t\r\n":
            continue
        elif character in "+-":
            signs += 1
            deepest = max(deepest, signs)
            continue
        elif character == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif character == ")":
            depth -= 1
        signs = 0
    return deepest


def formula_problem(formula: str, limits: WorkbookLimits) -> str | None:
    """Why ``formula`` (without its "=") is past a limit, in words; None when it is not."""
    length = len(formula)
    if length > limits.max_formula_length:
        length -= sum(len(found) for found in _PREFIXES.findall(formula))
    if length > limits.max_formula_length:
        return (
            f"has a formula of {length:,} characters, more than the "
            f"{limits.max_formula_length:,} Excel allows"
        )
    if formula.count("(") > limits.max_nesting or _MAY_RUN.search(formula):
        depth = nesting(formula)
        if depth > limits.max_nesting:
            return (
                f"has a formula nested {depth:,} levels deep (parentheses, or signs in a "
                f"row), more than the {limits.max_nesting} Excel allows"
            )
    return None


def _cell_of(xml: bytes, at: int) -> str:
    """The reference of the cell whose <f> starts at ``at``; "a cell" when it has none."""
    start = max((m.start() for m in _CELL_START.finditer(xml, max(0, at - 4096), at)), default=-1)
    if start < 0:
        return "a cell"
    end = xml.find(b">", start)
    found = _REFERENCE.search(xml, start, end if 0 <= end < at else at)
    return found.group(1).decode() if found else "a cell"


def sheet_formula_problem(xml: bytes, limits: WorkbookLimits) -> tuple[str, str] | None:
    """The first cell of the worksheet part ``xml`` whose formula is past a limit, and why."""
    as_excel_writes, any_part = _suspects(min(limits.max_nesting, limits.max_formula_length) + 1)
    for match in (any_part if _unlike_excel(xml) else as_excel_writes).finditer(xml):
        text = match.group("text")
        if text is None:
            continue  # a comment, CDATA section or processing instruction
        # as written, a formula is no shorter and holds no fewer "(" and signs, unless written
        # by reference (&#40;)
        many = text.count(b"(") > limits.max_nesting or _MAY_RUN_IN_BYTES.search(text)
        if len(text) <= limits.max_formula_length and not many and b"&#" not in text:
            continue
        problem = formula_problem(xml_unescape(text.decode("utf-8", "replace")), limits)
        if problem:
            return _cell_of(xml, match.start()), problem
    return None


def check_workbook_limits(
    package: WorkbookPackage, info: WorkbookInfo, limits: WorkbookLimits | None = None
) -> None:
    """Raise :class:`UnusableWorkbook` when the workbook holds more than ``limits`` allow."""
    limits = limits or WorkbookLimits()
    path = package.path
    if len(info.sheets) > limits.max_sheets:
        raise UnusableWorkbook(
            path, f"has {len(info.sheets):,} sheets, more than the {limits.max_sheets:,} read"
        )
    if len(info.defined_names) > limits.max_defined_names:
        raise UnusableWorkbook(
            path,
            f"has {len(info.defined_names):,} defined names, more than the "
            f"{limits.max_defined_names:,} read",
        )
    for name in info.defined_names:
        problem = formula_problem(name.formula, limits)
        if problem:
            raise UnusableWorkbook(path, f"the defined name {name.name} {problem}")
    for table in info.tables:
        for column, formula in table.calculated:
            problem = formula_problem(formula, limits)
            if problem:
                raise UnusableWorkbook(path, f"column {column} of table {table.name} {problem}")
    for sheet in info.worksheets():
        if sheet.part is None or not package.has(sheet.part):
            continue
        found = sheet_formula_problem(package.read(sheet.part), limits)
        if found:
            cell, problem = found
            raise UnusableWorkbook(path, f"{_sheet_reference(sheet.name)}!{cell} {problem}")


def _sheet_reference(name: str) -> str:
    plain = re.fullmatch(r"[A-Za-z_][\w.]*", name) is not None
    return name if plain else "'" + name.replace("'", "''") + "'"
