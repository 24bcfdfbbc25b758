"""`archive extract FILE... [--url URL] [--json]` through click's CliRunner."""

import json

import pytest
from click.testing import CliRunner

from archive.cli import main
from archive.cli.extract_cmd import extract as extract_command

PAGE = (
    "<html lang='en'><head><title>Ferry service resumes</title>"
    "<meta property='article:published_time' content='2025-10-30T08:00:00+00:00'>"
    "<meta name='author' content='Jane Doe'></head><body><nav><a href='/'>Home</a></nav><article>"
    "<h1>Ferry service resumes</h1>"
    + "".join(
        f"<p>Paragraph {i}: the harbour authority said crossings would run every hour from Monday, "
        "with extra sailings at weekends while repairs to the northern pier continue.</p>"
        for i in range(6)
    )
    + "<p>Share this article</p></article></body></html>"
)


@pytest.fixture
def page(tmp_path):
    path = tmp_path / "story.html"
    path.write_text(PAGE, encoding="utf-8")
    return path


def test_prints_clean_text(page):
    result = CliRunner().invoke(extract_command, [str(page), "--url", "https://example.com/ferry"])
    assert result.exit_code == 0, result.output
    assert "Paragraph 0: the harbour authority" in result.output
    assert "Share this article" not in result.output
    assert "Ferry service resumes" not in result.output  # the headline is metadata, not body


def test_json_has_all_fields(page):
    result = CliRunner().invoke(extract_command, [str(page), "--json", "--url", "https://example.com/ferry"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert record["title"] == "Ferry service resumes"
    assert record["authors"] == ["Jane Doe"]
    assert record["published"] == "2025-10-30T08:00:00+00:00"
    assert record["language"] == "en"
    assert record["canonical_url"] == "https://example.com/ferry"
    assert record["is_article"] is True and record["reason"] is None
    assert record["file"] == str(page)
    for key in ("text", "site_name", "description", "tags", "segments"):
        assert key in record


def test_registered_on_the_archive_group(page):
    result = CliRunner().invoke(main, ["extract", str(page)])
    assert result.exit_code == 0, result.output
    assert "harbour authority" in result.output


def test_missing_file_is_a_message_not_a_traceback(tmp_path):
    result = CliRunner().invoke(extract_command, [str(tmp_path / "nope.html")])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "nope.html" in result.output


@pytest.mark.parametrize("content, reason", [(b"", "empty"), (b"%PDF-1.4\n" + bytes(300), "binary")])
def test_bad_files_exit_non_zero_with_reason(tmp_path, content, reason):
    path = tmp_path / "bad.html"
    path.write_bytes(content)
    result = CliRunner().invoke(extract_command, [str(path)])
    assert result.exit_code == 1
    assert "not an article" in result.output and reason in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_several_files_one_bad(page, tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    result = CliRunner().invoke(extract_command, [str(page), str(bad)])
    assert result.exit_code == 1
    assert f"==> {page} <==" in result.output
    assert "harbour authority" in result.output
    assert "bad.html: not an article" in result.output


def test_directory_is_rejected(tmp_path):
    result = CliRunner().invoke(extract_command, [str(tmp_path)])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
