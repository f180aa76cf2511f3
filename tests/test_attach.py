"""`productive-xl attach` on workbooks Excel saved (issue 4, points 5 and 6).

What is checked, each time by a reader that is not productive_xl's: every original zip member is
byte-identical but for the declaring parts, and those are the original with elements added (the
test removes the additions and compares bytes); openpyxl sees every table and defined name, the
workbook's and ours; olevba lists the workbook's own modules with their code beside ours;
LibreOffice opens the result and computes the master check; `productive-xl recalc` still works.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from datetime import date, datetime
from functools import cache
from pathlib import Path

import openpyxl
import pytest
import xlwings
from command_line import run_productive_xl
from libreoffice import SOFFICE, recalculate_with_libreoffice, save_as_ods
from msoffcrypto.format.ooxml import OOXMLFile
from oletools.olevba import VBA_Parser
from packages import edited_copy, members

from productive_xl.cli.main import EXIT_UNUSABLE_INPUT
from productive_xl.core.financial_year import FinancialYear
from productive_xl.ooxml.package import UnusableWorkbook
from productive_xl.tracker.actions import add_benefit_line, update_rates_for_year
from productive_xl.tracker.attach import attach
from productive_xl.tracker.book import NotATracker, what_it_lacks
from productive_xl.tracker.file_book import FileBook
from productive_xl.tracker.input_checks import check_inputs
from productive_xl.tracker.layout import Name
from productive_xl.tracker.refresh import refresh
from productive_xl.tracker.template.build import build_workbook
from productive_xl.tracker.template.inputs import assumptions

SPREAD = [
    "simple01.xlsx",  # one plain sheet
    "chart_area04.xlsx",  # a chart and its drawing
    "chartsheet03.xlsx",  # a chart sheet
    "table07.xlsx",  # a table
    "comment01.xlsx",  # comments and VML
    "defined_name04.xlsx",  # defined names already
    "image03.xlsx",  # an image
    "macro02.xlsm",  # VBA, code names MyWorkbook and MySheet1
    "macro04.xlsm",  # VBA with a digital signature
    "button07.xlsm",  # VBA and a form button
]
DECLARING = {
    "[Content_Types].xml",
    "_rels/.rels",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
}
OUR_MODULES = {"xlwings", "ProductiveFunctions", "ProductiveErrors", "ProductiveRibbon"}
OUR_SHEETS = ["Inputs", "Checks", "xlwings.conf"]
OUR_TABLES = {
    "tblAssumptions",
    "tblRates",
    "tblStatusWeights",
    "tblBenefitTypes",
    "tblChecks",
    "tblFindings",
}
# every name of the template's Inputs, its master check, and the refresh's stamp (on Checks)
CHECKS_NAMES = {"MasterCheck", "RefreshedAt", "RefreshedBy"}
OUR_NAMES = {str(a.name) for a in assumptions(FinancialYear(2025))} | CHECKS_NAMES
THIS_YEAR = FinancialYear.containing(date.today()).label
MACRO_ENABLED = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


@cache
def built_template_names() -> dict[str, str]:
    """Where each defined name of the tracker template (built by openpyxl) points."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "template.xlsx"
        build_workbook(path, example=False, year=FinancialYear(2025))
        book = openpyxl.load_workbook(path)
        return {name: book.defined_names[name].attr_text for name in book.defined_names}


def _modules(path: Path) -> dict[str, str]:
    parser = VBA_Parser(str(path), relaxed=False)
    if not parser.detect_vba_macros():
        return {}
    return {name.rsplit(".", 1)[0]: code for _, _, name, code in parser.extract_macros()}


def _without_additions(name: str, new: bytes, old: bytes, added_parts: set[str]) -> bytes:
    """``new`` with the declarations attach may add taken out again."""
    targets = "|".join(re.escape(p.rsplit("/", 1)[-1]) for p in added_parts)
    if name.endswith(".rels"):
        return re.sub(
            rb'<Relationship [^>]*Target="[^"]*(?:' + targets.encode() + rb')"/>', b"", new
        )
    if name == "[Content_Types].xml":
        parts = "|".join(re.escape("/" + p) for p in added_parts)
        new = re.sub(rb'<Override PartName="(?:' + parts.encode() + rb')"[^>]*/>', b"", new)
        # The workbook part's type is the one change allowed: it becomes macro-enabled.
        original = re.search(rb'PartName="/xl/workbook.xml" ContentType="([^"]+)"', old)
        assert original is not None
        return new.replace(MACRO_ENABLED.encode(), original.group(1), 1)
    if name == "xl/workbook.xml":
        new = re.sub(rb'<sheet name="(?:Inputs|Checks|xlwings\.conf)" [^>]*/>', b"", new)
        ours = "|".join(sorted(OUR_NAMES)).encode()
        new = re.sub(rb'<definedName name="(?:' + ours + rb')">[^<]*</definedName>', b"", new)
        return new.replace(b"<definedNames></definedNames>", b"")
    raise AssertionError(name)


