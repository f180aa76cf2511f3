"""No file this repository tracks holds xlwings' VBA module (issue 7, point 1).

xlwings.bas is taken from the installed xlwings package when a workbook is built; a built
macro workbook carries it inside its vbaProject.bin, so none is committed. The check is shown to
catch what it looks for in a git repository of the test's own, planted with each kind of copy.
"""

from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path

import olefile
import pytest
from xlwings_code import (
    ENOUGH_TO_TELL,
    NotAGitCheckout,
    distinctive_lines,
    installed_xlwings_bas,
    xlwings_code_in_checkout,
)

from productive_xl.tracker.vba_sources import tracker_modules
from productive_xl.vbaproject.compound_file import compound_file
from productive_xl.vbaproject.project import Module, vba_project

REPOSITORY = Path(__file__).resolve().parents[1]


def test_no_tracked_file_holds_xlwings_module() -> None:
    try:
        found = xlwings_code_in_checkout(REPOSITORY)
    except NotAGitCheckout as error:
        pytest.skip(f"not a git checkout, so no list of tracked files: {error}")
    assert found == [], "xlwings' module is committed; build it instead (./dev workbooks)"


# --- the check can fail ------------------------------------------------------------------------


def _git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True)


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    folder = tmp_path / "repository"
    folder.mkdir()
    try:
        _git(folder, "init", "--quiet")
    except FileNotFoundError:
        pytest.skip("git is not installed")
    return folder


def _xlwings_text() -> str:
    return installed_xlwings_bas().read_bytes().decode("cp1252")


def _macro_workbook(path: Path, project: bytes) -> None:
    """A zip with the members of an .xlsm that matter here: the VBA project and a sheet."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
        package.writestr("xl/vbaProject.bin", project)


def test_the_check_finds_xlwings_module_however_it_is_committed(repository: Path) -> None:
    text = _xlwings_text()
    (repository / "vba").mkdir()
    (repository / "vba" / "xlwings.bas").write_bytes(text.encode("cp1252"))
    # a few of its lines pasted into a module of our own, indented otherwise
    pasted = [line for line in text.splitlines() if line.strip() in distinctive_lines()]
    own = 'Attribute VB_Name = "Ours"\n' + "\n".join("    " + line for line in pasted[:5])
    (repository / "vba" / "Ours.bas").write_text(own)
    xlwings = Module("xlwings", text, "standard")
    ours = tracker_modules()[1:]  # ProductiveFunctions, ProductiveErrors, ProductiveRibbon
    (repository / "vbaProject.bin").write_bytes(vba_project([*ours, xlwings]))
    _macro_workbook(repository / "tracker.xlsm", vba_project([xlwings, *ours]))
    # a macro workbook inside another zip, as a release archive would hold it
    _macro_workbook(repository / "inner.xlsm", vba_project([xlwings]))
    with zipfile.ZipFile(repository / "release.zip", "w") as release:
        release.write(repository / "inner.xlsm", "workbooks/inner.xlsm")
    (repository / "inner.xlsm").unlink()
    _git(repository, "add", ".")

    found = xlwings_code_in_checkout(repository)

    whole = len(distinctive_lines())
    assert sorted(found) == sorted(
        [
            f"vba/xlwings.bas: {whole} lines of xlwings.bas",
            "vba/Ours.bas: 5 lines of xlwings.bas",
            f"vbaProject.bin: VBA module xlwings: {whole} lines of xlwings.bas",
            f"tracker.xlsm!xl/vbaProject.bin: VBA module xlwings: {whole} lines of xlwings.bas",
            "release.zip!workbooks/inner.xlsm!xl/vbaProject.bin: VBA module xlwings: "
            f"{whole} lines of xlwings.bas",
        ]
    )


def test_the_check_passes_our_own_modules_and_looks_only_at_tracked_files(
    repository: Path,
) -> None:
    ours = tracker_modules()[1:]
    assert [module.name for module in ours] == [
        "ProductiveFunctions",
        "ProductiveErrors",
        "ProductiveRibbon",
    ]
    _macro_workbook(repository / "ours.xlsm", vba_project(ours))
    two_lines = sorted(distinctive_lines())[: ENOUGH_TO_TELL - 1]
    (repository / "notes.txt").write_text("Quoted from xlwings.bas:\n" + "\n".join(two_lines))
    _git(repository, "add", ".")
    # built, not committed: the working tree may hold it
    (repository / "tracker-template.xlsm").write_bytes(
        vba_project([Module("xlwings", _xlwings_text(), "standard")])
    )
    assert xlwings_code_in_checkout(repository) == []


def test_a_vba_project_that_cannot_be_read_is_reported_not_passed(repository: Path) -> None:
    project = vba_project([Module("xlwings", _xlwings_text(), "standard")])
    # its PROJECT stream made to declare a UserForm, whose designer the reader refuses
    with olefile.OleFileIO(io.BytesIO(project)) as ole:
        streams = {"/".join(path): ole.openstream(path).read() for path in ole.listdir()}
    declared = b"Module=xlwings\r\n"
    assert declared in streams["PROJECT"]
    streams["PROJECT"] = streams["PROJECT"].replace(declared, declared + b"BaseClass=Form1\r\n")
    (repository / "vbaProject.bin").write_bytes(compound_file(streams))
    _git(repository, "add", ".")
    (finding,) = xlwings_code_in_checkout(repository)
    assert finding.startswith("vbaProject.bin: a VBA project that cannot be checked")


def test_a_folder_outside_git_is_said_to_be_so(tmp_path: Path) -> None:
    with pytest.raises(NotAGitCheckout):
        xlwings_code_in_checkout(tmp_path)
