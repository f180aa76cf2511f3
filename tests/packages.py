"""Workbook packages (zip files) for the tests: read whole, or copied with some parts changed."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path


def members(path: Path) -> dict[str, bytes]:
    """Every member of the package at ``path``, by name, in its order."""
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def edited_copy(
    source: Path,
    target: Path,
    edits: Mapping[str, Callable[[bytes], bytes]],
    added: Mapping[str, bytes] | None = None,
) -> None:
    """Write ``target``: ``source`` with each member named in ``edits`` passed through its
    edit, and the ``added`` members after the others."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for info in original.infolist():
            data = original.read(info)
            edit = edits.get(info.filename)
            copy.writestr(info, edit(data) if edit else data)
        for name, data in (added or {}).items():
            copy.writestr(name, data)
