"""`archive cdx | wacz | replay`: the archive opened by standard web-archive tools (py-wacz, pywb)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from query_archive import SYNDICATED_SEED, UPDATED_SEED, built_archive

from archive.cli import main
from archive.query.replay import replay_command
from archive.query.wacz import validate_wacz


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def built(request, tmp_path_factory):
    yield from built_archive(request, tmp_path_factory)


@pytest.fixture
def run(built, monkeypatch):
    monkeypatch.delenv("ARCHIVE_DATABASE_URL", raising=False)

    def invoke(*args):
        return CliRunner().invoke(main, [*built.cli_args(), *args])

    return invoke


def ok(result):
    assert result.exit_code == 0, (result.exit_code, result.output, result.exception)
    return result.output


@pytest.fixture(scope="module")
def pywb_bin():
    from pywb_env import PywbUnavailable, ensure_pywb

    try:
        return ensure_pywb()
    except PywbUnavailable as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"pywb virtualenv unavailable: {exc}")
        pytest.skip(f"pywb virtualenv unavailable: {exc}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Wayback:
    """pywb's `wayback` in a subprocess (own process group), stopped on exit."""

    def __init__(self, argv, cwd, env=None):
        self.port = int(argv[argv.index("--port") + 1])
        self.log = open(Path(cwd) / "wayback.log", "wb")
        self.proc = subprocess.Popen(argv, cwd=cwd, env={**os.environ, **(env or {})},
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def get(self, path: str, timeout: float = 60.0) -> tuple[int, bytes]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as r:
                    return r.status, r.read()
            except urllib.error.HTTPError as exc:
                return exc.code, exc.read()
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise
                time.sleep(0.3)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.log.close()


def stamp(dt) -> str:
    return dt.strftime("%Y%m%d%H%M%S")


def test_cdx_writes_a_sorted_replay_index(run, built, tmp_path):
    output = tmp_path / "index.cdxj"
    ok(run("cdx", "-o", str(output), "--quiet"))
    lines = output.read_text(encoding="utf-8").splitlines()
    assert lines == sorted(lines)
    entries = [json.loads(line.split(" ", 2)[2]) for line in lines]
    urls = {e["url"] for e in entries if e.get("status") == "200"}
    assert set(built.expected.seed_urls.values()) <= urls
    assert all(e["mime"] != "application/json" for e in entries)  # metadata records left out
    assert all(not e["filename"].startswith("/") for e in entries)
    ok(run("cdx", "-q"))
    assert (built.directory / "indexes" / "index.cdxj").read_text(encoding="utf-8").splitlines() == lines


def test_wacz_of_the_latest_crawl_validates(run, built, tmp_path):
    output = tmp_path / "latest.wacz"
    ok(run("wacz", "-o", str(output), "-q"))
    assert validate_wacz(output)[0]
    with zipfile.ZipFile(output) as wacz:
        names = wacz.namelist()
        pages = wacz.read("pages/pages.jsonl").decode().splitlines()
    assert "datapackage.json" in names and any(n.startswith("archive/") for n in names)
    assert len([n for n in names if n.startswith("archive/")]) == 1
    assert json.loads(pages[1])["url"] == built.expected.seed_urls[UPDATED_SEED]


def test_wacz_unknown_crawl_is_an_error(run, tmp_path):
    result = run("wacz", "0" * 32, "-o", str(tmp_path / "x.wacz"))
    assert result.exit_code == 1 and "no crawl with id" in result.output
    assert not (tmp_path / "x.wacz").exists()


@pytest.mark.slow
@pytest.mark.parametrize("built", ["sqlite"], indirect=True)  # the WACZ is the same on both
def test_wacz_replays_the_article_in_pywb(run, built, tmp_path, pywb_bin):
    wacz = tmp_path / "all.wacz"
    ok(run("wacz", "--all", "-o", str(wacz), "--title", "seed stories", "-q"))
    valid, message = validate_wacz(wacz)
    assert valid, message
    home = tmp_path / "pywb"
    home.mkdir()
    subprocess.run([str(pywb_bin / "wb-manager"), "init", "seeds"], cwd=home, check=True,
                   capture_output=True)
    subprocess.run([str(pywb_bin / "wb-manager"), "add", "--unpack-wacz", "seeds", str(wacz)],
                   cwd=home, check=True, capture_output=True)
    exp = built.expected
    url = exp.syndicated_url
    argv = [str(pywb_bin / "wayback"), "--port", str(free_port())]
    with Wayback(argv, home) as wayback:
        status, body = wayback.get(f"/seeds/20251031mp_/{url}")
        assert status == 200
        page = body.decode("utf-8")
        assert "cornerstone of Indo-Pacific security cooperation" in page
        status, raw = wayback.get(f"/seeds/20251031id_/{url}")
        assert status == 200 and raw.startswith(b"<!DOCTYPE html>")  # the bytes as archived


@pytest.mark.slow
@pytest.mark.parametrize("built", ["sqlite"], indirect=True)  # replay reads only the WARC folder
def test_replay_command_serves_the_archive_folder(run, built, pywb_bin):
    port = free_port()
    printed = ok(run("replay", "--pywb-bin", str(pywb_bin), "--port", str(port), "--rebuild-index",
                     "-q"))
    assert printed.strip().endswith(f"wayback --port {port} --bind 127.0.0.1")
    command = replay_command(built.directory, port=port, pywb_bin=pywb_bin)
    exp = built.expected
    first, second = exp.seed_hashes[UPDATED_SEED], exp.updated_hash
    assert first != second
    with Wayback(command.argv, command.cwd, command.env) as wayback:
        url = exp.seed_urls[UPDATED_SEED]
        status, old = wayback.get(f"/archive/20251031mp_/{url}")
        assert status == 200 and b"Update (November 2, 2025)" not in old
        status, new = wayback.get(f"/archive/20251102mp_/{url}")
        assert status == 200 and b"Update (November 2, 2025)" in new
        status, _ = wayback.get(f"/archive/20251031mp_/{exp.seed_urls[SYNDICATED_SEED]}")
        assert status == 200
        assert listening_addresses(port) == {"127.0.0.1"}  # not every interface


def listening_addresses(port: int) -> set[str]:
    """IPv4 addresses with a socket listening on ``port`` (from /proc/net/tcp)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, _, hex_port = local.partition(":")
        if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
            found.add(".".join(str(b) for b in reversed(bytes.fromhex(address))))
    return found


def test_replay_without_pywb_prints_the_command(run, built):
    printed = ok(run("replay", "--port", "8123", "-q"))
    assert "wayback --port 8123 --bind 127.0.0.1" in printed
    assert str(built.directory.resolve() / "pywb") in printed
    everywhere = ok(run("replay", "--port", "8123", "--bind", "0.0.0.0"))
    assert "wayback --port 8123 --bind 0.0.0.0" in everywhere
    config = (built.directory / "pywb" / "config.yaml").read_text()
    assert "index_paths" in config and "archive_paths" in config
