"""Every failure is one line and a documented exit status (issue 9, point 1).

Each defect the issue lists is reproduced here: a workbook damaged as a hostile or unlucky user
would damage it, or a write the environment refuses, ends in exit 0 or 3 with a workbook that
opens, or in one line naming the file, exit 4 (unusable) or 5 (environment) or 2 (an argument
refused), and nothing written: never a traceback, never a signal.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest
from command_line import run_productive_xl
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table
from outcomes import assert_acceptable, run_in_process

from productive_xl.cli.failures import one_line
from productive_xl.cli.main import (
    EXIT_BAD_ARGUMENTS,
    EXIT_ENVIRONMENT,
    EXIT_UNUSABLE_INPUT,
)
from productive_xl.ooxml.writer import UnsafeTarget, WriteTogether

SHEET = "xl/worksheets/sheet1.xml"


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small workbook with a table, a local name and PRODUCTIVE_* formulas."""
    path = tmp_path_factory.mktemp("plain") / "plain.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Lines"
    sheet.append(["Before", "After", "Saving"])
    sheet.append([40, 28, "=PRODUCTIVE_SAVING(A2,B2,250)"])
    sheet.append([10, 5, "=SUM(A2:B3)"])
    sheet.add_table(Table(displayName="tblLines", ref="A1:C3"))
    local = DefinedName("Rate", attr_text="Lines!$A$2", localSheetId=0)
    sheet.defined_names["Rate"] = local
    book.save(path)
    return path


def _mutated(plain: Path, folder: Path, member: str, change: Callable[[bytes], bytes]) -> Path:
    path = folder / "mutated.xlsx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == member:
                data = change(data)
            target.writestr(info, data, zipfile.ZIP_DEFLATED)
    return path


def _without(plain: Path, folder: Path, member: str) -> Path:
    path = folder / "mutated.xlsx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            if info.filename != member:
                target.writestr(info, source.read(info), zipfile.ZIP_DEFLATED)
    return path


def _formula(text: str) -> Callable[[bytes], bytes]:
    def change(data: bytes) -> bytes:
        return re.sub(rb"<f>SUM\(A2:B3\)</f>", b"<f>" + text.encode() + b"</f>", data)

    return change


def _replace(old: bytes, new: bytes) -> Callable[[bytes], bytes]:
    def change(data: bytes) -> bytes:
        assert old in data, data[:300]
        return data.replace(old, new, 1)

    return change