@pytest.fixture(scope="module", params=SPREAD)
def attached(
    request: pytest.FixtureRequest, excel_made: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    source = excel_made / request.param
    out = tmp_path_factory.mktemp("attached") / (source.stem + ".xlsm")
    attach(source, out)
    return source, out


@pytest.mark.excel_made
def test_existing_parts_are_untouched_and_declarations_only_added(
    attached: tuple[Path, Path],
) -> None:
    source, out = attached
    old, new = members(source), members(out)
    signature = {"xl/vbaProjectSignature.bin", "xl/_rels/vbaProject.bin.rels"}
    removed = set(old) - set(new)
    assert removed <= signature  # only a signature that no longer matches is dropped
    added = set(new) - set(old)
    assert "customUI/customUI14.xml" in added
    for name, data in old.items():
        if name in removed or name == "xl/vbaProject.bin":
            continue
        if name in DECLARING:
            stripped = _without_additions(name, new[name], data, added)
            expected = data
            if name == "[Content_Types].xml":
                for part in removed:  # the dropped signature's declaration goes with it
                    declared = rb'<Override PartName="/' + re.escape(part.encode()) + rb'"[^>]*/>'
                    expected = re.sub(declared, b"", expected)
            assert stripped == expected, name
        else:
            assert new[name] == data, name
    content_types = new["[Content_Types].xml"]
    assert b'PartName="/xl/workbook.xml" ContentType="' + MACRO_ENABLED.encode() in content_types
    assert re.search(
        rb'Type="http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"'
        rb' Target="customUI/customUI14.xml"',
        new["_rels/.rels"],
    )


@pytest.mark.excel_made
def test_openpyxl_sees_every_table_and_name(attached: tuple[Path, Path]) -> None:
    source, out = attached
    before = openpyxl.load_workbook(source, keep_vba=True)
    after = openpyxl.load_workbook(out, keep_vba=True)
    assert after.sheetnames == before.sheetnames + OUR_SHEETS
    tables_before = {t for ws in before.worksheets for t in ws.tables}
    tables_after = {t for ws in after.worksheets for t in ws.tables}
    assert tables_after == tables_before | OUR_TABLES
    assert set(after.defined_names) == set(before.defined_names) | OUR_NAMES
    # the template's Inputs, at the same cells (the template's names point at the same cells)
    assert after.defined_names["FinancialYear"].attr_text == "'Inputs'!$B$10"
    assert after.defined_names["MasterCheck"].attr_text == "'Checks'!$C$2"
    template = built_template_names()
    for name in OUR_NAMES - CHECKS_NAMES:
        assert after.defined_names[name].attr_text == template[name], name
    inputs = after["Inputs"]
    # the year is this one; the rates reference_values.toml's, employer NI 15% above £5,000.
    assert inputs["B10"].value == THIS_YEAR
    table = inputs.tables["tblAssumptions"]
    assert table.ref.startswith("A7:E")
    assert [c.value for c in inputs["A7:E7"][0]] == ["Item", "Value", "Unit", "Source", "Comment"]
    rows = {r[0].value: r[1].value for r in inputs[table.ref][1:]}
    assert rows["Employer National Insurance rate"] == 0.15
    assert rows["Employer National Insurance threshold"] == 5000
    assert rows["Paid hours a year"] == 1950  # 37.5 hours x 52 weeks
    rates = {r[0].value: r for r in inputs[inputs.tables["tblRates"].ref][1:]}
    assert rates["Band 5"][2].value == 33_487
    assert rates["Band 5"][4].value.startswith("=PRODUCTIVE_COST_PER_HOUR(")
    checks = after["Checks"]
    assert [c.value for c in checks[checks.tables["tblFindings"].ref][0]] == [
        "Check",
        "Line ID",
        "Row",
        "Column",
        "Finding",
    ]
    conf = after["xlwings.conf"]
    settings = {row[0].value: row[1].value for row in conf.iter_rows(max_col=2)}
    # The settings of xlwings' own standalone workbook, which works without the add-in, with
    # the UDF module set to ours; the same keys, in the same order, and the same booleans.
    standalone = openpyxl.load_workbook(
        Path(xlwings.__file__).parent / "quickstart_standalone.xlsm"
    )
    theirs = {}
    for key, value in standalone["_xlwings.conf"].iter_rows(max_col=2, values_only=True):
        if key is None:
            break
        theirs[key] = value
    assert list(settings) == list(theirs)
    assert settings["UDF Modules"] == "productive_xl.functions"
    for key in ("Debug UDFs", "Use UDF Server", "Show Console"):
        assert settings[key] is theirs[key] is False


@pytest.mark.excel_made
def test_the_workbooks_own_vba_modules_survive_beside_ours(attached: tuple[Path, Path]) -> None:
    source, out = attached
    before, after = _modules(source), _modules(out)
    assert set(after) == set(before) | OUR_MODULES
    for name, code in before.items():
        assert after[name] == code, name


@pytest.mark.excel_made
def test_attaching_again_replaces_our_modules_and_adds_nothing(
    attached: tuple[Path, Path], tmp_path: Path
) -> None:
    _, out = attached
    again = tmp_path / "again.xlsm"
    attach(out, again)
    first, second = members(out), members(again)
    assert first == second  # the same project, ribbon and sheets: nothing twice
    assert sorted(_modules(again)) == sorted(_modules(out))


@pytest.mark.libreoffice
@pytest.mark.slow
@pytest.mark.parametrize("name", ["table07.xlsx", "macro02.xlsm", "chart_area04.xlsx"])
@pytest.mark.excel_made
def test_libreoffice_opens_the_attached_workbook(
    excel_made: Path, name: str, tmp_path: Path
) -> None:
    out = tmp_path / "attached.xlsm"
    attach(excel_made / name, out)
    saved = tmp_path / "saved-by-libreoffice.xlsx"
    recalculate_with_libreoffice(out, saved)
    book = openpyxl.load_workbook(saved, data_only=True)
    assert book.sheetnames[-3:] == OUR_SHEETS
    assert book["Checks"]["C2"].value == 0  # SUM of the counts, each 0
    assert book["Inputs"]["B10"].value == THIS_YEAR
    assert book["Inputs"]["A16"].value == "Employer National Insurance rate"
    assert book["Inputs"]["B16"].value == 0.15


def test_recalc_of_an_attached_workbook_still_works(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Register"
    sheet["A1"] = "=PRODUCTIVE_SAVING(40,28,250,12,1)"
    plain = tmp_path / "team.xlsx"
    book.save(plain)
    attached = tmp_path / "team.xlsm"
    attach(plain, attached)
    done = run_productive_xl("recalc", str(attached), "--in-place")
    assert done.returncode == 0, done.stdout + done.stderr
    values = openpyxl.load_workbook(attached, data_only=True)
    assert values["Register"]["A1"].value == 36000  # (40 - 28) x 250 x 12 x 1
    assert values["Checks"]["C2"].value == 0
    assert "ProductiveRibbon" in _modules(attached)  # recalc kept the VBA


@pytest.mark.excel_made
def test_cli_attach(excel_made: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsm"
    done = run_productive_xl("attach", str(excel_made / "table07.xlsx"), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "Inputs, Checks, xlwings.conf" in done.stdout
    assert out.is_file()
    wrong = run_productive_xl(
        "attach", str(excel_made / "table07.xlsx"), "-o", str(tmp_path / "out.xlsx")
    )
    assert wrong.returncode == 2
    assert ".xlsm" in wrong.stderr


def _refused(source: Path, tmp_path: Path, problem: str) -> None:
    out = tmp_path / "out.xlsm"
    out.write_bytes(b"what was here before")
    done = run_productive_xl("attach", str(source), "-o", str(out), "--force")
    assert done.returncode == EXIT_UNUSABLE_INPUT
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert str(source) in lines[0]
    assert problem in lines[0]
    assert out.read_bytes() == b"what was here before"  # untouched
    assert not list(tmp_path.glob(".out.xlsm.*"))


@pytest.mark.excel_made
def test_an_encrypted_workbook_is_refused(excel_made: Path, tmp_path: Path) -> None:
    locked = tmp_path / "locked.xlsx"
    with (excel_made / "simple01.xlsx").open("rb") as plain, locked.open("wb") as target:
        OOXMLFile(plain).encrypt("Productive2025", target)
    _refused(locked, tmp_path, "is encrypted")


def test_not_a_workbook_is_refused(tmp_path: Path) -> None:
    notes = tmp_path / "notes.xlsx"
    notes.write_text("Benefits tracker, to be written\n")
    _refused(notes, tmp_path, "is not a zip package")


@pytest.mark.excel_made
def test_a_workbook_with_a_ribbon_of_its_own_is_refused(excel_made: Path, tmp_path: Path) -> None:
    source = tmp_path / "own-ribbon.xlsx"
    relationship = (
        b'<Relationship Id="rId99" Type="http://schemas.microsoft.com/office/2007/'
        b'relationships/ui/extensibility" Target="customUI/customUI14.xml"/>'
    )
    ribbon = b'<customUI xmlns="http://schemas.microsoft.com/office/2009/07/customui"/>'
    end = b"</Relationships>"
    edited_copy(
        excel_made / "simple01.xlsx",
        source,
        {"_rels/.rels": lambda data: data.replace(end, relationship + end)},
        {"customUI/customUI14.xml": ribbon},
    )
    _refused(source, tmp_path, "has a ribbon customisation of its own")


def test_a_sheet_name_in_use_for_our_table_is_refused(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = 1
    book.defined_names["tblChecks"] = openpyxl.workbook.defined_name.DefinedName(
        "tblChecks", attr_text="Sheet!$A$1"
    )
    source = tmp_path / "clash.xlsx"
    book.save(source)
    with pytest.raises(UnusableWorkbook, match="already uses the name tblChecks"):
        attach(source, tmp_path / "out.xlsm")


@pytest.mark.excel_made
def test_a_damaged_vba_project_is_refused(excel_made: Path, tmp_path: Path) -> None:
    source = tmp_path / "damaged.xlsm"
    cut_short = {"xl/vbaProject.bin": lambda data: data[:1000]}  # the compound file cut short
    edited_copy(excel_made / "macro02.xlsm", source, cut_short)
    _refused(source, tmp_path, "its VBA project (xl/vbaProject.bin)")


@pytest.mark.excel_made
def test_attaching_in_place_replaces_the_workbook(excel_made: Path, tmp_path: Path) -> None:
    book = tmp_path / "team.xlsm"
    book.write_bytes((excel_made / "button07.xlsm").read_bytes())
    attach(book, book)
    assert set(_modules(book)) == {"Module1", "ThisWorkbook", "Sheet1"} | OUR_MODULES
    assert openpyxl.load_workbook(book, keep_vba=True).sheetnames == ["Sheet1", *OUR_SHEETS]


@pytest.mark.libreoffice
@pytest.mark.slow
@pytest.mark.excel_made
def test_libreoffice_imports_every_module_of_the_attached_project(
    excel_made: Path, tmp_path: Path
) -> None:
    """LibreOffice, a second reader of VBA, keeps each module in its Basic when it saves as .ods."""
    assert SOFFICE is not None
    out = tmp_path / "attached.xlsm"
    attach(excel_made / "macro02.xlsm", out)
    save_as_ods(out, tmp_path / "attached.ods")
    with zipfile.ZipFile(tmp_path / "attached.ods") as ods:
        basic = {
            name.removeprefix("Basic/VBAProject/").removesuffix(".xml"): ods.read(name)
            for name in ods.namelist()
            if name.startswith("Basic/VBAProject/") and name.endswith(".xml")
        }
    assert {"Module1", "MyWorkbook", "MySheet1"} | OUR_MODULES <= set(basic)
    assert b"ribbon.refresh_tracker()" in basic["ProductiveRibbon"]
    assert b"ActiveCell.FormulaR1C1 = &quot;123&quot;" in basic["Module1"]


@pytest.mark.excel_made
def test_a_strict_open_xml_workbook_is_refused(excel_made: Path, tmp_path: Path) -> None:
    source = tmp_path / "strict.xlsx"
    transitional = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    strict = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
    edited_copy(
        excel_made / "simple01.xlsx",
        source,
        {"xl/workbook.xml": lambda data: data.replace(transitional, strict)},
    )
    _refused(source, tmp_path, "Strict Open XML")


def test_every_ribbon_action_works_or_says_what_the_workbook_lacks(tmp_path: Path) -> None:
    """In a team's own workbook given the ribbon by attach: Check inputs and Update rates for
    year work on the template's Inputs; Refresh and Add benefit line say in one line that the
    workbook has no register and how to add one; the refresh's stamp has its cells on Checks.
    (Explain error and About need no table.)"""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Ward figures"
    sheet["A1"] = "Our own figures"
    plain = tmp_path / "team.xlsx"
    book.save(plain)
    attached = tmp_path / "team.xlsm"
    attach(plain, attached)
    workbook = FileBook(attached)
    found = [str(finding) for finding in check_inputs(workbook)]
    assert "Inputs!B8: Organisation: is blank" in found
    assert isinstance(update_rates_for_year(workbook).message, str)
    for action in (
        lambda: refresh(workbook, "Finance team", datetime(2026, 11, 29, 9, 0)),
        lambda: add_benefit_line(workbook),
    ):
        with pytest.raises(NotATracker) as raised:
            action()
        line = what_it_lacks(raised.value)
        assert line.startswith("This workbook has no table tblBenefits: copy the Register sheet")
        assert "\n" not in line
    # the refresh's stamp has its cells on the attached Checks sheet
    workbook.set_name_value(Name.REFRESHED_BY, "Finance team")
    assert workbook.name_value(Name.REFRESHED_BY) == "Finance team"
