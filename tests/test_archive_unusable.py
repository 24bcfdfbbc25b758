"""An unusable archive gives one clear message and exit 1, never a traceback, for the
CLI and for a crawl; a read-only archive can still be verified and searched."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_archive_damage import write_crawl
from tmpfs import mounted_tmpfs

from archive.cli import main as cli

ROOT = Path(__file__).resolve().parent.parent


def _dir_is_a_file(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "afile"
    path.write_text("not a folder")
    return path, "is a file, not a folder"


def _dir_below_a_file(tmp_path: Path) -> tuple[Path, str]:
    (tmp_path / "afile").write_text("not a folder")
    return tmp_path / "afile" / "archive", "afile is a file, not a folder"


def _corrupt_database(tmp_path: Path) -> tuple[Path, str]:
    directory = tmp_path / "archive"
    directory.mkdir()
    (directory / "archive.sqlite").write_bytes(b"SQLite format 3\x00" + os.urandom(4000))
    return directory, "archive.sqlite: file is not a database"


def _read_only_mount(tmp_path: Path) -> tuple[Path, str]:
    mount_point = tmp_path / "ro"
    mount_point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,ro", "tmpfs",
                           str(mount_point)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip() or done.returncode}")
    return mount_point / "archive", "Read-only file system"


CASES = {"dir-is-a-file": _dir_is_a_file, "dir-below-a-file": _dir_below_a_file,
         "corrupt-sqlite": _corrupt_database, "read-only-empty": _read_only_mount}


@pytest.fixture(params=list(CASES))
def unusable(request, tmp_path):
    directory, message = CASES[request.param](tmp_path)
    yield directory, message
    if request.param == "read-only-empty":
        subprocess.run(["umount", "-l", str(tmp_path / "ro")], capture_output=True)


@pytest.mark.parametrize("command", [["verify"], ["search", "defence"], ["reindex", "-q"],
                                     ["stats"]])
def test_cli_says_what_is_wrong_in_one_line(unusable, command):
    directory, message = unusable
    result = CliRunner().invoke(cli, ["--dir", str(directory), *command])
    # 2: click's own usage error for a --dir that is a file; 1: the archive's message
    assert result.exit_code in (1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    [error] = [line for line in result.output.splitlines() if line.startswith("Error:")]
    # the query commands first look for an archive there, and say when there is none
    assert message in error or "no archive in" in error or (
        message == "is a file, not a folder" and "is a file" in error), error


def test_crawl_says_what_is_wrong_and_exits_1(unusable):
    directory, message = unusable
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="settings.test", PYTHONPATH=str(ROOT))
    env.pop("ARCHIVE_DATABASE_URL", None)
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "topic", "-a", "topic=defence",
         "-a", "sites=demo", "-s", f"ARCHIVE_DIR={directory}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    errors = [line for line in proc.stderr.splitlines() if "Cannot open the archive" in line]
    assert len(errors) == 1 and message in errors[0], proc.stderr[-3000:]
    assert "Spider closed (archive_unavailable)" in proc.stderr


@pytest.fixture
def read_only_archive(tmp_path):
    """An archive with one crawl, on a tmpfs remounted read-only (root cannot write it)."""
    with mounted_tmpfs(tmp_path / "ro", "8m") as mount_point:
        write_crawl(mount_point / "archive")
        subprocess.run(["mount", "-o", "remount,ro", str(mount_point)], check=True)
        yield mount_point / "archive"


def test_read_only_archive_can_be_verified_and_searched(read_only_archive):
    with pytest.raises(OSError):
        (read_only_archive / "probe").write_text("x")  # truly read-only, even for root
    result = CliRunner().invoke(cli, ["--dir", str(read_only_archive), "verify"])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output
    result = CliRunner().invoke(cli, ["--dir", str(read_only_archive), "search", "defence"])
    assert result.exit_code == 0, result.output
    assert "Page" in result.output
    assert not [p.name for p in read_only_archive.iterdir()
                if p.name.endswith(("-wal", "-shm"))]  # closed cleanly, nothing made since
