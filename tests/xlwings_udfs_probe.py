"""Decorate the cell functions with xlwings' real Windows decorators and print what xlwings makes.

xlwings.udfs (the decorators Excel on Windows uses, and the generator behind "Import Functions")
imports pywin32 at the top. On Linux this script gives it inert pywin32 modules, so that xlwings'
own code can read productive_xl's functions. Run in a subprocess: it changes xlwings globally.
"""

from __future__ import annotations

import io
import json
import sys
import types


def _inert_pywin32() -> None:
    pythoncom = types.ModuleType("pythoncom")
    pythoncom.CoInitialize = lambda: None  # type: ignore[attr-defined]
    pywintypes = types.ModuleType("pywintypes")
    pywintypes.com_error = type("com_error", (Exception,), {})  # type: ignore[attr-defined]
    win32com = types.ModuleType("win32com")
    client = types.ModuleType("win32com.client")
    client.Dispatch = lambda *a, **k: None  # type: ignore[attr-defined]
    win32com.client = client  # type: ignore[attr-defined]
    sys.modules.update(
        {
            "pythoncom": pythoncom,
            "pywintypes": pywintypes,
            "win32com": win32com,
            "win32com.client": client,
        }
    )


def main() -> None:
    _inert_pywin32()
    import xlwings
    from xlwings import udfs

    xlwings.func, xlwings.arg = udfs.xlfunc, udfs.xlarg
    import productive_xl.catalogue

    # as on Windows, where the cell functions are decorated for xlwings when defined
    productive_xl.catalogue.SERVE_WITH_XLWINGS = True
    import productive_xl.functions as module

    book = types.SimpleNamespace(Name="tracker.xlsm")
    text = io.StringIO()
    udfs.generate_vba_wrapper("productive_xl.functions", module, text, book)
    functions = {
        name: getattr(module, name).__xlfunc__
        for name in dir(module)
        if hasattr(getattr(module, name), "__xlfunc__")
    }
    json.dump({"vba": text.getvalue(), "functions": functions}, sys.stdout, default=repr)


if __name__ == "__main__":
    main()
