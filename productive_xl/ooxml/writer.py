"""Write a workbook package with some parts replaced, and nothing else changed, atomically."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Collection, Mapping
from pathlib import Path

from productive_xl.ooxml.package import WorkbookPackage


def _member(original: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """A fresh entry with the original's name, time, compression and attributes."""
    member = zipfile.ZipInfo(original.filename, date_time=original.date_time)
    member.compress_type = original.compress_type
    member.external_attr = original.external_attr
    member.create_system = original.create_system
    member.comment = original.comment
    return member


def replace_atomically(target: Path, write: Callable[[Path], object]) -> None:
    """Have ``write`` fill a temporary file beside ``target``, then move it into place.

    Until the move, ``target`` is untouched; if ``write`` fails, or the process is killed, the
    temporary file is all that is left over, and ``target`` is as it was.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        write(temporary)
        if target.exists():
            shutil.copymode(target, temporary)
        else:  # a new file gets the usual permissions, not mkstemp's owner-only ones
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
        with temporary.open("rb") as file:
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def write_package(
    package: WorkbookPackage,
    replaced: Mapping[str, bytes],
    target: Path,
    added: Mapping[str, bytes] | None = None,
    removed: Collection[str] = (),
) -> None:
    """Write ``package`` to ``target`` with the parts in ``replaced`` swapped for new bytes.

    Members keep their order, names, times and compression; those not replaced keep their bytes.
    The parts in ``added`` follow them, compressed, with the time of the package's first member;
    those in ``removed`` are left out.
    """

    def write(path: Path) -> None:
        with zipfile.ZipFile(path, "w") as archive:
            for original in package.infos:
                if original.filename in removed:
                    continue
                data = replaced.get(original.filename, package.read(original.filename))
                archive.writestr(_member(original), data)
            # Added parts take the package's own time rather than the clock's, so the same
            # input always gives the same bytes (the committed tracker workbooks rely on it).
            stamp = package.infos[0].date_time if package.infos else (1980, 1, 1, 0, 0, 0)
            for name, data in (added or {}).items():
                member = zipfile.ZipInfo(name, date_time=stamp)
                member.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(member, data)

    replace_atomically(target, write)
