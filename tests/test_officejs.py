"""`productive-xl officejs`: the add-in's manifest, functions.json and wheel, from the catalogue,
and the command's exit statuses. (tests/test_officejs_node.py runs what it writes.)"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from command_line import run_productive_xl
from lxml import etree
from pyodide_npm import pyodide_package

from productive_xl import __version__
from productive_xl.functions import ADD_IN_IDS, CATALOGUE
from productive_xl.officejs.addin import base_url
from productive_xl.officejs.functions_metadata import functions_json
from productive_xl.officejs.manifest import addin_guid, manifest_xml
from productive_xl.officejs.pyodide_runtime import PYODIDE_PYTHON, PYODIDE_VERSION
from productive_xl.officejs.wheel import WHEEL_NAME, calculation_wheel

BASE = "https://finance.example.nhs.uk/productive/"
NS = {
    "o": "http://schemas.microsoft.com/office/appforoffice/1.1",
    "v": "http://schemas.microsoft.com/office/taskpaneappversionoverrides",
    "bt": "http://schemas.microsoft.com/office/officeappbasictypes/1.0",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


def test_functions_json_lists_every_function_with_its_arguments_and_help() -> None:
    listed = json.loads(functions_json())["functions"]
    assert [f["id"] for f in listed] == [ADD_IN_IDS[n] for n in CATALOGUE]
    for entry, function in zip(listed, CATALOGUE.values(), strict=True):
        assert entry["name"] == entry["id"]
        assert entry["description"] == function.description
        assert entry["options"] == {"requiresAddress": True}
        assert [(p["name"], p["description"], p["optional"]) for p in entry["parameters"]] == [
            (a.name, a.help, not a.required) for a in function.arguments
        ]
    by_id = {f["id"]: f for f in listed}
    assert by_id["FINANCIAL_YEAR"]["result"]["type"] == "string"
    assert by_id["SAVING"]["result"]["type"] == "number"
    assert [p["dimensionality"] for p in by_id["NPV"]["parameters"]] == ["matrix", "scalar"]
    assert [p["dimensionality"] for p in by_id["ROI"]["parameters"]] == ["matrix", "matrix"]
    assert [p["optional"] for p in by_id["SAVING"]["parameters"]] == [False] * 3 + [True] * 2


def test_the_add_in_ids_keep_offices_naming_rules() -> None:
    # Office: an id starts with a letter, has at least three characters, A-Z, 0-9, "_" and "."
    # alone, and is no cell reference; ours are the Excel name after PRODUCTIVE_ where it can be
    assert ADD_IN_IDS["PRODUCTIVE_SAVING"] == "SAVING"
    assert ADD_IN_IDS["PRODUCTIVE_FY"] == "FINANCIAL_YEAR"
    for id_ in ADD_IN_IDS.values():
        assert re.fullmatch(r"[A-Z][A-Z0-9_.]{2,}", id_), id_
        assert not re.fullmatch(r"[A-Z]{1,3}[0-9]+", id_), id_
    assert len(set(ADD_IN_IDS.values())) == len(CATALOGUE)


def test_the_manifest_declares_custom_functions_in_a_shared_runtime() -> None:
    manifest = etree.fromstring(manifest_xml(BASE).encode())
    assert manifest.get(TYPE) == "TaskPaneApp"
    assert manifest.findtext("o:Id", namespaces=NS) == addin_guid(BASE)
    assert manifest.findtext("o:Version", namespaces=NS) == f"{__version__}.0"
    sets = manifest.findall("o:Requirements/o:Sets/o:Set", NS)
    assert [(s.get("Name"), s.get("MinVersion")) for s in sets] == [("SharedRuntime", "1.1")]
    host = manifest.find("v:VersionOverrides/v:Hosts/v:Host", NS)
    assert host is not None
    assert host.get(TYPE) == "Workbook"
    runtime = host.find("v:Runtimes/v:Runtime", NS)
    assert runtime is not None
    assert (runtime.get("resid"), runtime.get("lifetime")) == ("Taskpane.Url", "long")
    functions = host.find("v:AllFormFactors/v:ExtensionPoint", NS)
    assert functions is not None
    assert functions.get(TYPE) == "CustomFunctions"
    # the functions' page is the runtime's page: one runtime for the functions and the pane
    assert functions.find("v:Page/v:SourceLocation", NS).get("resid") == "Taskpane.Url"  # type: ignore[union-attr]
    urls = {
        u.get("id"): u.get("DefaultValue")
        for u in manifest.iterfind("v:VersionOverrides/v:Resources/bt:Urls/bt:Url", NS)
    }
    assert urls == {
        "Functions.Script.Url": f"{BASE}functions.js",
        "Functions.Metadata.Url": f"{BASE}functions.json",
        "Taskpane.Url": f"{BASE}taskpane.html",
    }
    strings = {s.get("id"): s.get("DefaultValue") for s in manifest.iter(f"{{{NS['bt']}}}String")}
    assert strings["Functions.Namespace"] == "PRODUCTIVE"
    assert strings["Button.Label"] == "Explain error"


def test_every_resid_of_the_manifest_is_defined_and_short_enough() -> None:
    manifest = etree.fromstring(manifest_xml(BASE).encode())
    defined = {e.get("id") for e in manifest.iter() if e.tag.startswith(f"{{{NS['bt']}}}")}
    used = {e.get("resid") for e in manifest.iter() if e.get("resid")}
    assert used <= defined
    assert all(len(resid) <= 32 for resid in used)  # the schema's limit
    located = [e.get("DefaultValue") for e in manifest.iter() if e.tag.endswith(("Url", "Image"))]
    assert all(u.startswith(BASE) for u in located if u)


def test_the_base_url_must_be_https_and_ends_in_a_slash() -> None:
    assert base_url("https://intranet.trust.nhs.uk/addins/productive") == (
        "https://intranet.trust.nhs.uk/addins/productive/"
    )
    for wrong in ("http://intranet/", "intranet.trust.nhs.uk", "https://x/?a=1"):
        with pytest.raises(ValueError, match=r"https|query"):
            base_url(wrong)


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def test_the_wheel_holds_the_calculation_part_alone_with_a_true_record() -> None:
    name, data = calculation_wheel()
    assert name == WHEEL_NAME == f"productive_xl_functions-{__version__}-py3-none-any.whl"
    assert calculation_wheel()[1] == data  # the same bytes every time
    wheel = zipfile.ZipFile(io.BytesIO(data))
    names = wheel.namelist()
    modules = {n for n in names if n.startswith("productive_xl/")}
    assert "productive_xl/core/reference_values.toml" in modules
    assert not [
        n
        for n in modules
        if n.split("/")[1] in {"headless", "ooxml", "tracker", "excel", "cli", "vbaproject"}
    ]
    info = f"productive_xl_functions-{__version__}.dist-info"
    record = wheel.read(f"{info}/RECORD").decode().splitlines()
    rows = {line.split(",")[0]: line.split(",")[1:] for line in record}
    assert set(rows) == set(names)
    for member in names:
        if member != f"{info}/RECORD":
            content = wheel.read(member)
            assert rows[member] == [_record_hash(content), str(len(content))]
    assert "Root-Is-Purelib: true" in wheel.read(f"{info}/WHEEL").decode()


def test_the_wheel_computes_with_the_standard_library_alone(tmp_path: Path) -> None:
    # A Python started isolated (-I) and without site-packages (-S) has none of productive_xl's
    # dependencies: the wheel's modules must import and compute there, as in Pyodide.
    _, data = calculation_wheel()
    zipfile.ZipFile(io.BytesIO(data)).extractall(tmp_path)
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from productive_xl.officejs.bridge import call;"
        "print(call('PRODUCTIVE_SAVING', [40, 28, 250, 12, 0.9]));"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('lxml', 'openpyxl', 'ironcalc', 'xlwings', 'olefile')))"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.splitlines() == ["['value', 32400.0]", "[]"]


def test_the_pinned_pyodide_runs_a_python_the_package_supports() -> None:
    assert PYODIDE_PYTHON >= (3, 11)  # pyproject.toml: requires-python >= 3.11
    lock = json.loads((pyodide_package() / "pyodide-lock.json").read_text())
    assert lock["info"]["version"] == PYODIDE_VERSION
    assert tuple(int(n) for n in lock["info"]["python"].split(".")[:2]) == PYODIDE_PYTHON


def test_the_command_writes_the_whole_addin(tmp_path: Path) -> None:
    out = tmp_path / "addin"
    pyodide = pyodide_package()
    done = run_productive_xl("officejs", str(out), "--base-url", BASE, "--pyodide", str(pyodide))
    assert done.returncode == 0, done.stderr
    assert "manifest.xml" in done.stdout
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert written == sorted(
        [
            "functions.js",
            "functions.json",
            "manifest.xml",
            "taskpane.html",
            "taskpane.js",
            WHEEL_NAME,
            *(f"icon-{size}.png" for size in (16, 32, 64, 80)),
            *(
                f"pyodide/{name}"
                for name in (
                    "pyodide.js",
                    "pyodide.asm.js",
                    "pyodide.asm.wasm",
                    "python_stdlib.zip",
                    "pyodide-lock.json",
                )
            ),
        ]
    )
    assert (out / "pyodide" / "pyodide.asm.wasm").read_bytes() == (
        pyodide / "pyodide.asm.wasm"
    ).read_bytes()
    page = (out / "taskpane.html").read_text()
    assert page.index("pyodide/pyodide.js") < page.index("functions.js") < page.index("taskpane.js")
    assert 'id="explain"' in page
    # nothing of ours reaches outside the trust's server but Office.js, which is Microsoft's
    for name in ("functions.js", "taskpane.js", "taskpane.html"):
        text = (out / name).read_text()
        outside = [w for w in text.split('"') if w.startswith(("http://", "https://"))]
        assert outside in ([], ["https://appsforoffice.microsoft.com/lib/1/hosted/office.js"])
    # a second run replaces the add-in it wrote
    again = run_productive_xl("officejs", str(out), "--base-url", BASE, "--pyodide", str(pyodide))
    assert again.returncode == 0, again.stderr


def test_the_command_refuses_what_it_cannot_use_and_leaves_files_alone(tmp_path: Path) -> None:
    pyodide = str(pyodide_package())
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "notes.txt").write_text("keep me")
    refused = run_productive_xl("officejs", str(theirs), "--pyodide", pyodide)
    assert refused.returncode == 2
    assert "not an add-in written by productive-xl" in refused.stderr
    assert [p.name for p in theirs.iterdir()] == ["notes.txt"]

    http = run_productive_xl(
        "officejs", str(tmp_path / "a"), "--base-url", "http://x/", "--pyodide", pyodide
    )
    assert http.returncode == 2
    assert "https" in http.stderr

    no_pyodide = run_productive_xl("officejs", str(tmp_path / "b"), "--pyodide", str(tmp_path))
    assert no_pyodide.returncode == 5
    assert f"Pyodide {PYODIDE_VERSION} is needed" in no_pyodide.stderr
    assert not (tmp_path / "b").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["theirs"]
