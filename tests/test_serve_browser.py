"""The reading room in a real headless browser: Debian's chromium driven by playwright's Python
package (never a browser playwright downloads). `archive serve` runs as a subprocess; the test
searches, opens an article, opens its story and the topic page, and saves a screenshot of each
under tests/artifacts/serve/ (the path is printed)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import IN_CI
from query_archive import TOPIC, build_archive

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "serve"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update"]


def _need_browser():
    missing = []
    if not os.path.exists(CHROMIUM):
        missing.append("Debian's chromium (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("playwright's Python package")
    if missing:
        message = "browser test needs " + " and ".join(missing)
        if IN_CI:
            pytest.fail(message + " (required under CI=true)")
        pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("browser-archive")
    expected = build_archive(directory)
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "archive", "--dir", str(directory), "serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail("archive serve exited: " + process.stdout.read())
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("archive serve did not start listening")
    try:
        yield f"http://127.0.0.1:{port}", expected
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_search_article_story_topic_in_chromium(server):
    _need_browser()
    from playwright.sync_api import sync_playwright

    base, expected = server
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    requests_elsewhere = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("request", lambda r: None if r.url.startswith(base) else requests_elsewhere.append(r.url))
            page.goto(base + "/")
            page.fill("input[name=q]", "Hegseth framework")
            page.press("input[name=q]", "Enter")
            page.wait_for_selector("li.hit")
            assert page.locator("li.hit").count() == 6
            assert page.locator("li.hit mark").count() >= 6
            page.screenshot(path=str(ARTIFACTS / "1-search.png"), full_page=True)

            page.click("li.hit >> nth=0 >> a.title")
            page.wait_for_selector("article.article h1")
            assert "/article/" in page.url
            assert page.locator("table.grid").first.is_visible()
            page.screenshot(path=str(ARTIFACTS / "2-article.png"), full_page=True)

            page.click("#story-link")
            page.wait_for_selector("table.members")
            assert "/story/" in page.url
            assert page.locator("table.members tbody tr").count() == 6
            assert "Valley Republic" in page.inner_text("p.lead")
            page.screenshot(path=str(ARTIFACTS / "3-story.png"), full_page=True)

            page.goto(base + "/topic?q=" + TOPIC.replace(" ", "+"))
            page.wait_for_selector("svg.chart circle")
            assert page.locator("svg.chart circle").count() >= 6
            page.screenshot(path=str(ARTIFACTS / "4-topic.png"), full_page=True)

            page.goto(base + f"/article/{expected.updated_hash}")
            page.wait_for_selector("section.diff table.diff")
            page.locator("section.diff").first.screenshot(path=str(ARTIFACTS / "5-diff.png"))
        finally:
            browser.close()
    print(f"\nscreenshots in {ARTIFACTS}")
    assert not requests_elsewhere, requests_elsewhere  # every asset is local
    for name in ("1-search", "2-article", "3-story", "4-topic", "5-diff"):
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 5000
