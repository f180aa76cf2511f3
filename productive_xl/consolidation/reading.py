"""Read one recalculated tracker into pandas DataFrames: its register, phasing and checks.

Everything is found by table name, column header and defined name (``tblBenefits``,
``tblPhasing``, ``tblChecks``, ``MasterCheck``, ``RefreshedAt``), never by cell address, so a
team may move a table or add a column of its own. The values read are those the cells show:
the tracker must have been recalculated (``productive-xl recalc`` or ``refresh``) since it was
last changed, or the figures would be stale.

Every row of every DataFrame carries where it came from: the organisation, the source file (its
path as given), the sheet, the worksheet row and the SHA-256 of the file, so any figure built
from them can be followed back to the cell it rests on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from productive_xl.ooxml.package import UnusableWorkbook
from productive_xl.tracker.book import NotATracker, Value
from productive_xl.tracker.file_book import FileBook
from productive_xl.tracker.layout import (
    ChecksColumn,
    Name,
    PhasingColumn,
    Table,
)
from productive_xl.tracker.register import Column

# The provenance columns every DataFrame starts with.
ORGANISATION = "Organisation"
ORGANISATION_CODE = "Organisation code"
SOURCE_FILE = "Source file"
SHEET = "Sheet"
ROW = "Row"
FILE_HASH = "File SHA-256"
PROVENANCE = (ORGANISATION, ORGANISATION_CODE, SOURCE_FILE, SHEET, ROW, FILE_HASH)

# How the tracker's columns are typed; any other column (one a team added) is kept as read.
NUMBER_COLUMNS = frozenset(
    {
        Column.FULL_YEAR_EFFECT,
        Column.RAMP_MONTHS,
        Column.IN_YEAR_EFFECT,
        Column.RISK_WEIGHT,
        Column.RISK_ADJUSTED,
        Column.CASH_IN_YEAR,
        Column.SOURCE_FULL_YEAR_EFFECT,
        Column.SOURCE_ROWS,
        Column.PHASING_ROWS,
        ChecksColumn.COUNT,
    }
    | {column for column in PhasingColumn if column not in (PhasingColumn.LINE,)}
    - {PhasingColumn.START_DATE, PhasingColumn.PLAN_DISAGREES}
)
DATE_COLUMNS = frozenset({Column.START_DATE, PhasingColumn.START_DATE})
FLAG_COLUMNS = frozenset({Column.DISAGREES_WITH_SOURCE, PhasingColumn.PLAN_DISAGREES})
TEXT_COLUMNS = frozenset(
    {
        Column.ID,
        Column.PROGRAMME,
        Column.SCHEME,
        Column.WARD,
        Column.DIRECTORATE,
        Column.OWNER,
        Column.BENEFIT_TYPE,
        Column.CASH_RELEASING,
        Column.RECURRENCE,
        Column.SOURCE_LINE,
        Column.MEASURE,
        Column.STATUS,
        Column.EVIDENCE,
        Column.ALSO_REPORTED_IN,
        Column.ORDER,
        Column.START_YEAR,
        Column.YEAR,
        PhasingColumn.LINE,
        ChecksColumn.CHECK,
    }
)
# A started register line must show these once recalculated: calculated columns every line has.
_CALCULATED_ON_EVERY_LINE = (Column.YEAR, Column.IN_YEAR_EFFECT, Column.RISK_ADJUSTED)


@dataclass(frozen=True)
class CellError:
    """A cell showing an error where a figure belongs: it counts as blank in the DataFrames."""

    sheet: str
    row: int
    column: str
    error: str


@dataclass
class TrackerData:
    """One tracker, read: its register (``lines``), ``phasing`` and ``checks`` as DataFrames,
    and what it says about itself."""

    path: Path
    organisation: str
    organisation_code: str
    sha256: str
    master_check: float | str | None  # 0 when all is well; the error's text if it shows one
    refreshed_at: datetime | None
    lines: pd.DataFrame
    phasing: pd.DataFrame
    checks: pd.DataFrame
    errors: list[CellError] = field(default_factory=list)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _optional_name(book: FileBook, name: str) -> Value:
    try:
        return book.name_value(name)
    except NotATracker:
        return None


def _text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _number(value: Value, where: tuple[str, int, str], errors: list[CellError]) -> float:
    if isinstance(value, bool) or value is None or value == "":
        return float("nan")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and value.startswith("#"):
        errors.append(CellError(*where, value))
    return float("nan")


def _timestamp(value: Value) -> pd.Timestamp:
    if isinstance(value, datetime | date):
        return pd.Timestamp(value)
    return pd.NaT


def _flag(value: Value) -> object:
    return value if isinstance(value, bool) else pd.NA


def _check_value(value: Value) -> float | str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None if value in (None, "") else str(value)


def _moment(value: Value) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, datetime.min.time())
    return None


def _typed(
    column: str, values: list[Value], sheet: str, rows: list[int], errors: list[CellError]
) -> pd.Series:
    if column in NUMBER_COLUMNS:
        numbers = [
            _number(v, (sheet, r, column), errors) for v, r in zip(values, rows, strict=True)
        ]
        return pd.Series(numbers, dtype="float64")
    if column in DATE_COLUMNS:
        return pd.Series([_timestamp(v) for v in values], dtype="datetime64[ns]")
    if column in FLAG_COLUMNS:
        return pd.Series([_flag(v) for v in values], dtype="boolean")
    if column in TEXT_COLUMNS:
        return pd.Series([_text(v) for v in values], dtype="string")
    return pd.Series(values, dtype="object")


def _table(
    book: FileBook,
    table: str,
    provenance: dict[str, str],
    needed: Collection[str],
    errors: list[CellError],
) -> pd.DataFrame:
    """``table``'s body rows, typed, after the provenance columns."""
    columns = book.columns(table)
    missing = [column for column in needed if column not in columns]
    if missing:
        raise NotATracker(f"table {table} has no column {', '.join(map(repr, missing))}")
    found = book.rows(table)
    sheet = book.cell_address(table, columns[0], 0).rpartition("!")[0]
    rows = [row.row for row in found]
    series: dict[str, pd.Series] = {
        **{
            name: pd.Series([value] * len(found), dtype="string")
            for name, value in provenance.items()
        },
        SHEET: pd.Series([sheet] * len(found), dtype="string"),
        ROW: pd.Series(rows, dtype="int64"),
    }
    for column in columns:
        series[column] = _typed(
            column, [row.values.get(column) for row in found], sheet, rows, errors
        )
    frame = pd.DataFrame(series)  # made at once: a column added at a time copies the frame
    return frame[[*PROVENANCE, *columns]]


