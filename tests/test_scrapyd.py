"""scrapyd for real: start scrapyd on a loopback port, deploy this project with
scrapyd-deploy, schedule a topic crawl over the HTTP API with arguments and settings,
wait for it to finish and check the archive it wrote."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from crawler.demoweb import DemoWeb

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base: str, endpoint: str, fields: list[tuple[str, str]] | None = None) -> dict:
    data = urllib.parse.urlencode(fields).encode() if fields is not None else None
    # generous: listspiders.json starts a Scrapy process, slow on a loaded machine
    with urllib.request.urlopen(f"{base}/{endpoint}", data=data, timeout=180) as response:
        return json.load(response)


@pytest.fixture
def scrapyd(tmp_path):
    port = free_port()
    home = tmp_path / "scrapyd"
    home.mkdir()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\nbind_address = 127.0.0.1\n"
        f"http_port = {port}\npoll_interval = 0.5\nmax_proc = 1\n"
        f"eggs_dir = {home / 'eggs'}\nlogs_dir = {home / 'logs'}\ndbs_dir = {home / 'dbs'}\n"
        "items_dir =\n")
    env = dict(os.environ)
    env.pop("SCRAPY_SETTINGS_MODULE", None)  # the deployed egg names its settings module
    env.pop("ARCHIVE_DATABASE_URL", None)
    log = open(tmp_path / "scrapyd.log", "w")
    proc = subprocess.Popen([str(BIN / "scrapyd")], cwd=home, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if call(base, "daemonstatus.json")["status"] == "ok":
                    break
            except OSError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, \
                (tmp_path / "scrapyd.log").read_text()[-3000:]
            time.sleep(0.3)
        yield base, home
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_deploy_schedule_and_archive(scrapyd, tmp_path):
    base, home = scrapyd
    # scrapyd-deploy reads deploy targets from scrapy.cfg files, including the user's
    # ($XDG_CONFIG_HOME/scrapy.cfg): a target for this scrapyd, the project's cfg untouched
    config_home = tmp_path / "xdg"
    config_home.mkdir()
    (config_home / "scrapy.cfg").write_text(f"[deploy:testd]\nurl = {base}/\nproject = news_archive\n")
    env = dict(os.environ, XDG_CONFIG_HOME=str(config_home))
    deploy = subprocess.run([str(BIN / "scrapyd-deploy"), "testd", "--version", "r1"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=180)
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    assert call(base, "listspiders.json?project=news_archive")["spiders"] == ["topic"]

    web = DemoWeb(first_ip="127.0.0.80", filler_per_outlet=2, bad_inputs=False).start()
    try:
        sites = web.write_sites_yaml(tmp_path / "sites.yaml")
        archive_dir = tmp_path / "archive"
        fields = [("project", "news_archive"), ("spider", "topic"),
                  ("topic", "(defence OR defense) AND (India OR Delhi) AND Hegseth"),
                  ("sites", str(sites))]
        for setting in (f"ARCHIVE_DIR={archive_dir}", "DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False",
                        "EXTRACT_WORKERS=1", "DOWNLOAD_TIMEOUT=30", "CLOSESPIDER_TIMEOUT=200",
                        "ARCHIVE_ALLOWED_NETWORKS=127.0.0.0/8"):
            fields.append(("setting", setting))
        job = call(base, "schedule.json", fields)
        assert job["status"] == "ok", job
        deadline = time.monotonic() + 300
        while True:
            jobs = call(base, "listjobs.json?project=news_archive")
            if any(j["id"] == job["jobid"] for j in jobs["finished"]):
                break
            assert time.monotonic() < deadline, jobs
            time.sleep(1)
        log = next((home / "logs" / "news_archive" / "topic").glob(f"{job['jobid']}.log")).read_text()
        assert "Closing spider (finished)" in log, log[-3000:]
        assert "Traceback" not in log, log[-3000:]
        conn = sqlite3.connect(archive_dir / "archive.sqlite")
        for story in web.expected["stories"]:
            assert conn.execute("SELECT 1 FROM captures WHERE url = ? AND content_hash IS NOT NULL",
                                (story["url"],)).fetchone(), story["url"]
        verify = subprocess.run([sys.executable, "-m", "archive", "--dir", str(archive_dir), "verify", "-q"],
                                cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert verify.returncode == 0, verify.stdout + verify.stderr
    finally:
        web.stop()
