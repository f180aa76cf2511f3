"""The tracker refresh on a real workbook file: findings, checks, rollup, stamp, and nothing else.

The tracker is built with openpyxl (tests/tracker_factory.py); the refresh and recalculation run
on the file; openpyxl, LibreOffice and a byte comparison of the zip members read the result.
Every expected finding and total is worked out by hand from the register in tracker_factory.
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from libreoffice import recalculate_with_libreoffice
from lxml import etree
from tracker_factory import (
    CHECKS_BEFORE,
    REGISTER_TOP,
    SOUND_REGISTER,
    STAMP_BEFORE,
    build_tracker,
)

from productive_xl.cli.main import main
from productive_xl.ooxml.package import UnusableWorkbook
from productive_xl.tracker.checks import Check
from productive_xl.tracker.file_book import FileBook
from productive_xl.tracker.layout import Name
from productive_xl.tracker.refresh import refresh
from productive_xl.tracker.refresh_file import refresh_file
from productive_xl.tracker.register import Column

NOW = datetime(2026, 11, 25, 20, 15)
LATER = datetime(2026, 11, 26, 8, 0)
USER = "J. Bloggs"
C = Check

# The findings of the broken register, in the order the refresh writes them (by register row,
# then in the order of the checks), worked out line by line from BROKEN_REGISTER:
#   row 5 (PW-002): its ID is also row 6's; no owner; a one-off stock release set as recurrent
#   row 6 (PW-002): the same ID; no evidence; source line RT-1 is also row 7's, and row 6 is
#                   non-cash released time while row 7 is cash: counted both ways
#   row 7 (PW-004): status Purple is not in tblStatusWeights; starts 1/5/2026, after 31/3/2026;
#                   the other half of RT-1
RT1 = "source line RT-1 is counted both as cash released and as productivity (lines PW-002, PW-004)"
EXPECTED_FINDINGS = [
    (C.UNIQUE_ID.value, "PW-002", 5, "ID", "ID PW-002 is used by 2 lines"),
    (C.OWNER.value, "PW-002", 5, "Owner", "no owner is named"),
    (
        C.ONE_OFF_STOCK.value,
        "PW-002",
        5,
        "Recurrence",
        "a one-off stock release counts once, in the month it happens, not as recurrent",
    ),
    (C.UNIQUE_ID.value, "PW-002", 6, "ID", "ID PW-002 is used by 2 lines"),
    (C.EVIDENCE.value, "PW-002", 6, "Evidence", "no evidence is recorded"),
    (C.COUNTED_ONCE.value, "PW-002", 6, "Source line", RT1),
    (
        C.KNOWN_VALUES.value,
        "PW-004",
        7,
        "Status",
        "status 'Purple' is not one of: Blue, Green, Amber, Red",
    ),
    (
        C.START_IN_YEAR.value,
        "PW-004",
        7,
        "Start date",
        "starts on 01/05/2026, after 2025/26 ends: nothing falls in it",
    ),
    (C.COUNTED_ONCE.value, "PW-004", 7, "Source line", RT1),
]
# How many findings each check has, counted from the list above.
EXPECTED_COUNTS = {
    C.UNIQUE_ID.value: 2,
    C.OWNER.value: 1,
    C.EVIDENCE.value: 1,
    C.KNOWN_VALUES.value: 1,
    C.START_IN_YEAR.value: 1,
    C.COUNTED_ONCE.value: 2,
    C.ONE_OFF_STOCK.value: 1,
    C.COUNTED_IN_BOTH.value: 0,  # no line here names the CIP: see test_tracker_checks
    C.ROWS_NAME_A_LINE.value: 0,  # no source or phasing sheet here: see test_tracker_refresh_real
}


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _differing(before: Path, after: Path) -> set[str]:
    old, new = _members(before), _members(after)
    assert list(old) == list(new), "the same members, in the same order"
    return {name for name in old if old[name] != new[name]}


def _table_rows(
    path: Path, sheet: str, table: str, formulas: bool = False
) -> list[tuple[object, ...]]:
    book = openpyxl.load_workbook(path, data_only=not formulas)
    worksheet = book[sheet]
    ref = worksheet.tables[table].ref
    return [tuple(c.value for c in row) for row in worksheet[ref]][1:]


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The broken tracker and its refreshed, recalculated self."""
    folder = tmp_path_factory.mktemp("refresh")
    source = folder / "tracker.xlsx"
    build_tracker(source)
    out = folder / "refreshed.xlsx"
    result, report = refresh_file(source, out, USER, NOW)
    assert report.complete
    assert len(result.findings) == len(EXPECTED_FINDINGS)
    return source, out


