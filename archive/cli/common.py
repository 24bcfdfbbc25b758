"""Options and helpers shared by every `archive` command."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from archive import Archive

DEFAULT_DIR = "archive-data"


@dataclass
class ArchiveContext:
    directory: Path
    database_url: str | None  # None: the embedded SQLite file inside `directory`

    def open(self, *, upgrade: bool = False) -> Archive:
        """Open the archive, turning library errors into click messages."""
        from archive import Archive
        from archive.errors import ArchiveError

        try:
            return Archive.open(self.directory, self.database_url, upgrade=upgrade)
        except ArchiveError as exc:
            raise click.ClickException(str(exc)) from exc


def archive_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """`--dir` and `--db` on the group; stored on the click context object."""

    @click.option(
        "--dir",
        "directory",
        type=click.Path(file_okay=False, path_type=Path),
        default=lambda: os.environ.get("ARCHIVE_DIR", DEFAULT_DIR),
        show_default=f"$ARCHIVE_DIR or ./{DEFAULT_DIR}",
        help="Folder of WARC files (the default SQLite database lives inside it).",
    )
    @click.option(
        "--db",
        "database_url",
        default=lambda: os.environ.get("ARCHIVE_DATABASE_URL"),
        help="SQLAlchemy database URL (default: $ARCHIVE_DATABASE_URL, else SQLite in --dir).",
    )
    @click.pass_context
    def wrapper(
        ctx: click.Context, /, directory: Path, database_url: str | None, **kwargs: Any
    ) -> Any:
        ctx.obj = ArchiveContext(directory=directory, database_url=database_url or None)
        return ctx.invoke(func, **kwargs)

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


pass_archive = click.make_pass_decorator(ArchiveContext)
