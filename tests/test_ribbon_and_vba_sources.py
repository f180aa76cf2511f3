"""The Productive ribbon and the tracker's VBA project (issue 4, points 2 and 3).

The ribbon XML and the VBA are read back the way Excel would meet them: the customUI part parsed
as XML, the VBA project read by olevba (oletools), an implementation independent of ours. The
button labels and the Python functions are the ones the issue and the ribbon module's brief name,
written out here rather than taken from productive_xl.
"""

from __future__ import annotations

import re
from pathlib import Path

import xlwings
from lxml import etree
from oletools.olevba import VBA_Parser, decompress_stream
from ribbon_expected import LABELS, PYTHON_FUNCTIONS

from productive_xl.excel.ribbon_buttons import custom_ui, ribbon_module
from productive_xl.tracker.vba_sources import tracker_modules
from productive_xl.vbaproject.project import vba_project

REPO = Path(__file__).resolve().parents[1]
CUSTOM_UI = "{http://schemas.microsoft.com/office/2009/07/customui}"


def _olevba_modules(project: bytes) -> dict[str, str]:
    parser = VBA_Parser("vbaProject.bin", data=project, relaxed=False)
    return {name.rsplit(".", 1)[0]: code for _, _, name, code in parser.extract_macros()}


def _subs(code: str) -> dict[str, tuple[str, str]]:
    """Each Sub of ``code``: (its parameter list, its body)."""
    found = re.finditer(r"^Public Sub (\w+)\(([^)]*)\)\r?\n(.*?)^End Sub", code, re.M | re.S)
    return {m.group(1): (m.group(2), m.group(3)) for m in found}


def test_generated_sources_are_up_to_date() -> None:
    assert (REPO / "vba" / "ProductiveRibbon.bas").read_bytes() == ribbon_module().encode("ascii")
    assert (REPO / "vba" / "customUI14.xml").read_bytes() == custom_ui().encode("utf-8")


def test_olevba_reads_back_every_module_identical_to_its_source() -> None:
    modules = _olevba_modules(vba_project(tracker_modules()))
    sources = {
        "xlwings": Path(xlwings.__file__).parent / "xlwings.bas",  # the installed package's
        "ProductiveFunctions": REPO / "vba" / "ProductiveFunctions.bas",
        "ProductiveErrors": REPO / "vba" / "ProductiveErrors.bas",
        "ProductiveRibbon": REPO / "vba" / "ProductiveRibbon.bas",
    }
    assert set(modules) == set(sources)
    for name, path in sources.items():
        assert modules[name].encode("cp1252") == path.read_bytes(), name


def test_every_button_names_a_sub_that_runs_python_in_the_ribbon_module() -> None:
    root = etree.fromstring((REPO / "vba" / "customUI14.xml").read_bytes())
    assert root.tag == f"{CUSTOM_UI}customUI"
    tabs = root.findall(f"{CUSTOM_UI}ribbon/{CUSTOM_UI}tabs/{CUSTOM_UI}tab")
    assert [tab.get("label") for tab in tabs] == ["Productive"]
    buttons = list(tabs[0].iter(f"{CUSTOM_UI}button"))
    assert {b.get("label") for b in buttons} == LABELS
    assert all(b.get("imageMso") for b in buttons)

    code = "\n".join(_olevba_modules(vba_project(tracker_modules())).values())
    subs = _subs(code.replace("\r\n", "\n"))
    called = []
    for button in buttons:
        macro = button.get("onAction")
        assert macro in subs, f"{button.get('label')}: no Sub {macro} in the VBA project"
        parameters, body = subs[macro]
        assert parameters == "control As IRibbonControl"
        match = re.fullmatch(
            r'\s*RunPython "import productive_xl\.excel\.ribbon as ribbon; ribbon\.(\w+)\(\)"\s*',
            body,
        )
        assert match is not None, body
        called.append(match.group(1))
    assert sorted(called) == sorted(PYTHON_FUNCTIONS)

    # The onLoad callback exists too, with the signature the ribbon calls it with, and gives the
    # functions their Function Wizard help.
    on_load = root.get("onLoad")
    assert on_load in subs
    assert subs[on_load][0] == "ribbon As IRibbonUI"
    assert "RegisterProductiveFunctions" in subs[on_load][1]
    assert "Public Sub RegisterProductiveFunctions()" in code


def test_the_project_references_the_office_library_that_declares_iribboncontrol() -> None:
    parser = VBA_Parser("vbaProject.bin", data=vba_project(tracker_modules()), relaxed=False)
    project = parser.ole_file.openstream("VBA/dir").read()
    dir_stream = decompress_stream(bytearray(project))
    # The Office type library's GUID, as every project Excel creates references it.
    assert b"{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}" in dir_stream
    assert b"{00020430-0000-0000-C000-000000000046}" in dir_stream  # OLE Automation


# What each button's tooltip must speak of, written from the work each button does.
TOOLTIP_WORDS = {
    "Refresh tracker": ("register", "Checks", "rollup"),
    "Check inputs": ("input",),
    "Add benefit line": ("register line", "ID"),
    "Update rates for year": ("pay points", "financial year"),
    "Explain error": ("error",),
    "About": ("productive_xl", "xlwings"),
}


def test_each_tooltip_describes_the_work_of_its_own_button() -> None:
    from productive_xl.excel import ribbon

    root = etree.fromstring((REPO / "vba" / "customUI14.xml").read_bytes())
    code = _olevba_modules(vba_project(tracker_modules()))["ProductiveRibbon"]
    subs = _subs(code.replace("\r\n", "\n"))
    buttons = list(root.iter(f"{CUSTOM_UI}button"))
    assert {b.get("label") for b in buttons} == set(TOOLTIP_WORDS)
    for button in buttons:
        label, tip = button.get("label"), button.get("supertip") or ""
        assert button.get("screentip") == label
        for word in TOOLTIP_WORDS[label]:
            assert word in tip, f"{label}: {tip!r} does not speak of {word!r}"
        # the tooltip is the docstring of the very function the button's Sub runs
        called = re.search(r"ribbon\.(\w+)\(\)", subs[button.get("onAction") or ""][1])
        assert called is not None
        doc = getattr(ribbon, called.group(1)).__doc__
        assert " ".join(doc.split()) == tip
    assert len({b.get("supertip") for b in buttons}) == len(buttons)
