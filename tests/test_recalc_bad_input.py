"""Bad input (issue 3, point 6): one clear line naming the file and the problem, exit status 4,
and no file written."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest
from command_line import run_productive_xl
from libreoffice import SOFFICE
from msoffcrypto.format.ooxml import OOXMLFile
from workbook_factory import build_feature_workbook

from productive_xl.cli.main import EXIT_UNUSABLE_INPUT


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("good") / "good.xlsm"
    build_feature_workbook(path)
    return path


def _recalc(path: Path, tmp_path: Path) -> tuple[int, str, Path]:
    out = tmp_path / "out.xlsx"
    done = run_productive_xl("recalc", str(path), "-o", str(out))
    return done.returncode, done.stderr, out


def _assert_refused(path: Path, tmp_path: Path, problem: str) -> None:
    status, stderr, out = _recalc(path, tmp_path)
    assert status == EXIT_UNUSABLE_INPUT
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert str(path) in lines[0]
    assert problem in lines[0]
    assert not out.exists()
    assert not list(tmp_path.glob(".out.xlsx.*"))  # no temporary file left either


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_text("Benefits tracker, to be written\n")
    _assert_refused(path, tmp_path, "is not a zip package")


def test_a_truncated_file(good: Path, tmp_path: Path) -> None:
    path = tmp_path / "truncated.xlsm"
    data = good.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    _assert_refused(path, tmp_path, "damaged")


def test_an_encrypted_workbook(good: Path, tmp_path: Path) -> None:
    path = tmp_path / "locked.xlsx"
    with good.open("rb") as plain, path.open("wb") as locked:
        OOXMLFile(plain).encrypt("Productive2025", locked)
    _assert_refused(path, tmp_path, "is encrypted")


@pytest.mark.slow
@pytest.mark.libreoffice
def test_a_legacy_xls(good: Path, tmp_path: Path) -> None:
    folder = tmp_path / "xls"
    subprocess.run(
        [
            SOFFICE or "soffice",
            "--headless",
            f"-env:UserInstallation={(tmp_path / 'p').as_uri()}",
            "--convert-to",
            "xls",
            "--outdir",
            str(folder),
            str(good),
        ],
        capture_output=True,
        check=True,
        timeout=300,
    )
    path = folder / "good.xls"
    assert path.read_bytes()[:8] == bytes.fromhex("d0cf11e0a1b11ae1")
    _assert_refused(path, tmp_path, "is a legacy .xls workbook")


def test_a_zip_bomb(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (64 << 20))  # 64 MiB of nothing
    assert path.stat().st_size < 1 << 20
    _assert_refused(path, tmp_path, "looks like a zip bomb")


@pytest.mark.parametrize(
    ("part", "declaration", "problem"),
    [
        ("xl/workbook.xml", b'<!DOCTYPE workbook [<!ENTITY lol "lol">]>', "declares a DTD"),
        (
            "xl/worksheets/sheet1.xml",
            b'<!DOCTYPE x SYSTEM "http://example.invalid/x.dtd">',
            "declares a DTD",
        ),
        # an entity declared outside a DTD is not XML at all
        (
            "xl/sharedStrings.xml",
            b'<!ENTITY % p SYSTEM "file:///etc/passwd">',
            "is not well-formed",
        ),
    ],
)
def test_xml_with_a_dtd_or_entities(
    good: Path, tmp_path: Path, part: str, declaration: bytes, problem: str
) -> None:
    path = tmp_path / "entities.xlsm"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == part:
                head, _, rest = data.partition(b"?>")
                data = head + b"?>" + declaration + rest
            target.writestr(info, data)
    _assert_refused(path, tmp_path, f"{part} {problem}")


def test_a_missing_file(tmp_path: Path) -> None:
    _assert_refused(tmp_path / "absent.xlsx", tmp_path, "cannot be read")


def test_the_api_raises_unusable_workbook(tmp_path: Path) -> None:
    from productive_xl.headless.recalc import recalc
    from productive_xl.ooxml.package import UnusableWorkbook

    path = tmp_path / "bad.xlsx"
    path.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(UnusableWorkbook) as raised:
        recalc(path, tmp_path / "out.xlsx")
    assert raised.value.path == path
    assert not (tmp_path / "out.xlsx").exists()
