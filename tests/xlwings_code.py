"""Find xlwings' VBA module (xlwings.bas) in the files a git checkout tracks.

xlwings' module is taken from the installed xlwings package when a workbook is built and is
never committed here (DESIGN.md). ``xlwings_code_in_checkout`` looks through every file git
tracks in a checkout for it: text files for distinctive lines of the installed ``xlwings.bas``;
VBA projects (a ``vbaProject.bin``, alone or inside an .xlsm or any other zip) by reading their
modules with productive_xl's own reader, ``productive_xl.vbaproject.reading``, whose modules'
source is then looked through the same way. Zips are opened however deep they are nested.
"""

from __future__ import annotations

import io
import subprocess
import zipfile
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Final

import olefile
import xlwings

from productive_xl.vbaproject.reading import UnreadableVbaProject, read_vba_project

# A line of xlwings.bas is distinctive when it is at least this long and occurs in it once: such
# a line in another file was copied from it, not written again by chance.
DISTINCTIVE_LENGTH: Final = 40
# A file holding this many distinctive lines holds (part of) xlwings' module. None of this
# repository's own files holds even one; the VBA wrappers call xlwings, they copy none of it.
ENOUGH_TO_TELL: Final = 3
OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class NotAGitCheckout(Exception):
    """The folder is not inside a git working tree, or git is not installed."""


def installed_xlwings_bas() -> Path:
    """The xlwings.bas the installed xlwings package ships."""
    return Path(xlwings.__file__).parent / "xlwings.bas"


@cache
def distinctive_lines() -> frozenset[str]:
    """The lines of the installed xlwings.bas that tell it apart, stripped of indentation."""
    text = installed_xlwings_bas().read_bytes().decode("cp1252")
    lines = [line.strip() for line in text.splitlines()]
    counts = Counter(lines)
    return frozenset(
        line for line in lines if len(line) >= DISTINCTIVE_LENGTH and counts[line] == 1
    )


def _text_holds_xlwings(text: str) -> int:
    """How many distinctive lines of xlwings.bas ``text`` holds."""
    return len({line.strip() for line in text.splitlines()} & distinctive_lines())


def _findings(name: str, data: bytes) -> list[str]:
    """Where ``data``, the content of the file or member ``name``, holds xlwings' module."""
    if data.startswith(OLE_MAGIC):
        return _vba_project_findings(name, data)
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = [(info.filename, archive.read(info)) for info in archive.infolist()]
        except zipfile.BadZipFile:
            pass  # not a zip after all: looked at as text below
        else:
            return [
                found
                for member, content in members
                for found in _findings(f"{name}!{member}", content)
            ]
    count = _text_holds_xlwings(data.decode("utf-8", errors="replace"))
    if count < ENOUGH_TO_TELL:
        count = max(count, _text_holds_xlwings(data.decode("cp1252", errors="replace")))
    if count >= ENOUGH_TO_TELL:
        return [f"{name}: {count} lines of xlwings.bas"]
    return []


def _vba_project_findings(name: str, data: bytes) -> list[str]:
    """Each module of the VBA project ``data`` that holds xlwings' module's text."""
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        if not ole.exists("VBA/dir"):
            return []  # a compound file that is not a VBA project
    try:
        project = read_vba_project(data)
    except UnreadableVbaProject as error:
        return [f"{name}: a VBA project that cannot be checked ({error})"]
    found = []
    for module in project.modules:
        count = _text_holds_xlwings(module.code)
        if count >= ENOUGH_TO_TELL:
            found.append(f"{name}: VBA module {module.name}: {count} lines of xlwings.bas")
    return found


def tracked_files(checkout: Path) -> list[str]:
    """The files git tracks in ``checkout``, relative to it."""
    try:
        listed = subprocess.run(
            ["git", "-C", str(checkout), "ls-files", "-z"],
            capture_output=True,
            check=False,
        )
    except FileNotFoundError:
        raise NotAGitCheckout("git is not installed") from None
    if listed.returncode != 0:
        raise NotAGitCheckout(listed.stderr.decode(errors="replace").strip())
    return [name for name in listed.stdout.decode().split("\0") if name]


def xlwings_code_in_checkout(checkout: Path) -> list[str]:
    """Each place in the files git tracks in ``checkout`` that holds xlwings' module."""
    found = []
    for name in tracked_files(checkout):
        path = checkout / name
        if path.is_file():  # a tracked file deleted in the working tree holds nothing
            found += _findings(name, path.read_bytes())
    return found
