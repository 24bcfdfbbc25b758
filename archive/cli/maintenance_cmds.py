"""`verify`, `reindex`, `recover` and `upgrade`: keep the index true to the WARC files."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from archive.cli.common import ArchiveContext, pass_archive

if TYPE_CHECKING:
    from archive.reindex import ReindexReport
    from archive.verify import VerifyReport


@contextmanager
def _progress(
    quiet: bool, unit: str, total: int | None = None
) -> Iterator[Callable[[int], object] | None]:
    """A tqdm bar on a terminal; nothing in scripts or with --quiet."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    with tqdm(total=total, unit=unit, file=sys.stderr, dynamic_ncols=True) as bar:
        yield bar.update


def _finish(report: VerifyReport | ReindexReport) -> None:
    """Each note and problem on its own line (stderr), the summary, exit 1 if anything
    is wrong."""
    for note in getattr(report, "notes", ()):
        click.echo(f"NOTE {note}", err=True)
    for problem in report.problems:
        click.echo(f"PROBLEM {problem}", err=True)
    click.echo(report.summary())
    if not report.ok:
        sys.exit(1)


quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress bar.")


@click.command()
@quiet_option
@click.option("--node", metavar="ID", help="Check one crawler node: its WARC files (the node "
              "id in their names) and the index rows pointing into them.")
@click.option("--also-dir", "also_dirs", multiple=True, metavar="DIR",
              type=click.Path(file_okay=False),
              help="Another WARC folder of the same crawl (repeatable): check them all as one.")
@pass_archive
def verify(ctx: ArchiveContext, quiet: bool, node: str | None, also_dirs: tuple[str, ...]) -> None:
    """Check that every indexed capture exists in its WARC file with matching
    digests and that every response/conversion record is indexed.

    Exits 1 and lists file, offset and reason for each problem. With several
    crawler nodes on one database, --node checks one node's files and rows.

    \b
    Examples:
      archive --dir ./archive-data verify
      archive --dir /data/archive --db postgresql://archive@db/news verify --node crawler-2
    """
    from pathlib import Path

    from archive.verify import verify as run_verify

    with ctx.open() as archive, _progress(quiet, "records") as progress:
        folders = [Path(archive.directory), *map(Path, also_dirs)] if also_dirs else None
        report = run_verify(archive, progress=progress, node=node, directories=folders)
    _finish(report)


@click.command()
@quiet_option
@pass_archive
def reindex(ctx: ArchiveContext, quiet: bool) -> None:
    """Rebuild the index database from the WARC files alone.

    Safe to run on a database that already has rows: only what is missing is added.
    Point --db at an empty database to rebuild from scratch.

    \b
    Example:
      archive --dir ./archive-data --db sqlite:///rebuilt.sqlite reindex
    """
    from archive.reindex import reindex as run_reindex
    from archive.warc.reader import warc_files

    with ctx.open(upgrade=True) as archive:
        total = len(warc_files(archive.directory, include_open=True))
        with _progress(quiet, "files", total) as progress:
            report = run_reindex(archive, progress=progress)
    _finish(report)


@click.command()
@click.option("--all-nodes", is_flag=True, help="Also finish other nodes' abandoned files "
              "(a node that will not come back); by default only this host's node id.")
@pass_archive
def recover(ctx: ArchiveContext, all_nodes: bool) -> None:
    """Finish WARC files a crashed crawl left `.open` (cut after the last whole record,
    renamed) and index every record the index has not committed yet.

    A crawl does this by itself when it starts; run it when no crawl is due. Files
    that a running crawl is writing are left alone.

    \b
    Example:
      archive --dir ./archive-data recover
    """
    with ctx.open(upgrade=True) as archive:
        names = archive.recover(all_nodes=all_nodes)
        caught_up = archive.last_catch_up
        if caught_up is not None:
            archive.update_stories()
    for name in names:
        click.echo(f"finished {name}")
    if caught_up is None:
        click.echo(f"{len(names)} file(s) finished; the index was up to date")
        return
    for problem in caught_up.problems:
        click.echo(f"PROBLEM {problem}", err=True)
    click.echo(f"{len(names)} file(s) finished; indexed {caught_up.records} record(s) from "
               f"{caught_up.files} file(s): {caught_up.captures} capture(s), "
               f"{caught_up.articles} article(s)")
    if not caught_up.ok:
        sys.exit(1)


@click.command()
@pass_archive
def upgrade(ctx: ArchiveContext) -> None:
    """Migrate the index database to the current schema.

    \b
    Example:
      archive --db postgresql://archive@db/news upgrade
    """
    with ctx.open(upgrade=True):
        pass
    click.echo("schema is current")


COMMANDS = [verify, reindex, recover, upgrade]
