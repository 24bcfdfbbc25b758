"""A private virtualenv with pywb 2.10.0 for the replay tests.

pywb pins old libraries (redis 2.10.6, fakeredis<1, werkzeug 3.1.7, webassets
2.0) that must not meet the project's own, so it lives in `<repo>/.venv-pywb`,
built once and reused while it still works. Everything is pinned to a set known
to install (wheels, plus the surt sdist) and run on Python 3.11 (pip resolves no versions here).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV = REPO / ".venv-pywb"
PYWB_VERSION = "2.10.0"

PINS = (
    f"pywb=={PYWB_VERSION}",
    "brotlipy==0.7.0",
    "certauth==1.3.0",
    "certifi==2026.10.18",
    "cffi==2.1.1",
    "charset-normalizer==3.5.2",
    "cryptography==47.0.0",
    "defusedxml==0.7.1",
    "fakeredis==0.16.0",
    "filelock==4.2.11",
    "gevent==26.9.0",
    "greenlet==3.5.6",
    "idna==3.20",
    "jinja2==3.1.6",
    "markupsafe==3.0.4",
    "portalocker==4.4.2",
    "py3AMF==0.9.1",
    "pycparser==3.12",
    "pyOpenSSL==26.1.0",
    "python-dateutil==4.0.0",
    "pyyaml==6.0.3",
    "redis==2.10.6",
    "requests==2.34.2",
    "requests-file==3.0.1",
    "six==1.17.0",
    "surt==0.3.1",
    "tldextract==5.4.0",
    "typing-extensions==4.16.0",
    "tzdata==2026.6",
    "ua-parser==1.0.2",
    "ua-parser-builtins==202610",
    "urllib3==2.8.0",
    "warcio==1.8.1",
    "webassets==2.0",
    "webencodings==0.6.1",
    "werkzeug==3.1.7",
    "wsgiprox==1.5.2",
    "zope.event==6.2",
    "zope.interface==8.7",
)

_MARKER = ".news-archive-pins"
_SMOKE = (
    "import gevent, pywb, warcio\n"
    f"assert pywb.__version__ == {PYWB_VERSION!r}, pywb.__version__\n"
    "import pywb.apps.cli, pywb.manager.manager\n"
)


class PywbUnavailable(RuntimeError):
    """The pywb virtualenv could not be built (no registry access, no wheel, ...)."""


def _signature() -> str:
    return hashlib.sha256("\n".join((sys.version.split()[0], *PINS)).encode()).hexdigest()


def _bin(venv: Path, name: str) -> Path:
    return venv / "bin" / name


def _works(venv: Path) -> bool:
    marker = venv / _MARKER
    if not marker.is_file() or marker.read_text().strip() != _signature():
        return False
    try:
        result = subprocess.run(
            [str(_bin(venv, "python")), "-c", _SMOKE],
            capture_output=True, timeout=120, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0 and _bin(venv, "wayback").exists()


def _run(cmd: list[str], timeout: int) -> None:
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise PywbUnavailable(f"timed out after {timeout}s: {' '.join(cmd[:4])} ...") from exc
    if result.returncode != 0:
        tail = (result.stdout + result.stderr).strip().splitlines()[-15:]
        raise PywbUnavailable(f"{' '.join(cmd[:4])} ... failed:\n" + "\n".join(tail))


def ensure_pywb(venv: Path = VENV, timeout: int = 900) -> Path:
    """The `bin` directory of a working pywb virtualenv, building it if needed.

    Serialised with a file lock so parallel test workers build it only once."""
    lock_path = Path(tempfile.gettempdir()) / (
        "news-archive-pywb-" + hashlib.sha1(str(venv).encode()).hexdigest()[:12] + ".lock"
    )
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _works(venv):
            return venv / "bin"
        shutil.rmtree(venv, ignore_errors=True)
        python = getattr(sys, "_base_executable", None) or sys.executable
        _run([python, "-m", "venv", str(venv)], timeout=300)
        _run(
            [str(_bin(venv, "python")), "-m", "pip", "install", "--disable-pip-version-check",
             "--no-input", "--prefer-binary", *PINS],
            timeout=timeout,
        )
        (venv / _MARKER).write_text(_signature() + "\n")
        if not _works(venv):
            raise PywbUnavailable(f"pywb installed in {venv} but does not import")
        return venv / "bin"


if __name__ == "__main__":  # `python tests/pywb_env.py` builds it ahead of a test run
    print(ensure_pywb())
    os._exit(0)
