"""Pyodide from npm for the add-in's tests: installed once into a cache outside the repository
(``$PRODUCTIVE_XL_CACHE``, by default ``~/.cache/productive-xl``), and the generated add-in
run under Node with it. Skipped, with the reason, where Node or npm's registry is not there."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from productive_xl.officejs.pyodide_runtime import PYODIDE_VERSION, PyodideNotFound, install_pyodide

HARNESS = Path(__file__).with_name("officejs_harness.cjs")


def cache_folder() -> Path:
    given = os.environ.get("PRODUCTIVE_XL_CACHE")
    base = Path(given) if given else Path.home() / ".cache" / "productive-xl"
    return base / f"pyodide-{PYODIDE_VERSION}"


def pyodide_package() -> Path:
    """The pinned pyodide npm package's folder, or a skip saying why there is none."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("Node and npm are not installed: the add-in's tests run it under Node")
    try:
        return install_pyodide(cache_folder())
    except PyodideNotFound as error:
        pytest.skip(f"no Pyodide from npm here: {error}")


def run_in_node(addin: Path, steps: list[dict[str, Any]]) -> dict[str, Any]:
    """Run ``steps`` through the add-in's functions.js under Node (tests/officejs_harness.cjs)."""
    done = subprocess.run(
        ["node", str(HARNESS), str(addin)],
        input=json.dumps(steps),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer
