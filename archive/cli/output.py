"""Output shared by every `archive` command: tables, --json, --csv, progress bars, error messages.

    @click.command()
    @output_options
    def sites(output_format): emit(rows, output_format, columns=[...])

Tables are for people (cells shortened to fit the terminal); ``--json`` and
``--csv`` are for scripts and carry every field in full. Progress bars (tqdm)
draw on stderr only when it is a terminal and ``--quiet`` was not given.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import json
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, TypeVar

import click

TABLE, JSON, CSV = "table", "json", "csv"
#: A click command callback (or one already wrapped by other option decorators).
F = TypeVar("F", bound=Callable[..., Any])
#: Marks the library puts around matched words (archive.query.search.HIGHLIGHT).
HIGHLIGHT = ("«", "»")


# --- options ---


def output_options(func: F) -> F:
    """``--json`` / ``--csv`` (default: a table), passed to the command as ``output_format``."""
    func = click.option(
        "--csv", "output_format", flag_value=CSV, help="Write CSV (header + one row per item)."
    )(func)
    func = click.option(
        "--json", "output_format", flag_value=JSON, help="Write JSON (every field, full values)."
    )(func)
    func = click.option(
        "--table", "output_format", flag_value=TABLE, default=True, hidden=True
    )(func)
    return func


def quiet_option(func: F) -> F:
    """``--quiet`` / ``-q``: no progress bar and no chatter on stderr."""
    return click.option(
        "-q", "--quiet", is_flag=True, help="No progress bar or progress messages."
    )(func)


# --- values ---


def plain(value: Any) -> Any:
    """A JSON-ready form of a value: dataclasses to dicts, datetimes to ISO 8601."""
    if hasattr(value, "as_dict"):
        return plain(value.as_dict())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return plain(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return value


def as_row(value: Any) -> dict[str, Any]:
    """A dict of an item's fields, values left as they are (for tables)."""
    if isinstance(value, dict):
        return value
    if hasattr(value, "as_dict"):
        row: dict[str, Any] = value.as_dict()
        return row
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    return dict(value)


def cell(value: Any) -> str:
    """A short human form of a value for a table cell."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, (list, tuple, set)):
        return ", ".join(cell(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={cell(v)}" for k, v in value.items())
    return " ".join(str(value).split())


def human_bytes(size: int | None) -> str:
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return str(size)  # pragma: no cover


def highlighted(text: str | None, *, color: bool | None = None) -> str:
    """Turn the library's «match» marks into bold on a colour terminal, or keep them."""
    text = text or ""
    if color is None:
        color = _stdout_is_tty()
    if not color:
        return text
    start, end = HIGHLIGHT
    return text.replace(start, "\x1b[1m").replace(end, "\x1b[22m")


# --- rendering ---


def terminal_width() -> int | None:
    """Columns of the terminal, or None (no limit) when stdout is not a terminal."""
    if not _stdout_is_tty():
        return None
    return shutil.get_terminal_size((120, 24)).columns


