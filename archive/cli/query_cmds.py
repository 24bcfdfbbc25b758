"""`archive search | show | coverage | stats | sites | crawls | export`: reading the archive."""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from archive.cli.common import ArchiveContext, pass_archive
from archive.cli.output import (
    JSON,
    TABLE,
    emit,
    emit_record,
    highlighted,
    human_bytes,
    library_errors,
    note,
    output_options,
    progress_bar,
    progress_enabled,
    quiet_option,
)

if TYPE_CHECKING:
    from archive import Archive
    from archive.query.coverage import Period
    from archive.query.export import Format as ExportFormat
    from archive.query.filters import Filters

UPGRADE_KEY = "archive.upgrade"


def upgrade_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--upgrade``: migrate a database at an older schema instead of stopping with a message."""

    @functools.wraps(func)
    def wrapper(*args: Any, upgrade: bool, **kwargs: Any) -> Any:
        if upgrade:
            click.get_current_context().meta[UPGRADE_KEY] = True
        return func(*args, **kwargs)

    return click.option(
        "--upgrade", is_flag=True, help="Upgrade an older database schema first (see `archive upgrade`)."
    )(wrapper)


@contextlib.contextmanager
def opened(archive_ctx: ArchiveContext) -> Iterator[Archive]:
    """Open the archive for reading; a folder without an archive is an error, not a new archive."""
    if archive_ctx.database_url is None and not (Path(archive_ctx.directory) / "archive.sqlite").exists():
        raise click.ClickException(
            f"no archive in {archive_ctx.directory} (no archive.sqlite): "
            "give --dir (or $ARCHIVE_DIR) or --db (or $ARCHIVE_DATABASE_URL)"
        )
    context = click.get_current_context(silent=True)
    upgrade = bool(context and context.meta.get(UPGRADE_KEY))
    arch = archive_ctx.open(upgrade=upgrade)
    try:
        with library_errors():
            yield arch
    finally:
        arch.close()


def filter_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--site/--since/--until/--topic/--lang, handed to the command as one ``filters`` argument."""

    @functools.wraps(func)
    def wrapper(
        *args: Any, site: tuple[str, ...], since: str | None, until: str | None,
        topic: str | None, lang: str | None, **kwargs: Any,
    ) -> Any:
        from archive.query.filters import Filters

        with library_errors():
            filters = Filters.make(site=site, since=since, until=until, topic=topic, lang=lang)
        return func(*args, filters=filters, **kwargs)

    for option in reversed(
        [
            click.option("--site", multiple=True, metavar="NAME",
                         help="Only articles captured at this site (repeat for several)."),
            click.option("--since", metavar="DATE",
                         help="Published (else first seen) on or after DATE (YYYY-MM-DD)."),
            click.option("--until", metavar="DATE",
                         help="Published (else first seen) on or before DATE (YYYY-MM-DD)."),
            click.option("--topic", metavar="QUERY",
                         help="Only articles that matched this crawled topic (in any equivalent "
                              "form: case, AND, operand order; an unknown one lists the topics)."),
            click.option("--lang", metavar="CODE", help="Only articles in this language (en, de, ...)."),
        ]
    ):
        wrapper = option(wrapper)
    return wrapper


# --- search ---


@click.command()
@click.argument("query")
@filter_options
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000),
              help="How many results.")
@click.option("--offset", default=0, show_default=True, type=click.IntRange(0),
              help="Skip this many results (paging).")
@output_options
@upgrade_option
@pass_archive
def search(
    archive_ctx: ArchiveContext, query: str, filters: Filters, limit: int, offset: int,
    output_format: str,
) -> None:
    """Full-text search over titles and text, best matches first, with snippets.

    \b
    QUERY: words (stemmed), "exact phrases", a OR b, -word / NOT word.
    Anything else (brackets, operators, punctuation) is searched as text.
    A query that starts with "-" goes after "--": archive search -- -x y

    \b
    Examples:
      archive search '"defence framework" Hegseth' --since 2025-10-01
      archive search 'India OR Pakistan -cricket' --site "The Hindu" --json
    """
    from archive.query.search import format_score
    from archive.query.search import search as run_search

    with opened(archive_ctx) as arch:
        hits = run_search(arch, query, filters, limit=limit, offset=offset)
    if output_format != TABLE:
        emit(hits, output_format)
        return
    if not hits:
        click.echo("No articles match.", err=True)
        return
    for number, hit in enumerate(hits, start=offset + 1):
        when = hit.published or hit.first_seen
        sites = ", ".join(hit.sites) or hit.first_site or ""
        title = highlighted(hit.title_highlighted or hit.title or "(untitled)")
        click.echo(f"{number:>3}. {title}")
        click.echo(f"     {when:%Y-%m-%d}  {sites}  {hit.content_hash[:12]}  score {format_score(hit.score)}")
        if hit.first_url:
            click.echo(f"     {hit.first_url}")
        if hit.snippet:
            click.echo(f"     {highlighted(hit.snippet)}")
        click.echo()


