"""The wheel of productive_xl's calculation part, which the add-in installs into Pyodide.

Only the modules the cell functions need go in (the package root, ``core``, ``arguments``,
``catalogue``, ``workbook_context``, ``functions`` and the add-in's ``bridge``): they import
the standard library alone, so no IronCalc, lxml, openpyxl or xlwings reaches the browser. It
is written here with ``zipfile`` as the wheel format says (PEP 427: the ``.dist-info`` folder
with METADATA, WHEEL and RECORD, each file's sha256 in RECORD), with fixed times, so the same
package gives the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

from productive_xl import __version__

PACKAGE = Path(__file__).resolve().parents[1]
DISTRIBUTION = "productive_xl_functions"
WHEEL_NAME = f"{DISTRIBUTION}-{__version__}-py3-none-any.whl"

# What the wheel holds, relative to the package: folders whole (their .py files and data),
# single modules by name.
CALCULATION_PART = (
    "__init__.py",
    "py.typed",
    "core",
    "arguments.py",
    "catalogue.py",
    "workbook_context.py",
    "functions.py",
    "officejs/__init__.py",
    "officejs/bridge.py",
)
_DATA = (".toml",)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say: no build time in the bytes


def _files() -> Iterator[tuple[str, bytes]]:
    for entry in CALCULATION_PART:
        path = PACKAGE / entry
        found = (
            sorted(p for p in path.iterdir() if p.suffix == ".py" or p.suffix in _DATA)
            if path.is_dir()
            else [path]
        )
        for file in found:
            yield f"productive_xl/{file.relative_to(PACKAGE).as_posix()}", file.read_bytes()


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def calculation_wheel() -> tuple[str, bytes]:
    """The wheel's file name and bytes."""
    info = f"{DISTRIBUTION}-{__version__}.dist-info"
    files = list(_files())
    files.append(
        (
            f"{info}/METADATA",
            (
                "Metadata-Version: 2.1\n"
                f"Name: {DISTRIBUTION}\n"
                f"Version: {__version__}\n"
                "Summary: productive_xl's PRODUCTIVE_* cell functions alone, for Pyodide\n"
                "Requires-Python: >=3.11\n"
            ).encode(),
        )
    )
    files.append(
        (
            f"{info}/WHEEL",
            (
                b"Wheel-Version: 1.0\n"
                b"Generator: productive-xl officejs\n"
                b"Root-Is-Purelib: true\n"
                b"Tag: py3-none-any\n"
            ),
        )
    )
    record = [_record_line(name, data) for name, data in files] + [f"{info}/RECORD,,"]
    files.append((f"{info}/RECORD", ("\n".join(record) + "\n").encode()))
    return WHEEL_NAME, _zipped(files)


def _zipped(files: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, data in files:
            member = zipfile.ZipInfo(name, _ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            wheel.writestr(member, data)
    return buffer.getvalue()