def render_table(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    *,
    headers: Sequence[str] | None = None,
    width: int | None = None,
    wrap: str | None = None,
) -> str:
    """A plain-text table. Cells are shortened (…) so the table fits ``width``; the widest
    columns give way first. ``wrap`` names a column shown in full on its own line below each row."""
    headers = list(headers or [c.replace("_", " ") for c in columns])
    cells = [[cell(row.get(c)) for c in columns] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    width = width or terminal_width()
    gap = 2
    while width and sum(widths) + gap * (len(widths) - 1) > width and max(widths) > 8:
        widest = widths.index(max(widths))
        widths[widest] -= 1

    def fit(text: str, size: int) -> str:
        return text if len(text) <= size else text[: max(size - 1, 0)] + "…"

    lines = [
        (" " * gap).join(h.ljust(w) for h, w in zip(headers, widths)).rstrip(),
        (" " * gap).join("-" * w for w in widths),
    ]
    for row, raw in zip(cells, rows):
        lines.append((" " * gap).join(fit(c, w).ljust(w) for c, w in zip(row, widths)).rstrip())
        if wrap and raw.get(wrap):
            lines.append("    " + str(raw[wrap]))
    return "\n".join(lines)


def render_record(record: dict[str, Any], *, keys: Sequence[str] | None = None) -> str:
    """``key: value`` lines for one object (stats, an article's metadata)."""
    keys = list(keys or record.keys())
    label = max((len(k) for k in keys), default=0)
    lines = []
    for key in keys:
        lines.append(f"{key.replace('_', ' ').ljust(label)}  {cell(record.get(key))}")
    return "\n".join(lines)


def emit(
    rows: Iterable[Any],
    output_format: str = TABLE,
    *,
    columns: Sequence[str] | None = None,
    headers: Sequence[str] | None = None,
    empty: str = "No results.",
    wrap: str | None = None,
) -> None:
    """Print rows (dicts or objects with ``as_dict``) as a table, JSON array or CSV.

    JSON and CSV carry every field; the table only ``columns``.
    """
    data = [as_row(r) for r in rows]
    if output_format == JSON:
        click.echo(json.dumps(plain(data), ensure_ascii=False, indent=2))
        return
    if output_format == CSV:
        fields = list(columns or [])
        for row in data:
            for key in row:
                if key not in fields:
                    fields.append(key)
        write_csv(data, fields, sys.stdout)
        return
    if not data:
        click.echo(empty, err=True)
        return
    columns = list(columns or data[0].keys())
    click.echo(render_table(data, columns, headers=headers, wrap=wrap))


def emit_record(record: Any, output_format: str = TABLE, *, keys: Sequence[str] | None = None) -> None:
    """Print one object: ``key  value`` lines, JSON object, or a one-row CSV."""
    data = as_row(record)
    if output_format == JSON:
        click.echo(json.dumps(plain(data), ensure_ascii=False, indent=2))
    elif output_format == CSV:
        write_csv([data], list(keys or data.keys()), sys.stdout)
    else:
        click.echo(render_record(data, keys=keys))


def write_csv(rows: Iterable[dict[str, Any]], fields: Sequence[str], stream: IO[str]) -> None:
    writer = csv.DictWriter(stream, fieldnames=list(fields), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_cell(row.get(k)) for k in fields})


def _csv_cell(value: Any) -> Any:
    value = plain(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


# --- progress ---


class _Silent:
    """Stands in for a progress bar when there is no terminal to draw on."""

    def update(self, n: int = 1) -> None:
        pass

    def set_postfix_str(self, text: str) -> None:
        pass


def _stdout_is_tty() -> bool:
    return sys.stdout.isatty()


def progress_enabled(quiet: bool = False, stream: IO[str] | None = None) -> bool:
    stream = stream or sys.stderr
    return not quiet and hasattr(stream, "isatty") and stream.isatty()


@contextlib.contextmanager
def progress_bar(
    total: int | None = None,
    *,
    desc: str = "",
    unit: str = "it",
    unit_scale: bool = False,
    quiet: bool = False,
) -> Iterator[Any]:
    """A tqdm bar on stderr (count, rate, time left when ``total`` is known), or a silent stand-in
    when ``quiet`` or stderr is not a terminal. Use ``bar.update(n)``."""
    if not progress_enabled(quiet):
        yield _Silent()
        return
    from tqdm import tqdm

    with tqdm(
        total=total, desc=desc, unit=unit, unit_scale=unit_scale, file=sys.stderr,
        dynamic_ncols=True, leave=True,
    ) as bar:
        yield bar


def note(message: str, *, quiet: bool = False) -> None:
    """A progress message on stderr (suppressed by --quiet)."""
    if not quiet:
        click.echo(message, err=True)


# --- errors ---


@contextlib.contextmanager
def library_errors() -> Iterator[None]:
    """Turn archive library errors into a one-line message and exit status 1."""
    from sqlalchemy.exc import DBAPIError

    from archive.errors import ArchiveError

    try:
        yield
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from exc
    except DBAPIError as exc:  # the database went away or refused: one line, not a traceback
        reason = " ".join(str(exc.orig if exc.orig is not None else exc).split())
        raise click.ClickException(f"database error: {reason}") from exc
