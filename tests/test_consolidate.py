"""``productive-xl consolidate`` and ``read_tracker`` on the national example's trackers.

The national figures are DOMAIN.md's (the NHS Institute's estimate); the shares of each
organisation are worked out by hand below from the example's drivers: 2,491 wards x 2,500 hours
x £41.62 (£104,050 a ward), 685 mental health wards x 2,820 hours x £37.50 (£105,750 a ward),
3,242 theatres x 53 sessions x £3,500 (£185,500 a theatre), 2,980 community teams x 3,750 hours
x £40 (£150,000 a team). With two organisations, Northgate runs wards and theatres, Riverside
wards, mental health wards and community services: the 2,491 wards split 1,246 and 1,245.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from command_line import run_productive_xl
from openpyxl.utils import range_boundaries
from python_calamine import CalamineWorkbook
from workbook_reading import table_rows

from productive_xl import read_tracker
from productive_xl.cli.main import main
from productive_xl.consolidation.rollup import consolidate
from productive_xl.ooxml.parts import with_defined_names
from productive_xl.tracker.file_book import FileBook
from productive_xl.tracker.layout import Name, Table, TaskTimesColumn
from productive_xl.tracker.national import write_national_example
from productive_xl.tracker.refresh_file import refresh_file
from productive_xl.tracker.register import Column

NATIONAL = {  # DOMAIN.md
    "Productive Ward": 259_188_550,
    "Productive Mental Health Ward": 72_438_750,
    "Productive Operating Theatre": 601_391_000,
    "Productive Community Services": 447_000_000,
}
NATIONAL_TOTAL = 1_380_018_300
NORTHGATE = "Northgate Teaching Hospitals NHS Foundation Trust"
RIVERSIDE = "Riverside Health and Care NHS Trust"
NORTHGATE_TOTAL = 1_246 * 104_050 + 3_242 * 185_500  # 129,646,300 + 601,391,000
RIVERSIDE_TOTAL = 1_245 * 104_050 + 685 * 105_750 + 2_980 * 150_000
REFRESHED = datetime(2026, 4, 1, 7, 30)
AS_OF = datetime(2026, 4, 15, 6, 0)


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The national example with two organisations, each then recalculated as a user would."""
    folder = tmp_path_factory.mktemp("national")
    written = write_national_example(folder, 2, refreshed_at=REFRESHED)
    assert [t.path.name for t in written] == [f"{NORTHGATE}.xlsm", f"{RIVERSIDE}.xlsm"]
    for tracker in written:
        assert main(["recalc", str(tracker.path), "--in-place"]) == 0
    return folder


