"""`archive extract FILE...`: clean text and metadata of saved pages (no archive needed)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from archive.extract import MAX_INPUT_BYTES
from archive.extract import extract as extract_page


@click.command("extract")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--url", help="The address the page was fetched from (resolves relative links, dates).")
@click.option("--json", "as_json", is_flag=True, help="Print every field as JSON (one object per line).")
def extract(files: tuple[Path, ...], url: str | None, as_json: bool) -> None:
    """Print the clean article text of saved HTML pages.

    Pages that are not articles (empty, binary, index pages ...) are reported with
    the reason and make the command exit with status 1.

    \b
    Example:
      archive extract saved/story.html --url https://example.com/news/story
      archive extract saved/*.html --json | jq .title
    """
    failures = 0
    for number, path in enumerate(files):
        try:
            if path.stat().st_size > MAX_INPUT_BYTES:
                raise click.ClickException(f"{path}: file too large ({path.stat().st_size} bytes)")
            data = path.read_bytes()
        except OSError as exc:
            click.echo(f"Error: {path}: {exc.strerror or exc}", err=True)
            failures += 1
            continue
        except click.ClickException as exc:
            click.echo(f"Error: {exc.message}", err=True)
            failures += 1
            continue
        result = extract_page(data, url)
        if as_json:
            record = {"file": str(path), **result.as_dict()}
            click.echo(json.dumps(record, ensure_ascii=False))
        elif result.is_article:
            if len(files) > 1:
                click.echo(("\n" if number else "") + f"==> {path} <==")
            click.echo(result.text)
        if not result.is_article:
            click.echo(f"Error: {path}: not an article ({result.reason})", err=True)
            failures += 1
    if failures:
        raise SystemExit(1)


COMMANDS = [extract]
