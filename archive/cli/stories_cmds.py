"""`archive stories | story`: the stories across outlets (archive.stories)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from archive.cli.common import ArchiveContext, pass_archive
from archive.cli.output import JSON, TABLE, emit, emit_record, library_errors, note, output_options
from archive.cli.query_cmds import filter_options, opened, upgrade_option

if TYPE_CHECKING:
    from archive.query.filters import Filters


@click.command()
@filter_options
@click.option("--query", "-q", "text_query", metavar="Q",
              help="Only stories with a member matching this full-text query (search syntax).")
@click.option("--min-articles", default=2, show_default=True, type=click.IntRange(1),
              help="Only stories with at least this many articles.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
@click.option("--offset", default=0, show_default=True, type=click.IntRange(0))
@click.option("--update", is_flag=True,
              help="First link the articles not yet in a story (after an upgrade, or a crawl "
                   "that stopped before it closed).")
@click.option("--rebuild", is_flag=True,
              help="First forget every story and link every article again.")
@output_options
@upgrade_option
@pass_archive
def stories(
    archive_ctx: ArchiveContext, filters: Filters, text_query: str | None, min_articles: int,
    limit: int, offset: int, update: bool, rebuild: bool, output_format: str,
) -> None:
    """Stories: articles about one event across outlets, newest first.

    A story groups near-duplicates (edited or syndicated copies) and other
    outlets' write-ups of the same event (see `python -m pydoc archive.stories`).
    Filters select stories with at least one matching article.

    \b
    Examples:
      archive stories --topic "India US defence framework"
      archive stories -q '"defence framework"' --since 2025-10-01 --json
      archive stories --site "The Hindu" --csv
    """
    from archive.query.source import engine_of
    from archive.stories import read
    from archive.stories.build import StoryBuilder, clear_stories

    with opened(archive_ctx) as arch:
        if rebuild:
            with engine_of(arch).begin() as conn:
                clear_stories(conn)
        if update or rebuild:
            done = StoryBuilder().update(arch)
            note(f"{done.articles} article(s) linked: {done.near_duplicates} near-duplicate and "
                 f"{done.same_story} same-story link(s)")
        found = read.stories(arch, filters, query=text_query, min_articles=min_articles,
                             limit=limit, offset=offset)
    if output_format != TABLE:
        emit(found, output_format)
        return
    if not found:
        click.echo("No stories.", err=True)
        return
    emit(
        [{**s.as_dict(), "when": s.first_published or s.first_seen,
          "outlet_count": len(s.outlets), "first": s.earliest_publisher or ""} for s in found],
        columns=["story_id", "when", "articles", "outlet_count", "first", "title"],
        headers=["story", "first published", "articles", "outlets", "first outlet", "title"],
    )


@click.command()
@click.argument("ref", metavar="ID|HASH|URL")
@click.option("--diff/--no-diff", default=True, show_default=True,
              help="Print diffs between versions (near-duplicates, texts of one URL).")
@output_options
@upgrade_option
@pass_archive
def story(archive_ctx: ArchiveContext, ref: str, diff: bool, output_format: str) -> None:
    """One story: its outlets, members, who was first, timeline and diffs.

    ID|HASH|URL is a story id (from `archive stories`), or an article's content
    hash (prefix) or URL: the story it belongs to.

    \b
    Examples:
      archive story 12
      archive story 3f5a9c0e1b2d --no-diff
      archive story 12 --json
    """
    from archive.stories import read

    with opened(archive_ctx) as arch:
        with library_errors():
            story_id = int(ref) if ref.isdigit() and len(ref) < 12 else read.story_of(arch, ref)
            view = read.story(arch, story_id, diffs=diff)
    if output_format == JSON:
        emit_record(view, JSON)
        return
    if output_format != TABLE:
        emit(view.members, output_format)
        return
    echo = click.echo
    s = view.summary
    echo(click.style(f"Story {s.story_id}: {s.title or '(untitled)'}", bold=True))
    emit_record({
        "articles": s.articles,
        "outlets": s.outlets,
        "first published": s.first_published,
        "first seen": s.first_seen,
        "earliest publisher": s.earliest_publisher,
        "earliest url": s.earliest_url,
    })
    echo("\n" + click.style("Members (oldest first)", bold=True))
    emit(
        [{**m.as_dict(), "hash": m.content_hash[:12], "when": m.when, "sites": ", ".join(m.sites)}
         for m in view.members],
        columns=["when", "hash", "sites", "title"],
        headers=["published/seen", "hash", "sites", "title"],
    )
    if view.links:
        echo("\n" + click.style("Links", bold=True))
        emit(
            [{**link.as_dict(), "a": link.content_hash[:12], "b": link.other_hash[:12]}
             for link in view.links],
            columns=["a", "b", "kind", "text_similarity", "term_similarity"],
            headers=["article", "linked to", "kind", "text sim.", "term sim."],
        )
    echo("\n" + click.style("Timeline", bold=True))
    emit(
        [{**e.as_dict(), "hash": e.content_hash[:12]} for e in view.timeline],
        columns=["when", "event", "site", "hash", "url"],
    )
    if diff:
        for d in view.diffs:
            echo("\n" + click.style(f"Diff ({d['kind']}) {d['from_hash'][:12]} -> "
                                    f"{d['to_hash'][:12]}", bold=True))
            echo(d["diff"] or "(no change in the text)")


COMMANDS = [stories, story]
