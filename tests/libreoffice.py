"""LibreOffice headless as an independent reference engine for the tests and benchmarks.

LibreOffice Calc opens a workbook, recalculates every formula and saves the result as .xlsx, so
that test code can compare productive_xl's results with values that another engine computed::

    from libreoffice import recalculated_values

    pytestmark = pytest.mark.libreoffice  # skipped by tests/conftest.py where soffice is not

    def test_against_libreoffice(tmp_path: Path) -> None:
        values = recalculated_values(workbook_path)
        assert values["Summary", "B4"] == pytest.approx(1234.5)

By default LibreOffice trusts the values an .xlsx file has cached for its formula cells and
recalculates only the cells that have none. A reference that merely echoed the cached values would
prove nothing, so each call starts LibreOffice with a fresh, temporary user profile whose
configuration sets ``org.openoffice.Office.Calc/Formula/Load/OOXMLRecalcMode`` (and
``ODFRecalcMode``, for .ods sources) to 0, "always recalculate on load". Each call has its own
profile, so calls may run in parallel, in threads or processes; the profile is deleted afterwards.

run_vba_in_libreoffice opens a workbook with its VBA executable and runs it, with stand-ins
for xlwings (tests/uno/): Calc calls the workbook's Basic functions from its cells, and the
stand-ins call productive_xl's Python through LibreOffice's script provider for Python. It drives
LibreOffice through its Python UNO bridge, whose ``uno`` module only the Python that LibreOffice
was built for can import (Debian's /usr/bin/python3, not the tests' virtual environment): so it
runs tests/uno/run_vba.py with that Python, UNO_PYTHON, in a process of its own.

``.ci/install-libreoffice`` installs LibreOffice from Debian's packages (libreoffice-calc-nogui,
and python3-uno with libreoffice-script-provider-python for run_vba_in_libreoffice).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Final, TypeAlias

import openpyxl

__all__ = [
    "SOFFICE",
    "UNO_PYTHON",
    "CellValue",
    "formula_values",
    "recalculate_with_libreoffice",
    "recalculated_values",
    "run_vba_in_libreoffice",
]


def _find_soffice() -> str | None:
    """Return the path of the soffice program, or None when LibreOffice is not installed."""
    on_path = shutil.which("soffice")
    if on_path is not None:
        return on_path
    for candidate in ("/usr/bin/soffice", "/usr/lib/libreoffice/program/soffice"):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


SOFFICE: Final[str | None] = _find_soffice()
"""Path of the soffice program (found on PATH, or where Debian installs it); None when absent."""


def _find_uno_python() -> str | None:
    """Return a Python that imports LibreOffice's ``uno`` module, or None when there is none.

    $PRODUCTIVE_XL_UNO_PYTHON when set, else Debian's python3 (python3-uno), else the Python that
    LibreOffice's own builds bring in their program folder.
    """
    if SOFFICE is None:
        return None
    candidates = [
        os.environ.get("PRODUCTIVE_XL_UNO_PYTHON", ""),
        "/usr/bin/python3",
        str(Path(os.path.realpath(SOFFICE)).parent / "python"),
    ]
    for candidate in candidates:
        if not candidate or not os.access(candidate, os.X_OK):
            continue
        try:
            found = subprocess.run(
                [candidate, "-c", "import uno"], capture_output=True, timeout=60, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if found.returncode == 0:
            return candidate
    return None


UNO_PYTHON: Final[str | None] = _find_uno_python()
"""A Python that imports LibreOffice's ``uno`` module (python3-uno); None without LibreOffice."""

_UNO_SCRIPTS: Final = Path(__file__).resolve().parent / "uno"
_SCRIPT_PROVIDER_FOR_PYTHON: Final = "pythonscript.py"  # libreoffice-script-provider-python

CellValue: TypeAlias = str | int | float | bool | datetime | date | time | timedelta | None
"""A cell's value as openpyxl reads it with data_only=True; an error value is a string: "#N/A"."""

# Recalculation modes of Calc/Formula/Load: 0 always recalculate, 1 never (the default: keep the
# cached values), 2 ask the user (which, headless, nobody can answer).
_ALWAYS_RECALCULATE: Final = 0

_REGISTRY_MODIFICATIONS: Final = f"""\
<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
           xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" \
oor:op="fuse"><value>{_ALWAYS_RECALCULATE}</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" \
oor:op="fuse"><value>{_ALWAYS_RECALCULATE}</value></prop></item>
</oor:items>
"""