def test_a_finding_for_each_check_of_a_broken_register(refreshed: tuple[Path, Path]) -> None:
    _, out = refreshed
    book = openpyxl.load_workbook(out)
    assert book["Checks"].tables["tblFindings"].ref == "D3:H12"  # 3 stale rows grown to 9
    assert _table_rows(out, "Checks", "tblFindings") == EXPECTED_FINDINGS
    shown_elsewhere = {C.COUNTED_IN_BOTH.value, C.ROWS_NAME_A_LINE.value}
    assert {finding[0] for finding in EXPECTED_FINDINGS} == {
        c.value for c in Check
    } - shown_elsewhere


def test_counts_and_master_check_after_refresh_and_recalc(refreshed: tuple[Path, Path]) -> None:
    _, out = refreshed
    checks = _table_rows(out, "Checks", "tblChecks")
    # the check missing from tblChecks before is added at the bottom, its count filled in
    assert [row[0] for row in checks] == [check.value for check in Check]
    assert [check.value for check in Check][:-1] == CHECKS_BEFORE
    assert dict(checks) == EXPECTED_COUNTS  # type: ignore[arg-type]
    master = openpyxl.load_workbook(out, data_only=True)["Checks"]["B1"].value
    assert master == 9  # 2 + 1 + 1 + 1 + 1 + 2 + 1
    # the counts' conditional format reaches the added check
    formats = openpyxl.load_workbook(out)["Checks"].conditional_formatting
    assert [str(f.sqref) for f in formats] == ["B4:B12"]


def test_rollup_gains_rows_for_new_ward_and_year_with_formulas(
    refreshed: tuple[Path, Path],
) -> None:
    _, out = refreshed
    rows = _table_rows(out, "Rollup", "tblRollup")
    # existing keys keep their place (Ward 3, 2024/25 matches no line now: kept, totals 0);
    # Ward 9 has a line starting 1/9/2025 (2025/26) and one starting 1/5/2026 (2026/27)
    assert [row[:4] for row in rows] == [
        ("Productive Ward", "Ward 7", "2025/26", 17000),  # 12,000 + 5,000
        ("Productive Operating Theatre", "Theatres", "2025/26", 30000),
        ("Productive Ward", "Ward 3", "2024/25", 0),
        ("Productive Ward", "Ward 9", "2025/26", 8000),
        ("Productive Ward", "Ward 9", "2026/27", 8000),
    ]
    assert rows[3][4] == 6000  # 8,000 x 9 / 12
    assert rows[3][5] == pytest.approx(7200)  # 8,000 x Green 0.9
    assert rows[4][6] == 8000  # PW-004 is cash releasing
    formulas = _table_rows(out, "Rollup", "tblRollup", formulas=True)
    for column in (3, 5, 6):  # structured references: the same formula down
        assert formulas[3][column] == formulas[4][column] == formulas[0][column]
    assert formulas[0][4] == "=D4*9/12"
    assert (formulas[3][4], formulas[4][4]) == ("=D7*9/12", "=D8*9/12")  # moved to its row
    assert str(formulas[4][3]).startswith("=SUMIFS(tblBenefits[Full-year effect],")
    worksheet = openpyxl.load_workbook(out)["Rollup"]
    assert worksheet.tables["tblRollup"].ref == "A3:H8"
    assert worksheet["J3"].value == "Note beside the rollup"


