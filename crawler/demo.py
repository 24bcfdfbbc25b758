"""`-a sites=demo`: run the built-in demo web (crawler.demoweb) on loopback for one crawl."""

from __future__ import annotations

import logging
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from scrapy.exceptions import UsageError

logger = logging.getLogger(__name__)


class DemoServer:
    """Start `python -m crawler.demoweb --sites-out FILE` and wait (bounded) for its READY line.

    The demo web serves several outlets built from the seed stories plus off-topic
    filler, each on its own loopback address; `start()` returns the sites file it wrote.
    It listens on `port` (TOPIC_DEMO_PORT), the same from one run to the next so that a
    second crawl of the demo is incremental; when that port is taken, it falls back to a
    port the system picks and says that this run's URLs are new ones.
    """

    def __init__(self, *, timeout: float = 60.0, articles: int = 0, port: int = 0,
                 extra_args: list[str] | None = None):
        self.timeout = timeout
        self.articles = articles
        self.port = port
        self.extra_args = list(extra_args or [])
        self.process: subprocess.Popen | None = None
        self._dir: tempfile.TemporaryDirectory | None = None

    def start(self) -> str:
        try:
            return self._start(self.port)
        except UsageError:
            if not self.port:
                raise
        logger.warning("Demo web: port %d is taken, serving on a port the system picks; this "
                       "run's URLs differ from earlier runs', so it will not be incremental "
                       "(choose another with -s TOPIC_DEMO_PORT=...)", self.port)
        return self._start(0)

    def _start(self, port: int) -> str:
        self._dir = tempfile.TemporaryDirectory(prefix="news-archive-demo-")
        sites_file = Path(self._dir.name) / "sites.yaml"
        command = [sys.executable, "-m", "crawler.demoweb", "--sites-out", str(sites_file),
                   "--port", str(port)]
        if self.articles:
            command += ["--filler", str(self.articles)]
        command += self.extra_args
        root = Path(__file__).resolve().parent.parent
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=None, cwd=root, env=env, start_new_session=True,
        )
        if not self._wait_ready():
            self.stop()
            raise UsageError(f"the demo web did not start within {self.timeout:.0f}s ({' '.join(command)})")
        return str(sites_file)

    def _wait_ready(self) -> bool:
        assert self.process is not None and self.process.stdout is not None
        deadline = time.monotonic() + self.timeout
        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ)
        buffer = b""
        try:
            while time.monotonic() < deadline:
                if not selector.select(timeout=max(0.05, deadline - time.monotonic())):
                    continue
                chunk = os.read(self.process.stdout.fileno(), 4096)
                if not chunk:
                    return False  # exited
                buffer += chunk
                for line in buffer.splitlines():
                    if line.startswith(b"READY"):
                        logger.info("Demo web: %s", line.decode("utf-8", "replace"))
                        threading.Thread(target=self._drain, daemon=True).start()
                        return True
            return False
        finally:
            selector.close()

    def _drain(self) -> None:
        process = self.process
        stream = process.stdout if process is not None else None
        try:
            while stream is not None and stream.read(65536):
                pass
        except (OSError, ValueError):
            pass

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        if process is not None and process.stdout is not None:
            process.stdout.close()
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None