# Added for run_vba_in_libreoffice: load a workbook's VBA project and let Calc run it (its Basic
# functions called from cells), and run a document's macros without asking (security level 0,
# "low"; headless, a question would go unanswered and the macros would not run).
_RUN_VBA: Final = """\
<item oor:path="/org.openoffice.Office.Calc/Filter/Import/VBA"><prop oor:name="Load" \
oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Filter/Import/VBA"><prop oor:name="Executable" \
oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop \
oor:name="MacroSecurityLevel" oor:op="fuse"><value>0</value></prop></item>
"""

# The export filter that writes an Office Open XML workbook (.xlsx; "Excel 2007-365" in the UI).
_XLSX_FILTER: Final = "xlsx:Calc MS Excel 2007 XML"


def _write_profile(profile: Path, *, run_vba: bool = False) -> None:
    """Create a LibreOffice user profile at `profile` that recalculates every file it loads.

    With `run_vba`, it also loads and runs a workbook's VBA, and holds the Python stand-in for
    xlwings (tests/uno/udf_stand_in.py) among its Python scripts.
    """
    user = profile / "user"
    user.mkdir(parents=True)
    settings = _REGISTRY_MODIFICATIONS
    if run_vba:
        settings = settings.replace("</oor:items>", _RUN_VBA + "</oor:items>")
        scripts = user / "Scripts" / "python"
        scripts.mkdir(parents=True)
        shutil.copyfile(_UNO_SCRIPTS / "udf_stand_in.py", scripts / "udf_stand_in.py")
    (user / "registrymodifications.xcu").write_text(settings, encoding="utf-8")


def recalculate_with_libreoffice(source: Path, target: Path, *, timeout: float = 300) -> None:
    """Recalculate every formula of the workbook `source` in LibreOffice and save it as `target`.

    `source` may be any file LibreOffice Calc opens (.xlsx, .xlsm, .xls, .ods, ...); `target` is
    always written as .xlsx (without macros), replacing any file there, and its cached values are
    the ones LibreOffice computed. The source file is never modified. Takes a few seconds: each call
    starts its own LibreOffice, with its own temporary profile.

    Raises RuntimeError, with LibreOffice's output, when LibreOffice is not installed, fails,
    produces no file or takes more than `timeout` seconds (it is then killed).
    """
    _convert(source, target, _XLSX_FILTER, "xlsx", timeout=timeout)


def save_as_ods(source: Path, target: Path, *, timeout: float = 300) -> None:
    """Open `source` in LibreOffice and save it as the OpenDocument spreadsheet `target`.

    An .ods keeps a workbook's VBA modules as LibreOffice Basic (Basic/VBAProject/NAME.xml), so
    it shows what LibreOffice made of a VBA project. Raises as recalculate_with_libreoffice does.
    """
    _convert(source, target, "ods", "ods", timeout=timeout)


