"""The verification corpus: public workbooks that Excel itself saved, with formulas and the
values Excel computed for them, kept outside the repository.

Only the manifest (``tools/corpus-manifest.tsv``: where each file comes from, at which commit,
and its SHA-256) and this script are committed; the workbooks are third-party files and stay
out of the repository. The corpus is rebuilt from git snapshots of the source repositories
(one bare git directory each, ``MIRRORS/owner+name/repo`` or ``MIRRORS/owner+name``).

    .venv/bin/python tools/corpus.py manifest --mirrors /work/.mirror   # writes the manifest
    .venv/bin/python tools/corpus.py build --mirrors /work/.mirror --out /work/corpus/excel-saved
    .venv/bin/python tools/corpus.py summary [--corpus /work/corpus/excel-saved]

A workbook is taken when all of these hold:

* it is a ``.xlsx`` or ``.xlsm`` at the snapshot's HEAD, a valid zip of at most 4 MiB (the
  snapshots lack larger files anyway) holding ``xl/workbook.xml``;
* ``docProps/app.xml`` names one of Excel's own applications (``Microsoft Excel``,
  ``Microsoft Macintosh Excel``, ``Microsoft Excel Online``, ``Excel Android``) with an
  ``AppVersion`` of Excel's form (``12.0000``, ``16.0300``...);
* it has ``xl/calcChain.xml``: Excel writes a calculation chain for every workbook with
  formulas, while libraries that also write "Microsoft Excel" into app.xml (XlsxWriter,
  exceljs, ClosedXML, PhpSpreadsheet...) write none, and their cached values, when there are
  any, are not Excel's;
* at least one cell has a formula (``<f>``) and a cached value (``<v>``).

The same file found in several repositories (NPOI carries POI's test data) is taken once, from
the first source in :data:`SOURCE_ORDER`, then in alphabetical order of repository.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import re
import subprocess
import sys
import zipfile
from collections import Counter
from dataclasses import astuple, dataclass, fields
from pathlib import Path

from productive_xl.ooxml.sheet_values import formula_cells

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "tools" / "corpus-manifest.tsv"
DEFAULT_CORPUS = Path("/work/corpus/excel-saved")
MAX_BYTES = 4 * 1024 * 1024
EXCEL_APPLICATIONS = frozenset(
    {"Microsoft Excel", "Microsoft Macintosh Excel", "Microsoft Excel Online", "Excel Android"}
)
_APP_VERSION_FORM = re.compile(r"\d{1,2}\.\d{4}")
_WORKBOOK_SUFFIX = re.compile(r"\.xls[xm]$", re.IGNORECASE)
_WORKSHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml")
# Sources whose copy of a shared file is kept: the project that made the file comes first.
SOURCE_ORDER = ("ironcalc/IronCalc", "apache/poi", "jmcnamara/XlsxWriter")
_FUNCTION_CALL = re.compile(r"(?<![\w.\]!'\"])(_xlfn\.|_xlws\.)?([A-Z][A-Z0-9.]*)\(")


@dataclass(frozen=True)
class Entry:
    """One workbook of the corpus and where it comes from."""

    name: str  # its file name in the corpus folder: owner+repo/path with "/" made "__"
    repo: str  # owner/name on GitHub
    commit: str
    path: str  # in the repository
    sha256: str
    bytes: int
    application: str
    app_version: str
    formula_cells: int  # cells with a formula and a cached value


def corpus_name(repo: str, path: str) -> str:
    return f"{repo.replace('/', '+')}/{path.replace('/', '__')}"


def _text(archive: zipfile.ZipFile, name: str) -> str:
    try:
        return archive.read(name).decode("utf-8", "replace")
    except KeyError:
        return ""


def _element(xml: str, tag: str) -> str:
    found = re.search(rf"<(?:\w+:)?{tag}>([^<]*)</(?:\w+:)?{tag}>", xml)
    return found.group(1).strip() if found else ""


def examine(data: bytes) -> tuple[str, str, int] | None:
    """(application, AppVersion, formula cells with cached values) of a workbook Excel saved;
    None for any other file."""
    if len(data) > MAX_BYTES:
        return None
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        if "xl/workbook.xml" not in names or "xl/calcChain.xml" not in names:
            return None
        app = _text(archive, "docProps/app.xml")
        application, version = _element(app, "Application"), _element(app, "AppVersion")
        if application not in EXCEL_APPLICATIONS or not _APP_VERSION_FORM.fullmatch(version):
            return None
        count = 0
        for name in sorted(names):
            if _WORKSHEET_PART.fullmatch(name):
                cells = formula_cells(archive.read(name))
                count += sum(1 for c in cells.values() if c.has_formula and c.cached is not None)
    except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError, ValueError):
        return None
    return (application, version, count) if count else None


def _git(git_dir: Path, *arguments: str, text: bool = True) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    return subprocess.run(
        ["git", "--git-dir", str(git_dir), *arguments], capture_output=True, text=text, check=False
    )


def git_dir_of(mirrors: Path, repo: str) -> Path | None:
    """The git directory of ``repo``'s snapshot under ``mirrors``, when there is one."""
    folder = mirrors / repo.replace("/", "+")
    for candidate in (folder / "repo", folder, folder / ".git"):
        if (candidate / "HEAD").is_file() and (candidate / "objects").is_dir():
            return candidate
    return None


