"""Open a workbook in LibreOffice, run its VBA with the stand-ins for xlwings, report as JSON.

Run by tests/test_vba_in_libreoffice.py with the Python that has LibreOffice's ``uno`` module
(Debian's /usr/bin/python3 with python3-uno), not the test's own interpreter::

    python3 run_vba.py WORKBOOK PROFILE_DIR SHEET REPORT.json

PROFILE_DIR is a LibreOffice user profile made by tests/libreoffice.py (VBA loaded and
executable, macros allowed, udf_stand_in.py among its Python scripts). This script starts
LibreOffice headless on it, opens WORKBOOK with its macros enabled and then, in the workbook's
VBA project (the Basic library VBAProject):

1. replaces the module xlwings, which LibreOffice cannot compile, with xlwings_stand_in.bas and
   adds the class XLPyStandIn (XLPy.bas), so that ``XLPy.CallUDF`` and ``RunPython`` reach
   udf_stand_in.py;
2. recalculates every formula (calculateAll) and reads each formula cell of SHEET back;
3. asks ProductiveErrors.MessageFor for each of those cells, through a probe module;
4. calls every ribbon callback of ProductiveRibbon with a dummy control.

The report holds the project's module names, the cells (formula, shown text, value, error code),
the messages and each callback's outcome. The calls the stand-ins received are in the log named
by PRODUCTIVE_XL_STAND_IN_LOG, written by udf_stand_in.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]
from com.sun.star.script import ModuleInfo  # type: ignore[import-not-found]
from com.sun.star.script.ModuleType import CLASS  # type: ignore[import-not-found]
from com.sun.star.sheet.CellFlags import FORMULA  # type: ignore[import-not-found]

HERE = Path(__file__).resolve().parent
PROJECT = "VBAProject"
# document.loadComponentFromURL's MacroExecutionMode: run the document's macros, asking nobody.
ALWAYS_EXECUTE_NO_WARN = 4

PROBE = """\
Option VBASupport 1
Option Explicit

' ProductiveErrors.MessageFor of a cell of the workbook.
Public Function MessageOf(ByVal sheetName As String, ByVal address As String) As String
    MessageOf = ProductiveErrors.MessageFor(ThisWorkbook.Worksheets(sheetName).Range(address))
End Function

' What ProductiveErrors.FromPython makes of description for a cell, and then the message
' MessageFor gives for that cell: "TypeName|number|message".
Public Function FromPythonFor(ByVal description As String, ByVal sheetName As String, _
        ByVal address As String) As String
    Dim target As Object, value As Variant
    On Error GoTo failed
    Set target = ThisWorkbook.Worksheets(sheetName).Range(address)
    value = ProductiveErrors.FromPython(description, target)
    FromPythonFor = TypeName(value) & "|" & CLng(value) & "|" & ProductiveErrors.MessageFor(target)
    Exit Function
failed:
    FromPythonFor = "error " & Err.Number & ": " & Err.Description
End Function
"""

# One function per ribbon callback: it calls the callback with a control that is Nothing and
# returns "" or the Basic error it raised (an error in a script run through the script provider
# would otherwise be lost: LibreOffice headless reports it in a dialog nobody sees).
CALLBACK = """
Public Function Run_{name}() As String
    Dim control As Object
    On Error GoTo failed
    ProductiveRibbon.{name} control
    Exit Function
failed:
    Run_{name} = "error " & Err.Number & ": " & Err.Description
End Function
"""


def _property(name: str, value: Any) -> Any:
    prop = PropertyValue()
    prop.Name = name
    prop.Value = value
    return prop


def _connect(pipe: str, soffice: subprocess.Popen[bytes], timeout: float = 60) -> Any:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    deadline = time.monotonic() + timeout
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except Exception:
            if soffice.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _basic(document: Any, macro: str) -> Any:
    """The Basic routine ``Module.Name`` of the workbook's VBA project, as a script to invoke."""
    return document.getScriptProvider().getScript(
        f"vnd.sun.star.script:{PROJECT}.{macro}?language=Basic&location=document"
    )


def _outcome(script: Any, *arguments: Any) -> dict[str, Any]:
    try:
        return {"result": script.invoke(arguments, (), ())[0]}
    except Exception as error:  # a Basic error arrives as a UNO exception with its message
        return {"error": f"{type(error).__name__}: {str(error).strip()}"}


