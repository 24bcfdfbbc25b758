"""The shared output helpers: tables, JSON/CSV values, progress bars only on a terminal."""

import io
from datetime import datetime, timezone

import click
import pytest
from click.testing import CliRunner

from archive.cli import output


def test_table_fits_width_and_formats_cells():
    rows = [
        {"site": "The National Herald", "when": datetime(2025, 10, 31, 9, 5, tzinfo=timezone.utc),
         "n": 12345, "url": "http://example.test/" + "x" * 80, "tags": ["a", "b"]},
        {"site": "Wire", "when": None, "n": 3, "url": "http://example.test/", "tags": []},
    ]
    text = output.render_table(rows, ["site", "when", "n", "url", "tags"], width=70)
    lines = text.splitlines()
    assert all(len(line) <= 70 for line in lines)
    assert "2025-10-31 09:05" in lines[2] and "12,345" in lines[2] and "…" in lines[2]
    assert lines[0].split() == ["site", "when", "n", "url", "tags"]
    assert "a, b" in lines[2]
    full = output.render_table(rows, ["url"], width=None)
    assert "x" * 80 in full


def test_plain_values_for_json():
    from decimal import Decimal

    value = {"when": datetime(2025, 1, 2, tzinfo=timezone.utc), "size": Decimal("12"), "t": (1, 2)}
    assert output.plain(value) == {"when": "2025-01-02T00:00:00+00:00", "size": 12, "t": [1, 2]}


def test_emit_formats():
    @click.command()
    @output.output_options
    def cmd(output_format):
        output.emit([{"a": 1, "b": [1, 2]}, {"a": 2, "b": []}], output_format, columns=["a", "b"])

    runner = CliRunner()
    assert runner.invoke(cmd, []).output.splitlines()[0].split() == ["a", "b"]
    assert runner.invoke(cmd, ["--json"]).output.startswith("[\n  {\n    \"a\": 1")
    assert runner.invoke(cmd, ["--csv"]).output == 'a,b\n1,"[1, 2]"\n2,[]\n'


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_only_on_a_terminal(monkeypatch):
    monkeypatch.setattr("sys.stderr", io.StringIO())
    with output.progress_bar(10, desc="x") as bar:
        bar.update(5)
    assert isinstance(bar, output._Silent)
    tty = FakeTTY()
    monkeypatch.setattr("sys.stderr", tty)
    with output.progress_bar(10, desc="export", unit="article") as bar:
        bar.update(10)
    assert "10/10" in tty.getvalue() and "article" in tty.getvalue()
    with output.progress_bar(10, quiet=True) as bar:
        pass
    assert isinstance(bar, output._Silent)


def test_library_errors_become_messages():
    from archive.errors import RecordNotFound

    @click.command()
    def cmd():
        with output.library_errors():
            raise RecordNotFound("no article with content hash abc")

    result = CliRunner().invoke(cmd)
    assert result.exit_code == 1 and result.output == "Error: no article with content hash abc\n"


@pytest.mark.parametrize("color, expected", [(True, "a \x1b[1mb\x1b[22m"), (False, "a «b»")])
def test_highlight_marks(color, expected):
    assert output.highlighted("a «b»", color=color) == expected
