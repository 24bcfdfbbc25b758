"""`archive cdx | wacz | replay`: the archive in standard web-archive tools."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import click

from archive.cli.common import ArchiveContext, pass_archive
from archive.cli.output import library_errors, note, progress_bar, quiet_option
from archive.cli.query_cmds import opened, upgrade_option


@click.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Index file to write (default: DIR/indexes/index.cdxj).")
@quiet_option
@pass_archive
def cdx(archive_ctx: ArchiveContext, output: Path | None, quiet: bool) -> None:
    """Write a sorted CDXJ index of the archive's WARC files (cdxj-indexer).

    \b
    Example:
      archive --dir ./archive-data cdx -o index.cdxj
    """
    from archive.query.cdx import build_cdxj, total_bytes
    from archive.query.overview import warc_files

    with library_errors():
        files = warc_files(archive_ctx.directory)
        with progress_bar(total_bytes(files), desc="cdx", unit="B", unit_scale=True,
                          quiet=quiet) as bar:
            result = build_cdxj(archive_ctx.directory, output, files=files or None,
                                progress=bar.update)
    note(f"{result.lines} index line(s) from {result.warc_files} WARC file(s) written to "
         f"{result.path}", quiet=quiet)


@click.command()
@click.argument("crawl_id", required=False)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="WACZ file to write (default: crawl-<id>.wacz).")
@click.option("--all", "all_crawls", is_flag=True, help="Package every WARC file, not one crawl's.")
@click.option("--title", help="Title stored in the WACZ.")
@click.option("--validate/--no-validate", default=True, show_default=True,
              help="Check the result with py-wacz.")
@quiet_option
@upgrade_option
@pass_archive
def wacz(
    archive_ctx: ArchiveContext, crawl_id: str | None, output: Path | None, all_crawls: bool,
    title: str | None, validate: bool, quiet: bool,
) -> None:
    """Package a crawl's WARC files as a WACZ for ReplayWeb.page or pywb (py-wacz).

    CRAWL_ID defaults to the latest crawl (see `archive crawls`).

    \b
    Examples:
      archive wacz -o latest.wacz
      archive wacz 9c2f... -o crawl.wacz --title "India-US defence framework"
    """
    from archive.query.wacz import create_wacz, latest_crawl_id, validate_wacz

    with opened(archive_ctx) as arch:
        if all_crawls:
            default_name, scope = "archive.wacz", "all crawls"
        else:
            if crawl_id is None:
                crawl_id = latest_crawl_id(arch)
            default_name, scope = f"crawl-{crawl_id[:12]}.wacz", f"crawl {crawl_id}"
        if output is None:
            output = Path(default_name)
        note(f"packaging {scope} into {output}", quiet=quiet)
        result = create_wacz(arch, archive_ctx.directory, output, crawl_id=crawl_id,
                             all_crawls=all_crawls, title=title)
        if validate:
            valid, message = validate_wacz(result.path)
            if not valid:
                raise click.ClickException(f"{result.path} does not validate: {message}")
    note(f"{result.path}: {len(result.warc_files)} WARC file(s), {result.pages} page(s)"
         + (", valid" if validate else ""), quiet=quiet)


@click.command()
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535),
              help="Port pywb listens on.")
@click.option("--bind", default="127.0.0.1", show_default=True, metavar="ADDRESS",
              help="Address pywb listens on; 0.0.0.0 serves every interface (the network).")
@click.option("--pywb-bin", type=click.Path(exists=True, path_type=Path),
              help="pywb's `wayback` executable or the bin/ folder of its virtualenv.")
@click.option("--serve", is_flag=True, help="Start pywb now instead of printing the command.")
@click.option("--rebuild-index", is_flag=True, help="Rebuild the CDXJ index even if it is current.")
@quiet_option
@pass_archive
def replay(
    archive_ctx: ArchiveContext, port: int, bind: str, pywb_bin: Path | None, serve: bool,
    rebuild_index: bool, quiet: bool,
) -> None:
    """Print (or with --serve, start) the pywb command that replays the archive.

    Writes DIR/pywb/config.yaml (a collection named "archive" over the WARC
    folder) and DIR/indexes/index.cdxj when missing or older than a WARC file.
    pywb is not installed with the archive: put it in its own virtualenv.

    \b
    Examples:
      archive replay                 # prints: cd DIR/pywb && wayback --port 8080 --bind 127.0.0.1
      archive replay --serve --pywb-bin ~/pywb-venv/bin --port 8090
      archive replay --serve --bind 0.0.0.0    # reachable from other machines
    """
    from archive.query.replay import find_wayback, replay_command

    with library_errors():
        with progress_bar(None, desc="cdx", unit="B", unit_scale=True, quiet=quiet) as bar:
            command = replay_command(archive_ctx.directory, port=port, bind=bind,
                                     pywb_bin=pywb_bin,
                                     rebuild_index=True if rebuild_index else None,
                                     progress=bar.update)
    if not serve:
        click.echo(command.shell())
        note(f"then open {command.base_url}<timestamp>/<url>, e.g. {command.url_for('https://…')}",
             quiet=quiet)
        return
    if find_wayback(pywb_bin) is None:
        raise click.ClickException(
            "pywb's `wayback` was not found: install pywb (pip install pywb, in a separate "
            "virtualenv) and pass --pywb-bin or put it on PATH"
        )
    note(f"serving {command.base_url} (Ctrl-C stops)", quiet=quiet)
    try:
        completed = subprocess.run(command.argv, cwd=command.cwd,
                                   env={**os.environ, **command.env})
    except KeyboardInterrupt:
        return
    if completed.returncode not in (0, -2):
        raise click.ClickException(f"pywb exited with status {completed.returncode}")


COMMANDS = [cdx, wacz, replay]
