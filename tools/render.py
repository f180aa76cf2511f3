"""Render every sheet of a workbook to PNG, as it prints: LibreOffice headless, then pdftoppm.

    .venv/bin/python tools/render.py WORKBOOK... [--out render] [--dpi 70]
    ./dev render     # builds the template and the example, and renders both into render/

Each visible sheet is printed on its own, with its own print setup (orientation, fit to pages,
print area, repeated rows), into ``OUT/<workbook>-<sheet>.pdf`` and then one PNG a page,
``OUT/<workbook>-<sheet>-<page>.png``; a table of the pages each sheet takes is printed at the
end. It shows what a user printing the sheet from Excel would get, as near as LibreOffice lays
it out, and what the tracker looks like without Excel (the values are the ones the workbook
holds: LibreOffice is not asked to recalculate, it has no PRODUCTIVE_* functions).

How: for each sheet a copy of the workbook whose other sheets are hidden (LibreOffice prints
only visible sheets) is converted to PDF, all copies by one LibreOffice run; poppler's
``pdftoppm`` turns each page into a PNG and ``pdfinfo`` counts the pages. LibreOffice comes
from ``.ci/install-libreoffice``, which installs poppler-utils with it.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"


def missing_tools() -> str | None:
    """Why this cannot run here, in one sentence; None when LibreOffice and poppler are there."""
    for program, package in (
        ("soffice", "LibreOffice (.ci/install-libreoffice)"),
        ("pdftoppm", "poppler-utils"),
        ("pdfinfo", "poppler-utils"),
    ):
        if shutil.which(program) is None:
            return f"{program} is not installed: install {package}"
    return None


@dataclass(frozen=True)
class RenderedSheet:
    """One sheet printed: its PDF, how many pages it takes and the PNG of each page."""

    workbook: Path
    sheet: str
    pdf: Path
    pages: int
    images: tuple[Path, ...]


def visible_sheets(workbook: Path) -> list[str]:
    """The names of the sheets a user sees (not hidden), in order."""
    with zipfile.ZipFile(workbook) as package:
        root = etree.fromstring(package.read(_workbook_part(package)))
    return [
        str(sheet.get("name"))
        for sheet in root.iter(f"{{{_MAIN}}}sheet")
        if sheet.get("state", "visible") == "visible"
    ]


def _workbook_part(package: zipfile.ZipFile) -> str:
    rels = etree.fromstring(package.read("_rels/.rels"))
    for relationship in rels.iter(f"{{{_PACKAGE_RELATIONSHIPS}}}Relationship"):
        if str(relationship.get("Type", "")).endswith("/officeDocument"):
            return str(relationship.get("Target", "")).lstrip("/")
    raise ValueError(f"{package.filename}: no workbook part")


def _only(workbook: Path, sheet: str, target: Path) -> None:
    """Copy ``workbook`` to ``target`` with every sheet but ``sheet`` hidden, and it active."""
    with zipfile.ZipFile(workbook) as source, zipfile.ZipFile(target, "w") as copy:
        part = _workbook_part(source)
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == part:
                root = etree.fromstring(data)
                names = [s.get("name") for s in root.iter(f"{{{_MAIN}}}sheet")]
                for element in root.iter(f"{{{_MAIN}}}sheet"):
                    if element.get("name") == sheet:
                        element.attrib.pop("state", None)
                    else:
                        element.set("state", "hidden")
                # LibreOffice prints a hidden sheet's print area all the same: drop the others'
                for name in list(root.iter(f"{{{_MAIN}}}definedName")):
                    kept = name.get("localSheetId") == str(names.index(sheet))
                    if name.get("name") == "_xlnm.Print_Area" and not kept:
                        name.getparent().remove(name)
                for view in root.iter(f"{{{_MAIN}}}workbookView"):
                    view.set("activeTab", str(names.index(sheet)))
                    view.set("firstSheet", str(names.index(sheet)))
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            copy.writestr(info, data)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "-", name).strip("-")


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    found = re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE)
    if found is None:
        raise RuntimeError(f"pdfinfo gave no page count for {pdf}")
    return int(found.group(1))


def render(
    workbooks: list[Path], out: Path, *, dpi: int = 70, timeout: float = 600
) -> list[RenderedSheet]:
    """Print every visible sheet of each of ``workbooks`` into ``out``: a PDF a sheet and a PNG
    a page, at ``dpi``. Raises RuntimeError when LibreOffice or poppler fails or is missing."""
    why = missing_tools()
    if why is not None:
        raise RuntimeError(why)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="productive_xl-render-") as scratch:
        work = Path(scratch)
        staged: list[tuple[Path, str, Path]] = []
        for workbook in workbooks:
            for sheet in visible_sheets(workbook):
                copy = work / f"{_safe(workbook.stem)}-{_safe(sheet)}{workbook.suffix}"
                _only(workbook, sheet, copy)
                staged.append((workbook, sheet, copy))
        profile = work / "profile"
        command = [
            str(shutil.which("soffice")),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work / "pdf"),
            *(str(copy) for _, _, copy in staged),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        rendered = []
        for workbook, sheet, copy in staged:
            produced = work / "pdf" / f"{copy.stem}.pdf"
            if not produced.is_file():
                raise RuntimeError(
                    f"LibreOffice printed no PDF of {workbook} sheet {sheet} (exit "
                    f"{done.returncode}): {done.stderr.strip() or done.stdout.strip()}"
                )
            pdf = out / produced.name
            shutil.move(produced, pdf)
            for old in out.glob(f"{copy.stem}-*.png"):
                old.unlink()
            subprocess.run(
                ["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(out / copy.stem)],
                check=True,
                timeout=timeout,
            )
            images = tuple(sorted(out.glob(f"{copy.stem}-*.png")))
            rendered.append(RenderedSheet(workbook, sheet, pdf, _pages(pdf), images))
    return rendered


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workbooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path("render"), help="default: render/")
    parser.add_argument("--dpi", type=int, default=70, help="resolution of the PNGs (70)")
    arguments = parser.parse_args(argv)
    why = missing_tools()
    if why is not None:
        print(f"render: {why}", file=sys.stderr)
        return 5
    try:
        rendered = render(arguments.workbooks, arguments.out, dpi=arguments.dpi)
    except (RuntimeError, subprocess.SubprocessError, OSError) as error:
        print(f"render: {error}", file=sys.stderr)
        return 5
    for sheet in rendered:
        print(f"{sheet.workbook.name:28} {sheet.sheet:16} {sheet.pages:3} page(s)  {sheet.pdf}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