# --- show ---


@click.command()
@click.argument("ref", metavar="HASH|URL")
@click.option("--text/--no-text", default=True, show_default=True, help="Print the clean text.")
@click.option("--diff/--no-diff", default=True, show_default=True,
              help="Print diffs between the versions of each URL.")
@output_options
@upgrade_option
@pass_archive
def show(archive_ctx: ArchiveContext, ref: str, text: bool, diff: bool, output_format: str) -> None:
    """One article: metadata, clean text, every capture, every version of its URLs.

    HASH|URL is a content hash (or a unique prefix of 6+ hex digits) or a URL
    the article was captured at (the newest article seen there). --json gives
    everything; --csv gives the captures.

    \b
    Examples:
      archive show 3f5a9c0e1b2d
      archive show https://example.com/news/india-us-defence --no-text
    """
    from archive.query.articles import article

    with opened(archive_ctx) as arch:
        view = article(arch, ref)
    if output_format == JSON:
        emit_record(view, JSON)
        return
    if output_format != TABLE:
        emit(view.captures, output_format)
        return
    echo = click.echo
    echo(click.style(view.title or "(untitled)", bold=True))
    emit_record(
        {
            "content_hash": view.content_hash,
            "published": view.published,
            "authors": view.authors,
            "language": view.language,
            "site": view.site_name or view.first_site,
            "canonical_url": view.canonical_url,
            "first_seen": view.first_seen,
            "last_seen": view.last_seen,
            "sites": view.sites,
            "topics": [f"{t['query']} ({t['score']:.3f})" for t in view.topics],
        }
    )
    if view.description:
        echo(f"\n{view.description}")
    if text:
        echo("\n" + click.style("Text", bold=True))
        echo(view.text)
    echo("\n" + click.style(f"Captures ({len(view.captures)})", bold=True))
    emit(
        [{**c.as_dict(), "offset": c.warc_offset} for c in view.captures],
        columns=["fetched_at", "record_type", "status", "site", "url", "warc_filename", "offset"],
        headers=["fetched", "type", "status", "site", "url", "warc file", "offset"],
    )
    for history in view.history:
        echo("\n" + click.style(f"Versions of {history.url} ({len(history.versions)})", bold=True))
        emit(
            [
                {**v.as_dict(), "hash": v.content_hash[:12],
                 "current": "*" if v.content_hash == view.content_hash else ""}
                for v in history.versions
            ],
            columns=["current", "hash", "first_fetched", "last_fetched", "captures", "title"],
            headers=["", "hash", "first fetched", "last fetched", "captures", "title"],
        )
        if diff:
            for change in history.diffs:
                echo()
                for line in change.diff.splitlines():
                    colour = "green" if line.startswith("+") else "red" if line.startswith("-") else None
                    echo(click.style(line, fg=colour) if colour else line)


# --- coverage ---


@click.command()
@filter_options
@click.option("--query", "query", metavar="QUERY", help="Only articles matching a full-text query.")
@click.option("--by", type=click.Choice(["day", "week", "month"]), default="day", show_default=True,
              help="Period to count per.")
@click.option("--plot", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE.png",
              help="Also draw the coverage as a picture (matplotlib).")