def test_new_cells_take_the_style_of_the_first_body_row(refreshed: tuple[Path, Path]) -> None:
    _, out = refreshed
    book = openpyxl.load_workbook(out)
    rollup = book["Rollup"]
    assert rollup["D8"].number_format == rollup["D4"].number_format == "#,##0"


def test_only_the_changed_sheets_and_tables_differ(refreshed: tuple[Path, Path]) -> None:
    source, out = refreshed
    # About (the stamp), Inputs and Register (their formulas had no values yet: recalculated),
    # Rollup, Checks; the three tables that grew; nothing else: chart, drawing, comments,
    # styles, shared strings, workbook.xml and the other tables keep their bytes
    book = openpyxl.load_workbook(source)
    sheets = {ws.title: f"xl/worksheets/sheet{i + 1}.xml" for i, ws in enumerate(book)}
    assert _differing(source, out) == {
        sheets["About"],
        sheets["Inputs"],
        sheets["Register"],
        sheets["Rollup"],
        sheets["Checks"],
        "xl/tables/table5.xml",  # tblRollup
        "xl/tables/table6.xml",  # tblChecks
        "xl/tables/table7.xml",  # tblFindings
    }
    assert "xl/charts/chart1.xml" in _members(out)
    assert any(name.startswith("xl/comments") for name in _members(out))


def test_refresh_alone_touches_only_what_it_writes(tmp_path: Path) -> None:
    source = tmp_path / "tracker.xlsx"
    build_tracker(source)
    book = FileBook(source)
    refresh(book, USER, NOW)
    out = tmp_path / "refreshed.xlsx"
    changed = book.save(out)
    assert _differing(source, out) == set(changed)
    assert set(changed) == {
        "xl/worksheets/sheet1.xml",  # About
        "xl/worksheets/sheet4.xml",  # Rollup
        "xl/worksheets/sheet6.xml",  # Checks
        "xl/tables/table5.xml",
        "xl/tables/table6.xml",
        "xl/tables/table7.xml",
    }
    table = etree.fromstring(_members(out)["xl/tables/table7.xml"])
    assert table.get("ref") == "D3:H12"
    assert table.find("{*}autoFilter").get("ref") == "D3:H12"


def test_a_second_refresh_with_nothing_changed_changes_only_the_stamp(
    refreshed: tuple[Path, Path], tmp_path: Path
) -> None:
    _, first = refreshed
    second = tmp_path / "again.xlsx"
    result, _ = refresh_file(first, second, USER, LATER)
    assert result.rollup_added == []
    assert _differing(first, second) == {"xl/worksheets/sheet1.xml"}  # About
    about = openpyxl.load_workbook(second)["About"]
    assert about["B3"].value == LATER
    assert about["B4"].value == USER


def test_findings_shrink_when_the_register_is_put_right(tmp_path: Path) -> None:
    source = tmp_path / "sound.xlsx"
    build_tracker(source, SOUND_REGISTER)
    out = tmp_path / "refreshed.xlsx"
    result, _ = refresh_file(source, out, USER, NOW)
    assert result.findings == []
    worksheet = openpyxl.load_workbook(out, data_only=True)["Checks"]
    # no findings: the table keeps one empty row, as Excel does, and the old rows are gone
    assert worksheet.tables["tblFindings"].ref == "D3:H4"
    assert [c.value for row in worksheet["D4:H6"] for c in row] == [None] * 15
    # every count over the one empty findings row is 0, and so the master check
    assert [worksheet.cell(row, 2).value for row in range(1, 11)] == [0, None, "Count", *[0] * 7]