def _repo_of_folder(folder: Path) -> str:
    owner, _, name = folder.name.partition("+")
    return f"{owner}/{name}"


def _source_rank(repo: str) -> tuple[int, str]:
    order = {r.casefold(): i for i, r in enumerate(SOURCE_ORDER)}
    return order.get(repo.casefold(), len(order)), repo.casefold()


def scan(mirrors: Path, progress: bool = True) -> list[Entry]:
    """Every workbook Excel saved at the HEAD of every snapshot under ``mirrors``."""
    repos = sorted(
        (_repo_of_folder(f) for f in mirrors.iterdir() if "+" in f.name and f.is_dir()),
        key=_source_rank,
    )
    entries: list[Entry] = []
    seen: set[str] = set()
    for repo in repos:
        git_dir = git_dir_of(mirrors, repo)
        if git_dir is None:
            continue
        commit = _git(git_dir, "rev-parse", "HEAD").stdout.strip()
        listing = _git(git_dir, "ls-tree", "-r", "-l", "-z", commit).stdout.split("\0")
        taken = 0
        for line in listing:
            if "\t" not in line:
                continue
            meta, path = line.split("\t", 1)
            kind, blob, size = meta.split()[1:4]
            # a file the snapshot lacks (4 MiB and more) is listed with no size
            if kind != "blob" or not _WORKBOOK_SUFFIX.search(path) or not size.isdigit():
                continue
            if int(size) > MAX_BYTES:
                continue
            data = _git(git_dir, "cat-file", "blob", blob, text=False).stdout
            digest = hashlib.sha256(data).hexdigest()
            if digest in seen:
                continue
            found = examine(data)
            if found is None:
                continue
            seen.add(digest)
            application, version, count = found
            name = corpus_name(repo, path)
            entries.append(
                Entry(name, repo, commit, path, digest, len(data), application, version, count)
            )
            taken += 1
        if progress:
            print(f"{repo}: {taken} workbooks", file=sys.stderr)
    names = Counter(e.name.casefold() for e in entries)
    clashes = [n for n, k in names.items() if k > 1]
    if clashes:
        raise SystemExit(f"corpus names clash: {clashes[:5]}")
    return entries


def write_manifest(entries: list[Entry], path: Path = MANIFEST) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, delimiter="\t", lineterminator="\n")
        writer.writerow([f.name for f in fields(Entry)])
        for entry in sorted(entries, key=lambda e: e.name):
            writer.writerow(astuple(entry))


def read_manifest(path: Path = MANIFEST) -> list[Entry]:
    with path.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file, delimiter="\t"))
    return [
        Entry(**{**row, "bytes": int(row["bytes"]), "formula_cells": int(row["formula_cells"])})  # type: ignore[arg-type]
        for row in rows
    ]