@output_options
@upgrade_option
@pass_archive
def coverage(
    archive_ctx: ArchiveContext, filters: Filters, query: str | None, by: Period, plot: Path | None,
    output_format: str,
) -> None:
    """Per site and day (or --by week/month): how many articles, first and last seen.

    An article is counted on the day it was published (else first captured), once
    for every site that carried it.

    \b
    Examples:
      archive coverage --topic "india us defence"
      archive coverage --topic "india us defence" --by week --plot coverage.png
    """
    from archive.query.coverage import check_plot_path, plot_coverage
    from archive.query.coverage import coverage as run_coverage

    if plot:
        with library_errors():  # before the query: a wrong suffix should not wait for it
            check_plot_path(plot)
    with opened(archive_ctx) as arch:
        rows = run_coverage(arch, filters, query=query, by=by)
        if plot:
            title = f"Coverage of {filters.topic!r}" if filters.topic else "Coverage"
            plot_coverage(rows, plot, title=title, by=by)
    emit(
        rows, output_format,
        columns=["site", "period", "articles", "first_seen", "last_seen"],
        headers=["site", by, "articles", "first seen", "last seen"],
        empty="No articles match.",
    )
    if plot:
        note(f"plot written to {plot}")


# --- overviews ---


@click.command()
@output_options
@upgrade_option
@pass_archive
def stats(archive_ctx: ArchiveContext, output_format: str) -> None:
    """Totals: articles, captures, crawls, sites, topics, dates, sizes.

    \b
    Example:
      archive --dir ./archive-data stats
    """
    from archive.query.overview import stats as run_stats

    with opened(archive_ctx) as arch:
        totals = run_stats(arch, archive_ctx.directory)
    if output_format == TABLE:
        totals = dict(totals)
        for key in ("database_bytes", "warc_bytes"):
            if key in totals:
                totals[key] = human_bytes(totals[key])
    emit_record(totals, output_format)


@click.command()
@output_options
@upgrade_option
@pass_archive
def sites(archive_ctx: ArchiveContext, output_format: str) -> None:
    """One row per site: articles, captures, first and last capture, crawls.

    \b
    Example:
      archive sites --csv > sites.csv
    """
    from archive.query.overview import sites as run_sites

    with opened(archive_ctx) as arch:
        rows = run_sites(arch)
    emit(rows, output_format,
         columns=["site", "articles", "captures", "first_capture", "last_capture", "crawls"],
         empty="No captures yet.")


@click.command()
@output_options
@upgrade_option
@pass_archive
def crawls(archive_ctx: ArchiveContext, output_format: str) -> None:
    """One row per crawl, newest first: spider, topic, times, captures, articles.

    \b
    Example:
      archive crawls --json
    """
    from archive.query.overview import crawl_summaries

    with opened(archive_ctx) as arch:
        rows = crawl_summaries(arch)
    emit(rows, output_format,
         columns=["crawl_id", "spider", "topic", "started_at", "finished_at", "captures", "articles"],
         empty="No crawls yet.")


# --- export ---


@click.command()
@click.option("--format", "export_format", type=click.Choice(["jsonl", "csv", "parquet"]),
              default="jsonl", show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              show_default=True, help="File to write ('-' for standard output; not for parquet).")
@click.option("--query", "query", metavar="QUERY", help="Only articles matching a full-text query.")
@filter_options
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(1),
              help="Articles read per database round trip.")
@quiet_option
@upgrade_option
@pass_archive
def export(
    archive_ctx: ArchiveContext, export_format: ExportFormat, output: str, query: str | None,
    filters: Filters, batch_size: int, quiet: bool,
) -> None:
    """Export articles (with URLs, sites and topics) as JSON Lines, CSV or Parquet.

    Streams: memory use stays flat however many articles match.

    \b
    Examples:
      archive export --format jsonl -o articles.jsonl --topic "india us defence"
      archive export --format parquet -o articles.parquet --since 2025-10-01
      archive export --query '"defence framework"' | jq .title
    """
    from archive.query.export import export as run_export
    from archive.query.search import count

    to_stdout = output == "-"
    if to_stdout and export_format == "parquet":
        raise click.UsageError("Parquet needs a file: give -o FILE.parquet")
    with opened(archive_ctx) as arch:
        total = count(arch, query, filters) if progress_enabled(quiet) else None
        with progress_bar(total, desc="export", unit="article", quiet=quiet) as bar:
            if to_stdout:
                written = run_export(arch, sys.stdout, export_format, filters,
                                     query=query, batch_size=batch_size, progress=bar.update)
            else:
                written = run_export(arch, output, export_format, filters, query=query,
                                     batch_size=batch_size, progress=bar.update)
    if not to_stdout:
        note(f"{written} article(s) written to {output}", quiet=quiet)


COMMANDS = [search, show, coverage, stats, sites, crawls, export]
