"""Replay through pywb 2.10.0: our WARC files play back byte for byte, revisits resolve.

pywb runs from its own virtualenv (tests/pywb_env.py). Without it the test
skips, except under CI=true, where it fails.
"""

from __future__ import annotations

import gzip
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from pywb_env import PYWB_VERSION, PywbUnavailable, ensure_pywb
from test_warc_support import FETCHED_AT, HTML, make_exchange

from archive.warc import WarcWriter

pytestmark = pytest.mark.slow

IN_CI = os.environ.get("CI", "").lower() == "true"
COLLECTION = "news"
START_TIMEOUT = 60.0  # seconds for wayback to answer
POLL_INTERVAL = 0.25


@pytest.fixture(scope="module")
def pywb_bin():
    try:
        return ensure_pywb()
    except PywbUnavailable as exc:
        message = f"pywb {PYWB_VERSION} virtualenv unavailable: {exc}"
        if IN_CI:
            pytest.fail(message + " (required under CI=true)")
        pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Only loopback: never let an environment proxy see these requests.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _get(url: str):
    try:
        with _opener.open(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def _run(cmd, cwd, log):
    subprocess.run(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, timeout=120, check=True)


@pytest.fixture
def wayback(pywb_bin, tmp_path):
    """Start `wayback` on a free loopback port over a collection in tmp_path;
    yields (base_url, add_warc) and stops the server afterwards."""
    root = tmp_path / "pywb"
    root.mkdir()
    log_path = tmp_path / "pywb.log"
    with open(log_path, "ab") as log:
        _run([str(pywb_bin / "wb-manager"), "init", COLLECTION], root, log)

    def add_warc(path):
        with open(log_path, "ab") as log:
            _run([str(pywb_bin / "wb-manager"), "add", COLLECTION, str(path)], root, log)

    port = _free_port()
    log = open(log_path, "ab")
    proc = subprocess.Popen(
        [str(pywb_bin / "wayback"), "--bind", "127.0.0.1", "--port", str(port),
         "--threads", "2"],
        cwd=root, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(proc, base, log_path)
        yield base, add_warc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


def _wait_until_up(proc, base, log_path) -> None:
    """Poll the front page, bounded both in attempts and in wall time."""
    deadline = time.monotonic() + START_TIMEOUT
    for _ in range(int(START_TIMEOUT / POLL_INTERVAL)):
        if proc.poll() is not None:
            pytest.fail(f"wayback exited with {proc.returncode}:\n{log_path.read_text()}")
        try:
            if _get(base + "/")[0] == 200:
                return
        except OSError:
            pass  # not listening yet
        if time.monotonic() > deadline:
            break
        time.sleep(POLL_INTERVAL)
    pytest.fail(f"wayback did not answer within {START_TIMEOUT}s:\n{log_path.read_text()}")


def _replay_url(base, when, url):
    return f"{base}/{COLLECTION}/{when:%Y%m%d%H%M%S}id_/{url}"


def test_pywb_replays_responses_and_revisits(wayback, tmp_path):
    base, add_warc = wayback
    page = "http://news.example/world/defence-framework"
    latin = "http://news.example/latin"
    zipped = "http://news.example/zipped"
    copy = "http://syndicated.example/copy-of-defence"
    later, later2 = FETCHED_AT + timedelta(days=1), FETCHED_AT + timedelta(days=2)
    week = FETCHED_AT + timedelta(days=7)
    latin_body = "<html><body>Grüße aus Zürich</body></html>".encode("latin-1")

    with WarcWriter(tmp_path / "warcs") as w:
        original = w.write_exchange(make_exchange(url=page, response_headers=[
            (b"Content-Type", b"text/html; charset=utf-8"),
            (b"X-Note", "café".encode("latin-1")),
            (b"Transfer-Encoding", b"chunked"),
        ]))
        w.write_exchange(make_exchange(url=latin, body=latin_body, response_headers=[
            (b"Content-Type", b"text/html; charset=iso-8859-1")]))
        w.write_exchange(make_exchange(url=zipped, body=gzip.compress(HTML), response_headers=[
            (b"Content-Type", b"text/html"), (b"Content-Encoding", b"gzip")]))
        # same URL, same payload a day later; and the same payload at another URL
        w.write_revisit(make_exchange(url=page, fetched_at=later), "identical-payload-digest",
                        original.response.record_id, page, FETCHED_AT, original.payload_digest)
        w.write_revisit(make_exchange(url=copy, fetched_at=later2), "identical-payload-digest",
                        original.response.record_id, page, FETCHED_AT, original.payload_digest)
        # a 304 to a conditional request, a week later
        w.write_revisit(make_exchange(url=latin, status=304, reason="Not Modified", body=b"",
                                      response_headers=[(b"ETag", b'"v1"')], fetched_at=week),
                        "server-not-modified", original.response.record_id, latin, FETCHED_AT,
                        None)
        name = w.current_filename
    add_warc(tmp_path / "warcs" / name)

    status, headers, body = _get(_replay_url(base, FETCHED_AT, page))
    assert status == 200 and body == HTML
    assert headers.get("X-Note") == "café"  # latin-1 header byte kept
    assert headers.get("Memento-Datetime") == "Mon, 06 May 2024 07:08:09 GMT"

    status, _, body = _get(_replay_url(base, FETCHED_AT, latin))
    assert status == 200 and body == latin_body

    status, headers, body = _get(_replay_url(base, FETCHED_AT, zipped))
    assert status == 200 and body == HTML  # pywb undoes the gzip coding we stored

    for when, url in ((later, page), (later2, copy)):
        status, headers, body = _get(_replay_url(base, when, url))
        assert status == 200, (url, status, body[:200])
        assert body == HTML  # the revisit's payload comes from the original record
        assert headers.get("Memento-Datetime") == f"{when:%a, %d %b %Y %H:%M:%S} GMT"

    # Indexed by pywb itself (wb-manager add), a server-not-modified revisit replays as the
    # empty 304 it was; the project's own index leaves it out (next test).
    status, headers, body = _get(_replay_url(base, week, latin))
    assert (status, body) == (304, b"")


def test_project_index_replays_a_rechecked_page_as_the_page(pywb_bin, tmp_path):
    """Through the project's own index (`archive cdx` / `replay` / `wacz`), a page that
    answered 304 to a re-check replays as the page at every time, the 304 kept in the WARC."""
    from warcio.archiveiterator import ArchiveIterator

    from archive.query.replay import write_pywb_config

    latin = "http://news.example/latin"
    page = "http://news.example/world/defence-framework"
    week, later = FETCHED_AT + timedelta(days=7), FETCHED_AT + timedelta(days=1)
    body = "<html><body>Grüße aus Zürich</body></html>".encode("latin-1")
    folder = tmp_path / "warcs"
    with WarcWriter(folder) as w:
        original = w.write_exchange(make_exchange(url=latin, body=body, response_headers=[
            (b"Content-Type", b"text/html; charset=iso-8859-1")]))
        other = w.write_exchange(make_exchange(url=page))
        w.write_revisit(make_exchange(url=latin, status=304, reason="Not Modified", body=b"",
                                      response_headers=[(b"ETag", b'"v1"')], fetched_at=week),
                        "server-not-modified", original.response.record_id, latin, FETCHED_AT,
                        None)
        w.write_revisit(make_exchange(url=page, fetched_at=later), "identical-payload-digest",
                        other.response.record_id, page, FETCHED_AT, other.payload_digest)
        name = w.current_filename

    with open(folder / name, "rb") as fh:  # the WARC stays honest: the 304 is a 304
        statuses = [(r.rec_type, r.http_headers.get_statuscode()) for r in ArchiveIterator(fh)
                    if r.rec_type in ("response", "revisit")]
    assert ("revisit", "304") in statuses

    config, index = write_pywb_config(folder, collection=COLLECTION)
    lines = index.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and not any('"status": "304"' in line for line in lines)

    port = _free_port()
    log_path = tmp_path / "wayback.log"
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [str(pywb_bin / "wayback"), "--bind", "127.0.0.1", "--port", str(port)],
            cwd=config.parent, env={**os.environ, "PYWB_CONFIG_FILE": str(config)},
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(proc, base, log_path)
            for when in (FETCHED_AT, week, FETCHED_AT.replace(year=2030)):  # first, re-check, latest
                status, _, replayed = _get(_replay_url(base, when, latin))
                assert (status, replayed) == (200, body), when
            status, headers, replayed = _get(_replay_url(base, later, page))
            assert (status, replayed) == (200, HTML)  # a 200 revisit still resolves at its time
            assert headers.get("Memento-Datetime") == f"{later:%a, %d %b %Y %H:%M:%S} GMT"
        finally:
            proc.terminate()
            proc.wait(timeout=10)