def _replace_xlwings(project: Any, callbacks: list[str]) -> None:
    project.removeByName("xlwings")
    project.insertByName("xlwings", (HERE / "xlwings_stand_in.bas").read_text(encoding="utf-8"))
    info = ModuleInfo()
    info.ModuleType = CLASS
    project.insertModuleInfo("XLPyStandIn", info)
    project.insertByName("XLPyStandIn", (HERE / "XLPy.bas").read_text(encoding="utf-8"))
    project.insertByName("Probe", PROBE + "".join(CALLBACK.format(name=n) for n in callbacks))


def _raised() -> list[str]:
    """The Python tracebacks udf_stand_in.py returned for XLPy.CallUDF to raise, in order."""
    log = Path(os.environ["PRODUCTIVE_XL_STAND_IN_LOG"])
    entries = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    return [entry["raised"] for entry in entries if "raised" in entry]


def _cells(sheet: Any) -> dict[str, dict[str, Any]]:
    cells: dict[str, dict[str, Any]] = {}
    for block in sheet.queryContentCells(FORMULA).getRangeAddresses():
        for row in range(block.StartRow, block.EndRow + 1):
            for column in range(block.StartColumn, block.EndColumn + 1):
                cell = sheet.getCellByPosition(column, row)
                cells[cell.AbsoluteName.split(".")[-1].replace("$", "")] = {
                    "formula": cell.getFormula(),
                    "text": cell.getString(),
                    "value": cell.getValue(),
                    "error": cell.getError(),
                }
    return cells


def run(workbook: Path, sheet_name: str) -> dict[str, Any]:
    report: dict[str, Any] = {}
    pipe = f"productive_xl-{uuid.uuid4().hex}"
    soffice = subprocess.Popen(
        [
            os.environ.get("SOFFICE", "soffice"),
            f"-env:UserInstallation={Path(sys.argv[2]).resolve().as_uri()}",
            "--headless",
            "--invisible",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "--norestore",
            f"--accept=pipe,name={pipe};urp;",
        ],
        stdin=subprocess.DEVNULL,
    )
    desktop = None
    try:
        context = _connect(pipe, soffice)
        desktop = context.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.Desktop", context
        )
        document = desktop.loadComponentFromURL(
            workbook.resolve().as_uri(),
            "_blank",
            0,
            (
                _property("Hidden", True),
                _property("MacroExecutionMode", ALWAYS_EXECUTE_NO_WARN),
            ),
        )
        libraries = document.BasicLibraries
        project = libraries.getByName(PROJECT)
        report["modules"] = sorted(project.getElementNames())
        callbacks = re.findall(
            r"^Public Sub (\w+)\(\w+ As \w+\)",
            project.getByName("ProductiveRibbon"),
            re.MULTILINE,
        )
        _replace_xlwings(project, callbacks)

        document.calculateAll()
        sheet = document.Sheets.getByName(sheet_name)
        report["cells"] = _cells(sheet)

        message_of = _basic(document, "Probe.MessageOf")
        report["messages"] = {
            address: _outcome(message_of, sheet_name, address) for address in report["cells"]
        }
        # Each traceback that a failing call raised, as FromPython reads it for a cell of its own
        # far from the formulas (Application.Caller names no cell in LibreOffice).
        from_python_for = _basic(document, "Probe.FromPythonFor")
        report["from_python"] = [
            {"raised": raised, **_outcome(from_python_for, raised, sheet_name, f"ZZ{row}")}
            for row, raised in enumerate(_raised(), start=1)
        ]
        report["ribbon"] = {
            name: _outcome(_basic(document, f"Probe.Run_{name}")) for name in callbacks
        }
        document.close(True)
    finally:
        if desktop is not None:
            with contextlib.suppress(Exception):  # the connection drops as LibreOffice quits
                desktop.terminate()
        try:
            soffice.wait(timeout=30)
        except subprocess.TimeoutExpired:
            soffice.kill()
            soffice.wait()
    return report


def main() -> None:
    workbook, _, sheet_name, report = sys.argv[1:5]
    result = run(Path(workbook), sheet_name)
    Path(report).write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
