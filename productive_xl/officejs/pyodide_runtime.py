"""Pyodide's runtime files, taken from the npm package ``pyodide`` when the add-in is generated.

The add-in serves them from the trust's own server, so they are never committed here nor
fetched from a CDN when Excel runs the add-in. The version is pinned here, and only here: its
Python (3.12 for 0.27) must be one productive_xl supports (3.11 or later), and a new release is
adopted after the add-in's tests pass with it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

PYODIDE_VERSION = "0.27.7"
PYODIDE_PYTHON = (3, 12)  # the Python that Pyodide 0.27 is built from

# What the page needs to start Python: the loader, the WebAssembly module and its JavaScript,
# the standard library and the lock file Pyodide reads when it starts.
RUNTIME_FILES = (
    "pyodide.js",
    "pyodide.asm.js",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)


class PyodideNotFound(Exception):
    """The npm package ``pyodide`` of the pinned version is not where it was looked for."""


def package_version(folder: Path) -> str | None:
    """The version of the npm package in ``folder``, or None when it is not the pyodide one."""
    try:
        package = json.loads((folder / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return str(package.get("version")) if package.get("name") == "pyodide" else None


def _npm_roots() -> list[Path]:
    roots = []
    for command in (["npm", "root"], ["npm", "root", "-g"]):
        try:
            found = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
        except (OSError, subprocess.SubprocessError):
            continue
        roots.append(Path(found.stdout.strip()))
    return roots


def find_pyodide(given: Path | None = None) -> Path:
    """The folder of the pinned pyodide npm package: ``given`` (the package's folder, or a
    folder holding ``node_modules/pyodide``), else the one npm finds here or globally."""
    candidates = (
        [given, given / "node_modules" / "pyodide"]
        if given is not None
        else [root / "pyodide" for root in _npm_roots()]
    )
    seen = []
    for folder in candidates:
        version = package_version(folder)
        if version == PYODIDE_VERSION and all((folder / f).is_file() for f in RUNTIME_FILES):
            return folder
        if version is not None:
            seen.append(f"{folder} holds pyodide {version}")
    where = "; ".join(seen) or (
        f"no pyodide package in {given}" if given else "npm finds no pyodide package"
    )
    raise PyodideNotFound(
        f"Pyodide {PYODIDE_VERSION} is needed ({where}): run `npm install pyodide@"
        f"{PYODIDE_VERSION}` and give its folder with --pyodide DIR"
    )


def install_pyodide(cache: Path, *, timeout: float = 600) -> Path:
    """The pinned pyodide npm package in ``cache``, installed there by npm when it is not yet.

    For the tests and the benchmark, which keep it outside the repository. Raises
    PyodideNotFound when npm or the registry cannot be reached."""
    folder = cache / "node_modules" / "pyodide"
    if package_version(folder) != PYODIDE_VERSION:
        cache.mkdir(parents=True, exist_ok=True)
        command = ["npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix"]
        try:
            subprocess.run(
                [*command, str(cache), f"pyodide@{PYODIDE_VERSION}"],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=True,
            )
        except (OSError, subprocess.SubprocessError) as error:
            raise PyodideNotFound(
                f"npm could not install pyodide@{PYODIDE_VERSION}: {error}"
            ) from None
    return find_pyodide(folder)


def copy_runtime(pyodide: Path, into: Path) -> int:
    """Copy Pyodide's runtime files into ``into``; their size in bytes."""
    into.mkdir(parents=True, exist_ok=True)
    size = 0
    for name in RUNTIME_FILES:
        shutil.copyfile(pyodide / name, into / name)
        size += (into / name).stat().st_size
    return size