MUTATIONS: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    'r="A0"': (SHEET, _replace(b'r="C3"', b'r="A0"')),
    'r="XFE1"': (SHEET, _replace(b'r="C3"', b'r="XFE1"')),
    '<row r="0">': (SHEET, _replace(b'<row r="3"', b'<row r="0"')),
    "a malformed sheet": (SHEET, lambda data: data[: len(data) // 2]),
    "a sheet relationship to /etc/passwd": (
        "xl/_rels/workbook.xml.rels",
        _replace(b'Target="/xl/worksheets/sheet1.xml"', b'Target="/etc/passwd"'),
    ),
    "a sheet relationship to ../../x": (
        "xl/_rels/workbook.xml.rels",
        _replace(b'Target="/xl/worksheets/sheet1.xml"', b'Target="../../x"'),
    ),
    "a sheet relationship to the workbook part": (
        "xl/_rels/workbook.xml.rels",
        _replace(b'Target="/xl/worksheets/sheet1.xml"', b'Target="/xl/workbook.xml"'),
    ),
    "3,000 nested parentheses": (SHEET, _formula("(" * 3000 + "1" + ")" * 3000)),
    "4,000 nested SUM(": (SHEET, _formula("SUM(" * 4000 + "1" + ")" * 4000)),
    "30,000 terms": (SHEET, _formula("+".join(["1"] * 30_000))),
    "an unclosed string": (SHEET, _formula('PRODUCTIVE_SAVING("abc')),
    'a table ref="garbage"': (
        "xl/tables/table1.xml",
        _replace(b'ref="A1:C3"', b'ref="garbage"'),
    ),
    'localSheetId="abc"': ("xl/workbook.xml", _replace(b'localSheetId="0"', b'localSheetId="abc"')),
    "&#99999999999;": (SHEET, _formula("&#99999999999;")),
    "a non-UTF-8 byte in a formula": (
        SHEET,
        lambda data: _formula("SUM(A2)")(data).replace(b"SUM(A2)", b"SUM(A2)\xff"),
    ),
    "&#xD800;": (SHEET, _formula("&#xD800;")),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
@pytest.mark.parametrize("command", ["recalc", "refresh", "attach"])
def test_a_damaged_workbook_ends_in_one_line_or_a_valid_output(
    plain: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    mutation: str,
    command: str,
) -> None:
    member, change = MUTATIONS[mutation]
    source = _mutated(plain, tmp_path, member, change)
    out = tmp_path / ("out.xlsm" if command == "attach" else "out.xlsx")
    outcome = run_in_process(capsys, command, str(source), "-o", str(out))
    # refresh: not a tracker, so 4 at best, and never a traceback
    assert_acceptable(outcome, source, out)


@pytest.mark.parametrize("member", ["xl/styles.xml", SHEET, "xl/_rels/workbook.xml.rels"])
def test_a_missing_part(
    plain: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], member: str
) -> None:
    source = _without(plain, tmp_path, member)
    out = tmp_path / "out.xlsx"
    assert_acceptable(run_in_process(capsys, "recalc", str(source), "-o", str(out)), source, out)


def test_a_corrupt_deflate_stream(
    plain: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = bytearray(plain.read_bytes())
    with zipfile.ZipFile(plain) as archive:
        info = archive.getinfo(SHEET)
    # past the local header, into the compressed data; the CRC is left as it was, and the
    # zip reader meets the damage as a zlib error before it can compare it
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for at in range(start + 2, start + 12):
        data[at] ^= 0x5A
    source = tmp_path / "deflate.xlsx"
    source.write_bytes(bytes(data))
    out = tmp_path / "out.xlsx"
    outcome = run_in_process(capsys, "recalc", str(source), "-o", str(out))
    assert_acceptable(outcome, source, out, expected=(4,))


def test_a_crash_of_the_engine_is_one_line_in_a_process_of_its_own(
    plain: Path, tmp_path: Path
) -> None:
    source = _mutated(plain, tmp_path, SHEET, _formula("(" * 3000 + "1" + ")" * 3000))
    out = tmp_path / "out.xlsx"
    done = run_productive_xl("recalc", str(source), "-o", str(out))
    assert done.returncode == EXIT_UNUSABLE_INPUT, done.stderr
    assert done.stderr.count("\n") == 1
    assert "crash" in done.stderr
    assert not out.exists()


def test_a_name_with_a_line_break_stays_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "two\nlines\x1b[2J.xlsx"
    source.write_text("not a workbook")
    outcome = run_in_process(capsys, "recalc", str(source), "-o", str(tmp_path / "o.xlsx"))
    assert outcome.status == EXIT_UNUSABLE_INPUT
    assert outcome.stderr.count("\n") == 1
    assert "two\\nlines\\x1b[2J.xlsx" in outcome.stderr


def test_one_line_escapes_what_would_break_a_line() -> None:
    assert one_line("a\nb\r\tc\x00d\u2028e\x85f\ud800") == "a\\nb\\r\\tc\\x00d\\u2028e\\x85f\\ud800"
    assert len(one_line("x" * 5000)) <= 600


# --- where a command may write ------------------------------------------------------------


@pytest.mark.parametrize(
    "arguments",
    [
        ["-o", "{source}"],
        ["-o", "{link}"],
        ["--in-place", "--report", "{source}"],
        ["-o", "{out}", "--report", "{out}"],
        ["-o", "{folder}"],
        ["-o", "{out}", "--report", "{folder}"],
        ["-o", "{device}"],
        ["-o", "{fifo}"],
        ["-o", "{out}", "--report", "{fifo}"],
    ],
)
@pytest.mark.parametrize("command", ["recalc", "refresh"])
def test_a_path_that_must_not_be_written_is_refused(
    plain: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
    arguments: list[str],
) -> None:
    source = tmp_path / "book.xlsx"
    shutil.copyfile(plain, source)
    (tmp_path / "link.xlsx").symlink_to(source)
    (tmp_path / "folder").mkdir()
    os.mkfifo(tmp_path / "fifo")
    device = tmp_path / "null"
    if "{device}" in arguments:
        # a device of the test's own, never the system's /dev/null: were the refusal to
        # regress, a run as root would replace that with a regular file
        try:
            os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        except PermissionError:
            pytest.skip("making a device node needs root")
    names = {
        "device": device,
        "source": source,
        "link": tmp_path / "link.xlsx",
        "out": tmp_path / "out.xlsx",
        "folder": tmp_path / "folder",
        "fifo": tmp_path / "fifo",
    }
    filled = [argument.format(**names) for argument in arguments]
    before = source.read_bytes()
    outcome = run_in_process(capsys, command, str(source), *filled)
    assert outcome.status == EXIT_BAD_ARGUMENTS, outcome.stderr
    assert outcome.stderr.count("\n") == 1
    assert source.read_bytes() == before
    assert not (tmp_path / "out.xlsx").exists()
    assert (tmp_path / "fifo").is_fifo()
    assert not device.exists() or device.is_char_device()


@pytest.mark.parametrize("command", ["new-tracker", "attach"])
def test_an_existing_output_is_kept_without_force(
    plain: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    out = tmp_path / "tracker.xlsm"
    out.write_bytes(b"a team's own file")
    arguments = [str(out)] if command == "new-tracker" else [str(plain), "-o", str(out)]
    outcome = run_in_process(capsys, command, *arguments)
    assert outcome.status == EXIT_BAD_ARGUMENTS
    assert "--force" in outcome.stderr
    assert out.read_bytes() == b"a team's own file"
    assert run_in_process(capsys, command, *arguments, "--force").status == 0
    with zipfile.ZipFile(out) as archive:
        assert archive.testzip() is None


# --- the environment --------------------------------------------------------------------


@contextlib.contextmanager
def _small_file_system(folder: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted on ``folder``; the test is skipped where mounting is not
    allowed (it needs root, as in the container this was written in)."""
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("a full or read-only disk is made with a tmpfs, which needs mount (root)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _tracker_sized(tmp_path: Path) -> Path:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from tracker_workbook import build_tracker

    source = tmp_path / "tracker.xlsx"
    build_tracker(source, 2000)  # about 200 KB, 270 KB recalculated
    return source


def test_a_full_disk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _tracker_sized(tmp_path)
    with _small_file_system(tmp_path / "small", "128k") as small:
        out = small / "out.xlsx"
        outcome = run_in_process(capsys, "recalc", str(source), "-o", str(out))
        assert outcome.status == EXIT_ENVIRONMENT
        assert outcome.stderr.count("\n") == 1
        assert "the disk is full" in outcome.stderr
        assert list(small.iterdir()) == []


def test_a_read_only_file_system_and_a_report_that_cannot_be_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _tracker_sized(tmp_path)
    before = source.read_bytes()
    with _small_file_system(tmp_path / "ro", "1m") as read_only:
        subprocess.run(["mount", "-o", "remount,ro", str(read_only)], check=True)
        outcome = run_in_process(
            capsys, "recalc", str(source), "--in-place", "--report", str(read_only / "r.json")
        )
        assert outcome.status == EXIT_ENVIRONMENT
        assert outcome.stderr.count("\n") == 1
        assert "read-only" in outcome.stderr
        # the report could not be written, so neither was the workbook
        assert source.read_bytes() == before
        assert not list(tmp_path.glob(".tracker.xlsx.*"))


def test_an_unwritable_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if os.geteuid() == 0:
        pytest.skip("root may write in any folder")
    source = _tracker_sized(tmp_path)
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    outcome = run_in_process(capsys, "recalc", str(source), "-o", str(locked / "o.xlsx"))
    assert outcome.status == EXIT_ENVIRONMENT
    assert "permission denied" in outcome.stderr


def test_files_written_together_are_all_moved_or_none(tmp_path: Path) -> None:
    first, second = tmp_path / "book.xlsx", tmp_path / "report.json"
    first.write_bytes(b"the workbook as it was")
    with WriteTogether() as together:
        together.stage(first, lambda path: path.write_bytes(b"the new workbook"))
        together.stage(second, lambda path: path.write_bytes(b"{}"))
        second.mkdir()  # the second move will fail: something took its place meanwhile
        (second / "x").write_text("in the way")
        with pytest.raises(UnsafeTarget):
            together.commit()
    assert first.read_bytes() == b"the workbook as it was"  # the first move was undone
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx", "report.json"]
