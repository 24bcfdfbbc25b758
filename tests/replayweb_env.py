"""ReplayWeb.page in a real headless browser, for the replay tests.

ReplayWeb.page's `ui.js` and `sw.js` come from the npm registry (`npm pack
replaywebpage@VERSION`, pinned, unpacked once into `<repo>/.cache/`); the browser is
Debian's `chromium`, driven by playwright's Python package with `executable_path`
(playwright never downloads a browser here). A WACZ is served with the two scripts
from a loopback HTTP server that answers range requests, as the embedding guide
asks, and the page is opened in a `<replay-web-page embed="replayonly">` element.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REPLAYWEB_VERSION = "2.5.3"
CACHE = REPO / ".cache" / f"replaywebpage-{REPLAYWEB_VERSION}"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
NPM_TIMEOUT = 180  # seconds for `npm pack`
_ARCHIVED = re.compile(r"/w/[^/]+/(?::[0-9a-f]+/)?\d{14}[a-z]{0,2}_?/https?:")


class ReplayWebUnavailable(RuntimeError):
    """npm, the package, chromium or playwright is missing."""


def ensure_replayweb() -> Path:
    """The folder holding ReplayWeb.page's ui.js and sw.js, fetched with npm once."""
    if (CACHE / "ui.js").is_file() and (CACHE / "sw.js").is_file():
        return CACHE
    npm = shutil.which("npm")
    if npm is None:
        raise ReplayWebUnavailable("npm is not installed")
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    with open(CACHE.parent / ".replaywebpage.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel test workers fetch it once
        if (CACHE / "ui.js").is_file() and (CACHE / "sw.js").is_file():
            return CACHE
        with tempfile.TemporaryDirectory(dir=CACHE.parent) as tmp:
            try:
                subprocess.run([npm, "pack", f"replaywebpage@{REPLAYWEB_VERSION}", "--silent"],
                               cwd=tmp, check=True, capture_output=True, timeout=NPM_TIMEOUT)
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
                raise ReplayWebUnavailable(f"npm pack replaywebpage failed: {exc}") from None
            packed = next(Path(tmp).glob("replaywebpage-*.tgz"))
            staging = Path(tmp) / "out"
            staging.mkdir()
            with tarfile.open(packed) as tar:
                for name in ("ui.js", "sw.js"):
                    member = tar.getmember(f"package/{name}")
                    with tar.extractfile(member) as src, open(staging / name, "wb") as dst:
                        shutil.copyfileobj(src, dst)
            if CACHE.exists():
                shutil.rmtree(CACHE)
            staging.rename(CACHE)
    return CACHE


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise ReplayWebUnavailable("chromium is not installed (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        raise ReplayWebUnavailable("the playwright Python package is not installed") from None
    return path


class _RangeHandler(SimpleHTTPRequestHandler):
    """Static files with single byte ranges (wabac.js reads a WACZ by ranges); quiet."""

    def log_message(self, *args) -> None:
        pass

    def end_headers(self) -> None:
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def send_head(self):
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", "").strip())
        path = Path(self.translate_path(self.path))
        if match is None or not path.is_file():
            return super().send_head()
        size = path.stat().st_size
        start_s, end_s = match.groups()
        if start_s:
            start, end = int(start_s), min(int(end_s) if end_s else size - 1, size - 1)
        else:  # a suffix range: the last N bytes
            start, end = max(0, size - int(end_s or 0)), size - 1
        if start > end or start >= size:
            self.send_error(416)
            return None
        handle = open(path, "rb")
        handle.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        return _Limited(handle, end - start + 1)


class _Limited:
    """A file object that reads at most `left` bytes (copyfile reads to the end)."""

    def __init__(self, handle, left: int) -> None:
        self.handle, self.left = handle, left

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        size = self.left if size < 0 else min(size, self.left)
        data = self.handle.read(size)
        self.left -= len(data)
        return data

    def close(self) -> None:
        self.handle.close()


@contextlib.contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """Serve `folder` on a free loopback port; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_RangeHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class RenderedPage:
    """What the archived page showed in ReplayWeb.page."""

    text: str
    headline: str
    images: list[tuple[str, int]]  # (src, naturalWidth)
    stylesheets: int  # document.styleSheets in the replayed page
    responses: list[tuple[str, int]] = field(default_factory=list)  # every URL the page loaded
    console: list[str] = field(default_factory=list)

    def failed(self) -> list[tuple[str, int]]:
        """Archived resources (replay URLs such as .../w/<coll>/<14-digit ts>im_/<url>) that failed."""
        return [(url, status) for url, status in self.responses
                if status >= 400 and _ARCHIVED.search(url)]


EMBED = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>replay</title>
<script src="ui.js"></script>
<style>html, body {{ width: 100%; height: 100%; margin: 0 }}
replay-web-page {{ display: block; width: 100%; height: 100% }}</style></head>
<body><replay-web-page source="{source}" url="{url}" {ts} embed="replayonly"></replay-web-page>
</body></html>"""


def render_archived_page(wacz: Path, url: str, *, screenshot: Path, ts: str | None = None,
                         timeout: float = 60.0) -> RenderedPage:
    """Open `url` from `wacz` in ReplayWeb.page in headless chromium, wait for it, read it."""
    from playwright.sync_api import sync_playwright

    scripts = ensure_replayweb()
    executable = chromium_path()
    with tempfile.TemporaryDirectory(prefix="rwp-") as tmp:
        site = Path(tmp)
        (site / "replay").mkdir()
        shutil.copy(scripts / "ui.js", site / "ui.js")
        shutil.copy(scripts / "ui.js", site / "replay" / "ui.js")  # the replay iframe loads it there
        shutil.copy(scripts / "sw.js", site / "replay" / "sw.js")
        shutil.copy(wacz, site / "archive.wacz")
        (site / "index.html").write_text(EMBED.format(
            source="archive.wacz", url=url, ts=f'ts="{ts}"' if ts else ""), encoding="utf-8")
        with serve_folder(site) as base, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            try:
                context = browser.new_context(viewport={"width": 1100, "height": 900},
                                              service_workers="allow")
                # Nothing leaves loopback: any other host is refused before it is asked.
                context.route(re.compile(r"^https?://(?!127\.)[^/]*"), lambda route: route.abort())
                page = context.new_page()
                responses: list[tuple[str, int]] = []
                console: list[str] = []
                context.on("response", lambda r: responses.append((r.url, r.status)))
                page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
                page.goto(base + "/index.html", timeout=timeout * 1000)
                try:
                    try:
                        frame = _archived_frame(page, url, timeout / 2)
                    except TimeoutError:
                        # ReplayWeb.page's first visit registers its service worker; when the
                        # replay frame loaded before the worker took control it never shows the
                        # page (seen once in a full CI run). A reload is the user's remedy too.
                        page.reload(timeout=timeout * 1000)
                        frame = _archived_frame(page, url, timeout / 2)
                except TimeoutError as exc:
                    page.screenshot(path=str(screenshot))
                    raise TimeoutError(f"{exc}\nconsole:\n" + "\n".join(console[-30:])) from None
                frame.wait_for_load_state("load", timeout=timeout * 1000)
                frame.wait_for_function(
                    "Array.from(document.images).every(i => i.complete)", timeout=timeout * 1000)
                state = frame.evaluate("""() => ({
                    text: document.body ? document.body.innerText : '',
                    headline: (document.querySelector('h1') || {}).innerText || '',
                    images: Array.from(document.images).map(i => [i.currentSrc || i.src, i.naturalWidth]),
                    stylesheets: document.styleSheets.length,
                })""")
                page.screenshot(path=str(screenshot), full_page=False)
                return RenderedPage(state["text"], state["headline"],
                                    [(src, int(w)) for src, w in state["images"]],
                                    int(state["stylesheets"]), responses, console)
            finally:
                browser.close()


def _archived_frame(page, url: str, timeout: float):
    """The (nested) frame that shows the archived page: its URL ends with `mp_/<url>`."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "mp_/" in frame.url and frame.url.split("mp_/", 1)[1].rstrip("/") == url.rstrip("/"):
                return frame
        page.wait_for_timeout(250)
    frames = ", ".join(f.url for f in page.frames)
    raise TimeoutError(f"ReplayWeb.page did not open {url} within {timeout:.0f}s (frames: {frames})")


def browser_tests_required() -> bool:
    return os.environ.get("CI", "").lower() == "true"
