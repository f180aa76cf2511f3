"""The tracker's VBA project and ribbon, assembled from their source text at build time.

The modules are xlwings' own ``xlwings.bas``, read from the installed xlwings package (its VBA
and Python halves must be the same release, so it is never copied into this repository), and
the ``.bas`` files of the ``vba/`` folder: the PRODUCTIVE_* wrappers, the error-message store
and the ribbon's callbacks. The project has no document modules (ThisWorkbook, Sheet1): nothing
of ours needs one, and leaving them out means attaching changes no sheet of the user's workbook;
Excel adds the document modules itself when it opens the workbook.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Final

from productive_xl.vbaproject.project import Module

# The modules of vba/ in the order they appear in the VBA editor.
TRACKER_MODULE_FILES: Final = (
    "ProductiveFunctions.bas",
    "ProductiveErrors.bas",
    "ProductiveRibbon.bas",
)
CUSTOM_UI_FILE: Final = "customUI14.xml"
XLWINGS_MODULE_FILE: Final = "xlwings.bas"
# The encoding of .bas files as the VBA editor exports them: the Windows code page.
BAS_ENCODING: Final = "cp1252"

_VB_NAME: Final = re.compile(r'^Attribute\s+VB_Name\s*=\s*"([^"]+)"', re.IGNORECASE | re.MULTILINE)


def vba_folder() -> Path:
    """The folder holding the VBA sources: inside the installed package, or the checkout's."""
    here = Path(__file__).resolve()
    for candidate in (here.parents[1] / "vba", here.parents[2] / "vba"):
        if (candidate / CUSTOM_UI_FILE).is_file():
            return candidate
    raise FileNotFoundError(f"the VBA sources ({CUSTOM_UI_FILE} and the .bas files) are missing")


def module_from_bas(text: str, where: str) -> Module:
    """A standard module from the text of an exported .bas file, named by its VB_Name line."""
    match = _VB_NAME.search(text)
    if match is None:
        raise ValueError(f"{where} has no Attribute VB_Name line")
    return Module(match.group(1), text, "standard")


def xlwings_module() -> Module:
    """xlwings' VBA module, as the installed xlwings package ships it."""
    source = resources.files("xlwings").joinpath(XLWINGS_MODULE_FILE)
    return module_from_bas(source.read_bytes().decode(BAS_ENCODING), f"xlwings/{source.name}")


def tracker_modules(folder: Path | None = None) -> list[Module]:
    """Every module of the tracker's VBA project: xlwings' first, then those of ``vba/``."""
    folder = folder or vba_folder()
    modules = [xlwings_module()]
    for name in TRACKER_MODULE_FILES:
        path = folder / name
        modules.append(module_from_bas(path.read_bytes().decode(BAS_ENCODING), str(path)))
    return modules


def custom_ui_part(folder: Path | None = None) -> bytes:
    """The bytes of ``customUI/customUI14.xml``: the Productive ribbon tab."""
    return ((folder or vba_folder()) / CUSTOM_UI_FILE).read_bytes()