def _convert(
    source: Path, target: Path, output_filter: str, suffix: str, *, timeout: float
) -> None:
    """Have LibreOffice open `source` and save it with `output_filter` as `target`."""
    if SOFFICE is None:
        raise RuntimeError(
            "LibreOffice (soffice) is not installed: run .ci/install-libreoffice as root"
        )
    source = Path(source)
    target = Path(target)
    if not source.is_file():
        raise FileNotFoundError(source)
    with tempfile.TemporaryDirectory(prefix="productive_xl-libreoffice-") as scratch:
        work = Path(scratch)
        profile, inbox, outbox = work / "profile", work / "in", work / "out"
        _write_profile(profile)
        inbox.mkdir()
        outbox.mkdir()
        # --convert-to names its output after its input, in --outdir: a copy under a fixed name
        # makes that name known (and keeps spaces or odd characters out of the command line).
        staged = inbox / f"workbook{source.suffix.lower()}"
        shutil.copyfile(source, staged)
        command = [
            SOFFICE,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--invisible",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "--norestore",
            "--convert-to",
            output_filter,
            "--outdir",
            str(outbox),
            str(staged),
        ]
        returncode, stdout, stderr = _run_in_own_session(
            command, timeout, f"LibreOffice took more than {timeout:g} s to convert {source}"
        )
        produced = outbox / f"workbook.{suffix}"
        # LibreOffice exits 0 even when it could not load the file: the output is what tells.
        if returncode != 0 or not produced.is_file():
            raise RuntimeError(
                f"LibreOffice failed to convert {source} (exit code {returncode})"
                f"\nstdout: {stdout.strip()}\nstderr: {stderr.strip()}"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(produced, target)


def _run_in_own_session(
    command: list[str], timeout: float, too_long: str, environment: dict[str, str] | None = None
) -> tuple[int, str, str]:
    """Run ``command`` and return its exit code, output and errors; RuntimeError(``too_long``,
    with the output) when it takes more than ``timeout`` seconds.

    It runs in its own session (process group), so that a timeout kills soffice.bin as well as
    the soffice script that started it.
    """
    with subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
        start_new_session=True,
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
            raise RuntimeError(
                f"{too_long}\nstdout: {stdout.strip()}\nstderr: {stderr.strip()}"
            ) from None
    return process.returncode, stdout, stderr


def formula_values(workbook: Path) -> dict[tuple[str, str], CellValue]:
    """Return the cached value of every formula cell of `workbook`, keyed by (sheet, "A1").

    The values are those the program that last saved the workbook computed: after
    recalculate_with_libreoffice, LibreOffice's. A cell of an array formula's range other than its
    top-left one holds no formula and is left out.
    """
    formulas = openpyxl.load_workbook(workbook, data_only=False)
    values = openpyxl.load_workbook(workbook, data_only=True)
    try:
        found: dict[tuple[str, str], CellValue] = {}
        for sheet in formulas.worksheets:
            cached = values[sheet.title]
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        found[sheet.title, cell.coordinate] = cached[cell.coordinate].value
        return found
    finally:
        formulas.close()
        values.close()


def recalculated_values(source: Path, *, timeout: float = 300) -> dict[tuple[str, str], CellValue]:
    """Recalculate `source` in LibreOffice and return its formula cells' values, as formula_values.

    The recalculated workbook is written to a temporary directory and deleted afterwards.
    """
    with tempfile.TemporaryDirectory(prefix="productive_xl-recalculated-") as scratch:
        target = Path(scratch) / "recalculated.xlsx"
        recalculate_with_libreoffice(source, target, timeout=timeout)
        return formula_values(target)


def vba_run_unavailable() -> str | None:
    """Why run_vba_in_libreoffice cannot run here, in one sentence; None when it can."""
    if SOFFICE is None:
        return "LibreOffice (soffice) is not installed"
    if UNO_PYTHON is None:
        return "no Python here imports LibreOffice's uno module (install python3-uno)"
    program = Path(os.path.realpath(SOFFICE)).parent
    if not (program / _SCRIPT_PROVIDER_FOR_PYTHON).is_file():
        return "LibreOffice's script provider for Python is not installed"
    return None


def run_vba_in_libreoffice(
    workbook: Path, sheet: str, *, timeout: float = 300
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Open `workbook` in LibreOffice with its VBA running and the stand-ins for xlwings.

    tests/uno/run_vba.py does the work (its docstring says what): this gives it a profile of its
    own and the environment the stand-ins read, and returns its report (the formula cells of
    `sheet`, the messages, the ribbon callbacks' outcomes) and the calls the stand-ins received,
    one dict each, in order. The workbook file itself is not changed. Raises RuntimeError, with
    the output, when the run fails or takes more than `timeout` seconds.
    """
    unavailable = vba_run_unavailable()
    if unavailable is not None:
        raise RuntimeError(unavailable)
    assert SOFFICE is not None
    assert UNO_PYTHON is not None
    with tempfile.TemporaryDirectory(prefix="productive_xl-vba-") as scratch:
        work = Path(scratch)
        _write_profile(work / "profile", run_vba=True)
        staged = work / f"workbook{Path(workbook).suffix.lower()}"
        shutil.copyfile(workbook, staged)
        log, report = work / "calls.jsonl", work / "report.json"
        log.touch()
        environment = {
            **os.environ,
            "SOFFICE": SOFFICE,
            "PRODUCTIVE_XL_STAND_IN_LOG": str(log),
            "PRODUCTIVE_XL_SOURCE": str(_UNO_SCRIPTS.parents[1]),
        }
        command = [
            UNO_PYTHON,
            str(_UNO_SCRIPTS / "run_vba.py"),
            str(staged),
            str(work / "profile"),
            sheet,
            str(report),
        ]
        returncode, stdout, stderr = _run_in_own_session(
            command,
            timeout,
            f"running the VBA of {workbook} took more than {timeout:g} s",
            environment,
        )
        if returncode != 0 or not report.is_file():
            raise RuntimeError(
                f"running the VBA of {workbook} failed (exit code {returncode})"
                f"\nstdout: {stdout.strip()}\nstderr: {stderr.strip()}"
            )
        calls = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
        return json.loads(report.read_text(encoding="utf-8")), calls
