"""`archive serve | report`: the reading room (archive.serve) and a topic report file."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import click
from sqlalchemy import Engine

from archive.cli.common import ArchiveContext, pass_archive
from archive.cli.output import library_errors, note


@contextlib.contextmanager
def read_engine(archive_ctx: ArchiveContext) -> Iterator[Engine]:
    """The archive's database for reading: it must exist and be at the current schema
    (serving never creates or migrates anything)."""
    from archive.db.engine import default_database_url, make_engine, require_current

    url = archive_ctx.database_url
    if url is None:
        if not (Path(archive_ctx.directory) / "archive.sqlite").exists():
            raise click.ClickException(
                f"no archive in {archive_ctx.directory} (no archive.sqlite): "
                "give --dir (or $ARCHIVE_DIR) or --db (or $ARCHIVE_DATABASE_URL)")
        url = default_database_url(Path(archive_ctx.directory))
    with library_errors():
        engine = make_engine(url)
        try:
            require_current(engine)
        except BaseException:
            engine.dispose()
            raise
    try:
        with library_errors():
            yield engine
    finally:
        engine.dispose()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (the default serves this machine only).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--replay", "replay_base", metavar="URL",
              help="pywb collection address for 'replay original' links "
                   "[default: http://localhost:REPLAY-PORT/archive/].")
@click.option("--pywb-bin", type=click.Path(exists=True, path_type=Path),
              help="Start pywb alongside (its `wayback` or its virtualenv's bin/).")
@click.option("--replay-port", default=8080, show_default=True, type=click.IntRange(1, 65535),
              help="Port of pywb (started with --pywb-bin, else expected there).")
@pass_archive
def serve(
    archive_ctx: ArchiveContext, host: str, port: int, replay_base: str | None,
    pywb_bin: Path | None, replay_port: int,
) -> None:
    """Serve a read-only reading room over the archive: search, articles, stories, topics.

    \b
    Examples:
      archive serve                                  # http://127.0.0.1:8000/
      archive --db postgresql://archive@db/news serve --port 8001
      archive serve --pywb-bin ~/pywb-venv/bin      # replay links work too
    """
    import uvicorn

    from archive.serve import create_app

    replay_base = replay_base or f"http://localhost:{replay_port}/archive/"
    with read_engine(archive_ctx) as engine, _pywb(archive_ctx, pywb_bin, replay_port):
        app = create_app(engine, replay_base=replay_base)
        note(f"reading room at http://{host}:{port}/ (Ctrl-C stops); replay via {replay_base}")
        uvicorn.run(app, host=host, port=port, log_level="warning")


@contextlib.contextmanager
def _pywb(archive_ctx: ArchiveContext, pywb_bin: Path | None, port: int) -> Iterator[None]:
    if pywb_bin is None:
        yield
        return
    from archive.query.replay import find_wayback, replay_command

    if find_wayback(pywb_bin) is None:
        raise click.ClickException(f"pywb's `wayback` not found in {pywb_bin}")
    with library_errors():
        command = replay_command(archive_ctx.directory, port=port, pywb_bin=pywb_bin)
    process = subprocess.Popen(command.argv, cwd=command.cwd, env={**os.environ, **command.env})
    note(f"pywb replaying at {command.base_url} (pid {process.pid})")
    try:
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@click.command()
@click.option("--topic", "topic_query", required=True, metavar="Q",
              help="A topic the crawls recorded, else search words.")
@click.option("--site", multiple=True, metavar="NAME", help="Only these sites (repeat for several).")
@click.option("--since", metavar="DATE", help="Published (else first seen) on or after DATE.")
@click.option("--until", metavar="DATE", help="Published (else first seen) on or before DATE.")
@click.option("--lang", metavar="CODE", help="Only articles in this language.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The HTML file to write.")
@pass_archive
def report(
    archive_ctx: ArchiveContext, topic_query: str, site: tuple[str, ...], since: str | None,
    until: str | None, lang: str | None, output: Path,
) -> None:
    """Write a topic's coverage page as one self-contained HTML file to send on.

    The same page as /topic in `archive serve`: a timeline per outlet, who
    published first, and the topic's stories. No external assets.

    \b
    Examples:
      archive report --topic "India US defence framework" -o report.html
      archive report --topic '"defence framework"' --since 2025-10-01 -o week.html
    """
    from archive.query.filters import Filters
    from archive.serve import render_report

    if not topic_query.strip():
        raise click.BadParameter("give a topic or search words", param_hint="--topic")
    with library_errors():
        filters = Filters.make(site=site, since=since, until=until, lang=lang)
    with read_engine(archive_ctx) as engine:
        html = render_report(engine, topic_query, filters)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(html, encoding="utf-8")
    note(f"wrote {output} ({len(html.encode()) // 1024 + 1} KB)")


COMMANDS = [serve, report]