@pytest.fixture(scope="module")
def rollup(national: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rollup")
    trackers = sorted(str(p) for p in national.glob("*.xlsm"))
    status = main(
        [
            "consolidate",
            *trackers,
            "-o",
            str(out / "rollup.xlsx"),
            "--csv",
            str(out / "csv"),
            "--parquet",
            str(out / "parquet"),
            "--as-of",
            AS_OF.isoformat(),
        ]
    )
    assert status == 0
    return out


def _rows_by_label(rows: list[list[object]]) -> dict[str, list[object]]:
    return {str(row[0]): row for row in rows if row and isinstance(row[0], str)}


def test_the_summary_gives_each_programme_and_the_national_total_to_the_penny(
    rollup: Path,
) -> None:
    sheet = openpyxl.load_workbook(rollup / "rollup.xlsx", data_only=True)["Summary"]
    rows = _rows_by_label([list(row) for row in sheet.iter_rows(values_only=True)])
    header = rows["Programme"]
    full_year = header.index("Full-year effect")
    for programme, figure in NATIONAL.items():
        assert rows[programme][full_year] == figure
    assert rows["Total"][full_year] == NATIONAL_TOTAL
    # the same cells read by a second reader
    calamine = CalamineWorkbook.from_path(str(rollup / "rollup.xlsx"))
    summary = _rows_by_label(calamine.get_sheet_by_name("Summary").to_python())
    assert {p: summary[p][full_year] for p in NATIONAL} == NATIONAL
    assert summary["Total"][full_year] == NATIONAL_TOTAL
    # a full year from 1 April 2025: the in-year effect is the full-year one; Green: 0.9
    in_year = header.index("In-year effect")
    risk = header.index("Risk-adjusted in-year")
    cash = header.index("Cash-releasing in-year")
    assert rows["Total"][in_year] == NATIONAL_TOTAL
    assert rows["Total"][risk] == pytest.approx(0.9 * NATIONAL_TOTAL, abs=0.005)
    assert rows["Productive Operating Theatre"][cash] == NATIONAL["Productive Operating Theatre"]
    assert rows["Productive Ward"][cash] == 0
    # actuals typed to the penny for April to September at plan: half the year, give or take
    # half a penny a month on each of the 9 lines
    actual = header.index("Actual")
    assert rows["Total"][actual] == pytest.approx(NATIONAL_TOTAL / 2, abs=9 * 6 * 0.005)


def test_totals_by_organisation_and_directorate(rollup: Path) -> None:
    sheet = openpyxl.load_workbook(rollup / "rollup.xlsx", data_only=True)["Totals"]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    by_organisation = rows.index(next(r for r in rows if r[0] == "Organisation"))
    assert rows[by_organisation + 1][:2] == [NORTHGATE, NORTHGATE_TOTAL]
    assert rows[by_organisation + 2][:2] == [RIVERSIDE, RIVERSIDE_TOTAL]
    assert rows[by_organisation + 3][:2] == ["Total", NATIONAL_TOTAL]
    labels = _rows_by_label(rows)
    # Surgery: half of each organisation's wards (623 of Northgate's 1,246, 622 of Riverside's
    # 1,245) and every theatre
    assert labels["Surgery"][1] == (623 + 622) * 104_050 + 3_242 * 185_500
    assert labels["Yes"][1] == NATIONAL["Productive Operating Theatre"]  # cash releasing
    assert labels["Recurrent"][1] == NATIONAL_TOTAL
    assert labels["2025/26"][1] == NATIONAL_TOTAL


def test_every_total_is_a_formula_over_the_lines(national: Path, rollup: Path) -> None:
    book = openpyxl.load_workbook(rollup / "rollup.xlsx")
    summary = _rows_by_label([[c.value for c in r] for r in book["Summary"].iter_rows()])
    assert summary["Productive Ward"][1].startswith("=SUMIFS('Lines'!")
    lines = book["Lines"]
    header = [c.value for c in lines[1]]
    assert header[:6] == [
        "Organisation",
        "Organisation code",
        "Source file",
        "Sheet",
        "Row",
        "File SHA-256",
    ]
    assert str(lines.cell(2, header.index("Plan") + 1).value).startswith("=SUMIFS('Phasing'!")
    # the last column links each line to its row in its tracker, relative to the rollup's folder
    link = lines.cell(2, header.index("Open the source row") + 1).hyperlink
    assert link is not None
    relative = Path(os.path.relpath(national / f"{NORTHGATE}.xlsm", rollup)).as_posix()
    assert link.target.replace("\\", "/") == relative.replace(" ", "%20")
    assert link.location == "'Register'!8:8"


def test_each_line_leads_back_to_its_cell_in_its_tracker(national: Path, rollup: Path) -> None:
    lines = pd.read_csv(rollup / "csv" / "lines.csv")
    assert len(lines) == 3 + 6  # Northgate: 2 ward lines and 1 theatre line; Riverside 6
    for line in lines.itertuples(index=False):
        source = Path(line[2])
        sheet = openpyxl.load_workbook(source, data_only=True)[line[3]]
        left, top, right, _ = range_boundaries(sheet.tables[Table.BENEFITS].ref)
        headers = [sheet.cell(top, column).value for column in range(left, right + 1)]
        row = int(line[4])
        assert sheet.cell(row, left + headers.index("ID")).value == line[6]
        effect = sheet.cell(row, left + headers.index("Full-year effect")).value
        assert effect == line[lines.columns.get_loc("Full-year effect")]


def test_every_national_line_rests_on_its_working(national: Path) -> None:
    """Each line names its working on a source sheet (Released Time or Second Order), whose
    drivers give its figure, and every tracker's master check is 0. By hand: Northgate's 1,246
    wards are 623 a directorate, each 2,500 hours a year (an hour 10 times a day, 250 days) at
    £41.62; its 3,242 theatres run 53 more sessions each at £3,500."""
    for name in (NORTHGATE, RIVERSIDE):
        path = national / f"{name}.xlsm"
        assert read_tracker(path).master_check == 0, name
        values = openpyxl.load_workbook(path, data_only=True)
        register = table_rows(values, Table.BENEFITS)
        assert all(row[Column.SOURCE_LINE] for row in register), name
        assert all(row[Column.SOURCE_ROWS] == 1 for row in register), name
    values = openpyxl.load_workbook(national / f"{NORTHGATE}.xlsm", data_only=True)
    timings = {row[TaskTimesColumn.LINE]: row for row in table_rows(values, Table.TASK_TIMES)}
    assert set(timings) == {"RT-PW-01", "RT-PW-02"}
    for timing in timings.values():
        assert timing[TaskTimesColumn.HOURS_RELEASED] == 623 * 2_500
        assert timing[TaskTimesColumn.HOURLY_COST] == 41.62  # typed: no band's cost
        assert timing[TaskTimesColumn.VALUE] == pytest.approx(623 * 2_500 * 41.62, abs=1e-6)
    (income,) = table_rows(values, Table.INCOME)
    assert income["Line"] == "TH-POT-01"
    assert income["Income a year"] == 3_242 * 53 * 3_500 == 601_391_000


def test_read_tracker_gives_typed_frames_with_their_provenance(national: Path) -> None:
    path = national / f"{RIVERSIDE}.xlsm"
    tracker = read_tracker(path)
    # no Organisation name in this template: the file's name stands for it
    assert tracker.organisation == RIVERSIDE
    assert tracker.master_check == 0
    assert tracker.refreshed_at == REFRESHED
    lines = tracker.lines
    assert lines["Full-year effect"].dtype == "float64"
    assert str(lines["Start date"].dtype).startswith("datetime64")
    assert lines["Programme"].dtype == "string"
    assert set(lines["Organisation"]) == {RIVERSIDE}
    assert set(lines["Source file"]) == {str(path)}
    assert set(lines["Sheet"]) == {"Register"}
    assert len(set(lines["File SHA-256"])) == 1
    assert len(lines["File SHA-256"].iloc[0]) == 64
    assert lines["Full-year effect"].sum() == RIVERSIDE_TOTAL
    assert list(lines["ID"][:2]) == ["ZZB-PW-01", "ZZB-PW-02"]
    assert lines["Full-year effect"].iloc[0] == 623 * 104_050  # 1,245 wards: 623 and 622
    assert lines["Full-year effect"].iloc[1] == 622 * 104_050
    assert list(tracker.phasing["Line ID"]) == list(lines["ID"])
    assert tracker.phasing["Plan total"].sum() == pytest.approx(RIVERSIDE_TOTAL, abs=0.01)
    assert set(tracker.checks["Count"]) == {0}


def test_the_parquet_files_keep_the_types(rollup: Path) -> None:
    lines = pd.read_parquet(rollup / "parquet" / "lines.parquet")
    assert lines["Full-year effect"].sum() == NATIONAL_TOTAL
    assert lines["Row"].dtype == "int64"


def test_the_exceptions(national: Path, tmp_path: Path) -> None:
    """A copy of Riverside's tracker, made wrong: a line given Northgate's line ID, an owner
    cleared (the master check counts both: the phasing row the renamed line left behind names
    no line), a band typed that the pay rates do not list (#N/A, which reaches every line's
    figure from its source sheet) and last refreshed in January."""
    copy = tmp_path / "Copy Trust.xlsm"
    book = FileBook(national / f"{RIVERSIDE}.xlsm")
    rows = [dict(row.values) for row in book.rows(Table.BENEFITS)]
    rows[0][Column.ID] = "ZZA-PW-01"
    rows[1][Column.OWNER] = ""
    book.replace_rows(Table.BENEFITS, [{c: r[c] for c in list(Column)[:17]} for r in rows])
    timings = [dict(row.values) for row in book.rows(Table.TASK_TIMES)]
    timings[0][TaskTimesColumn.BAND] = "Band 10"
    book.replace_rows(
        Table.TASK_TIMES, [{c: r[c] for c in list(TaskTimesColumn)[:8]} for r in timings]
    )
    book.set_name_value(Name.ORGANISATION, "Copy Trust")
    book.save(copy)
    refresh_file(copy, copy, "test", datetime(2026, 1, 10, 9, 0))
    out = tmp_path / "rollup.xlsx"
    status = main(
        [
            "consolidate",
            str(national / f"{NORTHGATE}.xlsm"),
            str(copy),
            *("-o", str(out), "--as-of", AS_OF.isoformat(), "--csv", str(tmp_path)),
        ]
    )
    assert status == 0
    exceptions = pd.read_csv(tmp_path / "exceptions.csv")
    found = sorted(zip(exceptions["Exception"], exceptions["Organisation"], strict=True))
    assert found == [
        *[("A figure shows an error", "Copy Trust")] * 6,  # each of its 6 lines
        ("Also reported elsewhere", NORTHGATE),
        ("Line ID in more than one organisation", "Copy Trust"),
        ("Line ID in more than one organisation", NORTHGATE),
        ("Master check is not 0", "Copy Trust"),
        ("Not refreshed in the last month", "Copy Trust"),
    ]
    master = exceptions[exceptions["Exception"] == "Master check is not 0"]["Detail"].iloc[0]
    assert "Every line has an owner: 1" in master
    # the phasing row of the line whose ID changed names no register line any more: a finding
    assert "Every phasing and source row names a register line: 1" in master
    # the band no pay rate lists is #N/A on Released Time, and every line's figure from its
    # source sheet sums that column (the register's rows 8 to 13)
    errors = exceptions[exceptions["Exception"] == "A figure shows an error"]
    assert list(zip(errors["Sheet"], errors["Row"], strict=True)) == [
        ("Register", row) for row in range(8, 14)
    ]
    assert all("Source full-year effect (#N/A)" in detail for detail in errors["Detail"])
    sheet = openpyxl.load_workbook(out, data_only=True)["Exceptions"]
    counts = {row[8]: row[9] for row in sheet.iter_rows(min_row=2, max_row=7, values_only=True)}
    assert counts == {
        "Master check is not 0": 1,
        "Not refreshed in the last month": 1,
        "Also reported elsewhere": 1,
        "Line ID in more than one organisation": 2,
        "A figure shows an error": 6,
        "The same tracker read twice": 0,
    }
    assert sheet._charts  # the chart by kind


def test_a_file_that_is_not_a_tracker_stops_it_and_nothing_is_written(
    national: Path, tmp_path: Path
) -> None:
    plain = tmp_path / "plain.xlsx"
    openpyxl.Workbook().save(plain)
    not_a_workbook = tmp_path / "notes.xlsx"
    not_a_workbook.write_text("not a workbook")
    out = tmp_path / "rollup.xlsx"
    for bad in (plain, not_a_workbook):
        result = run_productive_xl(
            "consolidate", str(national / f"{NORTHGATE}.xlsm"), str(bad), "-o", str(out)
        )
        assert result.returncode == 4
        assert result.stderr.count("\n") == 1
        assert str(bad) in result.stderr
        assert not out.exists()
    assert (
        "has no table tblBenefits" in result.stderr
        or "not a tracker" in run_productive_xl("consolidate", str(plain), "-o", str(out)).stderr
    )


def test_a_tracker_not_recalculated_is_refused(tmp_path: Path) -> None:
    from productive_xl.tracker.template.build import build_workbook

    built = tmp_path / "built.xlsx"
    build_workbook(built, example=True)  # formulas with no values yet
    result = run_productive_xl("consolidate", str(built), "-o", str(tmp_path / "r.xlsx"))
    assert result.returncode == 4
    assert "has not been recalculated" in result.stderr


def test_the_output_must_be_an_xlsx(national: Path, tmp_path: Path) -> None:
    result = run_productive_xl(
        "consolidate", str(national / f"{NORTHGATE}.xlsm"), "-o", str(tmp_path / "r.csv")
    )
    assert result.returncode == 2


def test_importing_the_package_does_not_import_pandas() -> None:
    code = "import sys, productive_xl; sys.exit('pandas' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


@pytest.mark.slow
@pytest.mark.libreoffice
def test_libreoffice_opens_it_and_every_formula_gives_the_value_written(rollup: Path) -> None:
    from libreoffice import recalculated_values

    shutil.copy(rollup / "rollup.xlsx", rollup / "for-libreoffice.xlsx")
    theirs = recalculated_values(rollup / "for-libreoffice.xlsx")
    book = openpyxl.load_workbook(rollup / "rollup.xlsx")
    ours = openpyxl.load_workbook(rollup / "rollup.xlsx", data_only=True)
    formulas = 0
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    formulas += 1
                    mine = ours[sheet.title][cell.coordinate].value
                    # LibreOffice saves numbers to 15 significant digits: equal to the penny
                    assert round(theirs[sheet.title, cell.coordinate], 2) == round(mine, 2), (
                        sheet.title,
                        cell.coordinate,
                    )
    assert formulas > 100


def test_the_organisation_is_read_from_its_names_where_the_tracker_has_them(
    national: Path, tmp_path: Path
) -> None:
    """A tracker carrying the Organisation and OrganisationCode names (as the template will):
    they name the organisation, not the file."""
    named = tmp_path / "renamed file.xlsm"
    with (
        zipfile.ZipFile(national / f"{RIVERSIDE}.xlsm") as source,
        zipfile.ZipFile(named, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/workbook.xml":
                data = with_defined_names(
                    data, {"Organisation": "About!$Z$1", "OrganisationCode": "About!$Z$2"}
                )
            target.writestr(item, data)
    book = FileBook(named)
    book.set_name_value("Organisation", "Riverside Health and Care NHS Trust (named)")
    book.set_name_value("OrganisationCode", "ZZB")
    book.save(named)
    tracker = read_tracker(named)
    assert tracker.organisation == "Riverside Health and Care NHS Trust (named)"
    assert tracker.organisation_code == "ZZB"
    assert set(tracker.lines["Organisation code"]) == {"ZZB"}
    assert set(tracker.lines["Source file"]) == {str(named)}


def test_the_national_example_needs_two_organisations_at_least(tmp_path: Path) -> None:
    status = main(["example", "--national", str(tmp_path / "out"), "--organisations", "1"])
    assert status == 2
    assert not (tmp_path / "out").exists()


def test_an_empty_tracker_consolidates_to_nothing(tmp_path: Path) -> None:
    empty = tmp_path / "Empty Trust.xlsm"
    assert main(["new-tracker", str(empty)]) == 0
    out = tmp_path / "rollup.xlsx"
    assert main(["consolidate", str(empty), "-o", str(out), "--as-of", "2025-04-01"]) == 0
    sheet = openpyxl.load_workbook(out, data_only=True)["Summary"]
    rows = _rows_by_label([list(row) for row in sheet.iter_rows(values_only=True)])
    assert rows["Total"][1:] == [0] * 7
    # the one exception: a new tracker has never been refreshed (RefreshedAt is blank)
    assert rows["Exceptions to look at"][1] == 1
    exceptions = openpyxl.load_workbook(out, data_only=True)["Exceptions"]
    assert exceptions["A2"].value == "Not refreshed in the last month"
    assert "never refreshed" in exceptions["G2"].value


def test_an_output_that_cannot_be_written_is_exit_5(national: Path, tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file.txt"
    not_a_folder.write_text("a file, not a folder")
    result = run_productive_xl(
        "consolidate", str(national / f"{NORTHGATE}.xlsm"), "-o", str(not_a_folder / "r.xlsx")
    )
    assert result.returncode == 5
    assert result.stderr.count("\n") == 1
    assert not_a_folder.read_text() == "a file, not a folder"


def test_a_register_without_some_columns_consolidates_with_them_blank(national: Path) -> None:
    tracker = read_tracker(national / f"{NORTHGATE}.xlsm")
    tracker.lines = tracker.lines.drop(columns=["Scheme", "Cash-releasing in-year"])
    result = consolidate([tracker], AS_OF)
    assert set(result.lines["Scheme"]) == {""}
    assert result.total("Cash-releasing in-year") == 0
    assert result.total("Full-year effect") == NORTHGATE_TOTAL


def test_the_same_tracker_given_twice_is_an_exception(national: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.xlsm"
    shutil.copy(national / f"{NORTHGATE}.xlsm", copy)
    result = consolidate([read_tracker(national / f"{NORTHGATE}.xlsm"), read_tracker(copy)], AS_OF)
    same = result.exceptions[result.exceptions["Exception"] == "The same tracker read twice"]
    assert list(same["Source file"]) == [str(copy)]
    assert result.total("Full-year effect") == 2 * NORTHGATE_TOTAL  # counted twice, and said so