def read_tracker(path: Path | str) -> TrackerData:
    """Read a recalculated tracker: its register, phasing and checks as typed DataFrames.

    Each row carries its organisation, source file, sheet, worksheet row and the file's SHA-256.
    The organisation is the workbook's ``Organisation`` name and its code ``OrganisationCode``
    (on Inputs) where the tracker has them; a tracker built before they were added gives the
    file's name without its extension as the organisation and a blank code. The register's
    ``Directorate`` and ``Also reported in`` columns are read where the register has them and
    are blank where it has not.

    Figures are typed float64 (a blank or an error shows as NaN; errors are listed in
    :attr:`TrackerData.errors`), dates datetime64, flags nullable booleans, text strings.
    Raises :class:`~productive_xl.ooxml.package.UnusableWorkbook` naming the file when it is not
    a workbook, not a tracker (a table, column or name is missing) or not recalculated.
    """
    source = Path(path)
    book = FileBook(source)  # UnusableWorkbook for what is not a workbook at all
    try:
        return _read(source, book)
    except NotATracker as error:
        raise UnusableWorkbook(
            source, f"is not a tracker productive-xl can read: {error}"
        ) from None


def _read(source: Path, book: FileBook) -> TrackerData:
    organisation = _text(_optional_name(book, Name.ORGANISATION)) or source.stem
    code = _text(_optional_name(book, Name.ORGANISATION_CODE))
    sha256 = file_sha256(source)
    provenance = {
        ORGANISATION: organisation,
        ORGANISATION_CODE: code,
        # the path as given: two trackers of the same name in different folders stay apart
        SOURCE_FILE: str(source),
        FILE_HASH: sha256,
    }
    errors: list[CellError] = []
    lines = _table(
        book,
        Table.BENEFITS,
        provenance,
        (Column.ID, Column.PROGRAMME, *_CALCULATED_ON_EVERY_LINE),
        errors,
    )
    for optional in (Column.DIRECTORATE, Column.ALSO_REPORTED_IN):
        if optional not in lines.columns:
            lines[optional] = pd.Series([""] * len(lines), dtype="string")
    stale = lines[(lines[Column.ID] != "") & (lines[Column.YEAR] == "")]
    if len(stale):
        raise UnusableWorkbook(
            source,
            f"has not been recalculated: register row {int(stale[ROW].iloc[0])} shows no "
            f"{Column.YEAR}; run productive-xl recalc on it first",
        )
    phasing = _table(
        book,
        Table.PHASING,
        provenance,
        (
            PhasingColumn.LINE,
            PhasingColumn.PLAN_TOTAL,
            PhasingColumn.FORECAST_TOTAL,
            PhasingColumn.ACTUAL_TOTAL,
        ),
        errors,
    )
    checks = _table(
        book, Table.CHECKS, provenance, (ChecksColumn.CHECK, ChecksColumn.COUNT), errors
    )
    master = book.name_value(Name.MASTER_CHECK)
    refreshed = _optional_name(book, Name.REFRESHED_AT)
    return TrackerData(
        path=source,
        organisation=organisation,
        organisation_code=code,
        sha256=sha256,
        master_check=_check_value(master),
        refreshed_at=_moment(refreshed),
        lines=lines,
        phasing=phasing,
        checks=checks,
        errors=errors,
    )