def build(mirrors: Path, out: Path, entries: list[Entry]) -> int:
    """Write every workbook of ``entries`` into ``out`` from the snapshots; the number missing."""
    missing: dict[tuple[str, str], int] = {}
    bad: list[str] = []
    written = kept = 0
    for entry in entries:
        target = out / entry.name
        if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == entry.sha256:
            kept += 1
            continue
        git_dir = git_dir_of(mirrors, entry.repo)
        shown = None
        if git_dir is not None:
            shown = _git(git_dir, "show", f"{entry.commit}:{entry.path}", text=False)
        if shown is None or shown.returncode != 0:
            missing[(entry.repo, entry.commit)] = missing.get((entry.repo, entry.commit), 0) + 1
            continue
        if hashlib.sha256(shown.stdout).hexdigest() != entry.sha256:
            bad.append(entry.name)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(shown.stdout)
        written += 1
    print(f"{written} written, {kept} already there, into {out}")
    for name in bad:
        print(f"hash differs, not written: {name}")
    if missing:
        print(f"{sum(missing.values())} workbooks missing: their sources, to fetch with network:")
        for (repo, commit), count in sorted(missing.items()):
            folder = mirrors / repo.replace("/", "+") / "repo"
            print(
                f"  {count:4} from {repo}: git clone --bare https://github.com/{repo}.git "
                f"{folder} && git --git-dir {folder} cat-file -e {commit}"
            )
    return sum(missing.values()) + len(bad)


def functions_used(corpus: Path, entries: list[Entry]) -> Counter[str]:
    """Function names seen in the formulas of the corpus (a rough count: text and names
    followed by a parenthesis are not told apart), by how many workbooks use each."""
    used: Counter[str] = Counter()
    for entry in entries:
        path = corpus / entry.name
        if not path.is_file():
            continue
        names: set[str] = set()
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if _WORKSHEET_PART.fullmatch(member):
                    for cell in formula_cells(archive.read(member)).values():
                        calls = _FUNCTION_CALL.finditer(cell.formula or "")
                        names.update(m.group(2) for m in calls)
        used.update(names)
    return used


def summary(entries: list[Entry], corpus: Path | None) -> None:
    by_source: Counter[str] = Counter()
    cells_by_source: Counter[str] = Counter()
    for entry in entries:
        by_source[entry.repo] += 1
        cells_by_source[entry.repo] += entry.formula_cells
    total_cells = sum(cells_by_source.values())
    print(f"{len(entries)} workbooks, {total_cells:,} formula cells with Excel's values")
    print(f"{'source':40} {'workbooks':>9} {'formula cells':>14}")
    for repo, count in by_source.most_common():
        print(f"{repo:40} {count:9} {cells_by_source[repo]:14,}")
    versions = Counter(f"{e.application} {e.app_version}" for e in entries)
    print("saved by:")
    for version, count in versions.most_common():
        print(f"  {count:4}  {version}")
    if corpus is not None and corpus.is_dir():
        used = functions_used(corpus, entries)
        print(f"{len(used)} distinct function names in formulas (rough count)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    manifest = commands.add_parser("manifest", help="scan the snapshots and write the manifest")
    manifest.add_argument("--mirrors", type=Path, required=True)
    manifest.add_argument("--manifest", type=Path, default=MANIFEST)
    built = commands.add_parser("build", help="rebuild the corpus folder from the snapshots")
    built.add_argument("--mirrors", type=Path, required=True)
    built.add_argument("--out", type=Path, default=DEFAULT_CORPUS)
    built.add_argument("--manifest", type=Path, default=MANIFEST)
    summed = commands.add_parser("summary", help="files per source, formula cells, versions")
    summed.add_argument("--manifest", type=Path, default=MANIFEST)
    summed.add_argument("--corpus", type=Path, default=None)
    arguments = parser.parse_args(argv)

    if arguments.command == "manifest":
        entries = scan(arguments.mirrors)
        write_manifest(entries, arguments.manifest)
        summary(entries, None)
        return 0
    entries = read_manifest(arguments.manifest)
    if arguments.command == "build":
        return 1 if build(arguments.mirrors, arguments.out, entries) else 0
    summary(entries, arguments.corpus)
    return 0


if __name__ == "__main__":
    sys.exit(main())