@pytest.mark.slow
@pytest.mark.libreoffice
def test_libreoffice_opens_the_refreshed_tracker_and_agrees(
    refreshed: tuple[Path, Path], tmp_path: Path
) -> None:
    _, out = refreshed
    saved = tmp_path / "by-libreoffice.xlsx"
    recalculate_with_libreoffice(out, saved)
    book = openpyxl.load_workbook(saved, data_only=True)
    checks = book["Checks"]
    assert checks["B1"].value == 9  # LibreOffice's own COUNTIFS over the written findings
    found = [tuple(c.value for c in row) for row in checks["D4:H12"]]
    assert found == EXPECTED_FINDINGS
    assert [checks.cell(row, 2).value for row in range(4, 13)] == list(EXPECTED_COUNTS.values())
    # LibreOffice has no PRODUCTIVE_FY, so it cannot total the rollup; it does read its rows
    rollup = book["Rollup"]
    assert [rollup.cell(row, 2).value for row in range(4, 9)] == [
        "Ward 7",
        "Theatres",
        "Ward 3",
        "Ward 9",
        "Ward 9",
    ]


def test_dates_read_as_dates_and_stamp_written_as_a_date(refreshed: tuple[Path, Path]) -> None:
    source, out = refreshed
    lines = FileBook(source).rows("tblBenefits")
    assert lines[0].row == REGISTER_TOP + 1
    assert lines[0].values[Column.START_DATE] == date(2025, 5, 1)
    assert FileBook(source).name_value(Name.REFRESHED_AT) == STAMP_BEFORE
    assert FileBook(out).name_value(Name.REFRESHED_AT) == NOW
    assert FileBook(out).name_value(Name.REFRESHED_BY) == USER


def test_the_original_is_untouched_when_the_table_cannot_grow(tmp_path: Path) -> None:
    source = tmp_path / "tracker.xlsx"
    build_tracker(source)
    book = openpyxl.load_workbook(source)
    book["Checks"]["E9"] = "a note in the way"
    book.save(source)
    before = source.read_bytes()
    with pytest.raises(UnusableWorkbook, match=r"cell Checks!E9 is in the way"):
        refresh_file(source, None, USER, NOW)
    assert source.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tracker.xlsx"]  # no temporary left


def test_cli_refresh_writes_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "tracker.xlsx"
    build_tracker(source)
    out = tmp_path / "out.xlsx"
    assert main(["refresh", str(source), "-o", str(out), "--user", USER]) == 0
    printed = capsys.readouterr().out
    assert "5 register lines checked for 2025/26: 9 findings." in printed
    assert f"by {USER}." in printed
    assert openpyxl.load_workbook(out)["About"]["B4"].value == USER


def test_cli_refresh_refuses_a_workbook_that_is_not_a_tracker(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "no-rollup.xlsx"
    build_tracker(source)
    book = openpyxl.load_workbook(source)
    del book["Rollup"].tables["tblRollup"]
    book.save(source)
    before = source.read_bytes()
    assert main(["refresh", str(source), "--in-place"]) == 4
    error = capsys.readouterr().err.strip()
    assert error == (
        f"productive-xl refresh: {source}: is not a tracker productive-xl can refresh: "
        "has no table tblRollup"
    )
    assert source.read_bytes() == before


@pytest.mark.slow
@pytest.mark.libreoffice
def test_libreoffice_opens_the_shrunk_findings_table(tmp_path: Path) -> None:
    source = tmp_path / "sound.xlsx"
    build_tracker(source, SOUND_REGISTER)
    out = tmp_path / "refreshed.xlsx"
    refresh_file(source, out, USER, NOW)
    saved = tmp_path / "by-libreoffice.xlsx"
    recalculate_with_libreoffice(out, saved)
    checks = openpyxl.load_workbook(saved, data_only=True)["Checks"]
    assert checks.tables["tblFindings"].ref == "D3:H4"
    assert checks["B1"].value == 0  # LibreOffice's own count over the one empty row
    assert [checks.cell(row, 4).value for row in range(4, 7)] == [None, None, None]
