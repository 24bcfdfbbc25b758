"""`archive serve` over HTTP (Starlette's TestClient), on SQLite and PostgreSQL: every page,
bad input as 4xx pages, a hostile article shown as text, read-only connections, a missing
or locked database; and `archive report` as one self-contained file."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner
from query_archive import TOPIC, built_archive, page
from starlette.testclient import TestClient

from archive.cli import main as cli

HOSTILE_TITLE = 'Hostile <script>alert("title")</script> page'
HOSTILE_LINES = [
    "This paragraph carries <script>alert('pwned')</script> as text and an image "
    "<img src=x onerror=alert(1)> that must never load, in a story about hostile markup.",
    'A link <a href="javascript:alert(2)">click me</a> and a quote " and an ampersand & more words '
    "so that the extractor keeps the paragraph as article text for the hostile test.",
    "Closing tags </textarea></title></style> and a marker \ue000 must stay inert text as well, "
    "whatever the archived page said about itself or its readers.",
]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def built(request, tmp_path_factory):
    for value in built_archive(request, tmp_path_factory):
        _add_hostile(value)
        yield value


def _add_hostile(built) -> None:
    from query_archive import _exchange

    from archive import Archive, extract

    url = "http://evil.test/news/hostile"
    sites = [{"name": "Evil <b>Outlet</b>", "url": "http://evil.test/"}]
    html_page = page("Evil <b>Outlet</b>", HOSTILE_TITLE,
                     datetime(2025, 11, 3, 8, 0, tzinfo=timezone.utc), HOSTILE_LINES,
                     canonical="javascript:alert(3)")
    with Archive.open(built.directory, built.database_url) as arch:
        session = arch.start_crawl(spider="topic", topic=TOPIC, sites=sites)
        ref = session.write_response(_exchange(url, html_page,
                                               datetime(2025, 11, 3, 9, 0, tzinfo=timezone.utc)))
        result = extract(html_page, url)
        assert "<script>alert('pwned')</script>" in result.text
        built.expected.texts["hostile"] = session.add_article(ref, result)
        session.close({})


@pytest.fixture(scope="module")
def client(built):
    from archive.db.engine import default_database_url, make_engine
    from archive.serve import create_app

    engine = make_engine(built.database_url or default_database_url(built.directory))
    with TestClient(create_app(engine, replay_base="http://localhost:8099/archive")) as c:
        yield c
    engine.dispose()


def _ok(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.text[-500:])
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def test_search_highlights_pages_and_filters(client, built):
    html = _ok(client, "/?q=Hegseth+framework")
    assert html.count('class="hit"') == 6
    assert "<mark>framework</mark>" in html
    assert _ok(client, "/?q=Hegseth&site=Market+Wire").count('class="hit"') == 1
    assert 'class="hit"' not in _ok(client, "/?q=defence&since=2025-11-05")
    # paging: six hits at page size 20 -> page 2 is empty but valid
    assert "No articles match" in _ok(client, "/?q=Hegseth+framework&page=2")
    first = _ok(client, "/")
    assert "Search titles and text" in first and 'href="/static/style.css"' in first
    assert "http://" not in re.sub(r'(href|src)="http://localhost:8099[^"]*"', "", first.split("<main>")[0])


def test_article_page_with_captures_versions_diff_and_replay(client, built):
    exp = built.expected
    html = _ok(client, f"/article/{exp.updated_hash}")
    assert "Update (November 2, 2025)" in html
    assert 'class="diff"' in html and "diff_add" in html  # side-by-side diff of the versions
    assert 'href="http://localhost:8099/archive/20251102060000/http://herald.test/national/' in html
    assert re.search(r'id="story-link" href="/story/\d+"', html)
    syndicated = _ok(client, f"/article/{exp.seed_hashes['001_4d898108dbfcd6f6']}")
    assert "Pacific Wire" in syndicated and "The Global Courier" in syndicated
    assert _ok(client, f"/article/{exp.updated_hash[:10]}")  # a unique prefix works


def test_stories_story_and_topic_pages(client, built):
    exp = built.expected
    stories = _ok(client, "/stories")
    ids = re.findall(r'href="/story/(\d+)"', stories)
    assert len(ids) == 1
    story = _ok(client, f"/story/{ids[0]}")
    for site in exp.seed_sites.values():
        assert site in story
    assert "First published by <strong>Valley Republic</strong>" in story
    assert "near-duplicate" in story and "Timeline" in story
    topic = _ok(client, "/topic?q=" + TOPIC.replace(" ", "+"))
    assert "<svg" in topic and topic.count("<circle") >= 6
    assert "matched to the crawl topic" in topic
    firsts = topic.split("Who published first")[1].split("</table>")[0]
    assert firsts.index("Valley Republic") < firsts.index("Market Wire")
    search_topic = _ok(client, "/topic?q=Hegseth")
    assert "matching the search" in search_topic
    assert "Name a topic" in _ok(client, "/topic")


@pytest.mark.parametrize("url, status, words", [
    ("/?q=x&page=0", 400, "page must be"),
    ("/?q=x&page=abc", 400, "page must be"),
    ("/?q=x&since=yesterday", 400, "cannot read the date"),
    ("/?q=x&since=2025-11-02&until=2025-11-01", 400, "not before"),
    ("/?q=" + "x" * 600, 400, "too long"),
    ("/stories?page=-1", 400, "page must be"),
    ("/article/not-a-hash", 400, "content hash"),
    ("/article/abcdef", 404, "no article"),
    ("/story/987654", 404, "no story"),
    ("/story/abc", 404, "Not Found"),
    ("/story/99999999999999999999999", 404, "no story"),
    ("/nowhere", 404, "Not Found"),
])
def test_bad_input_gives_clear_4xx_pages(client, url, status, words):
    response = client.get(url)
    assert response.status_code == status, (url, response.text[-300:])
    assert words in response.text
    assert "Traceback" not in response.text


def test_hostile_article_is_shown_as_text_everywhere(client, built):
    hostile = built.expected.texts["hostile"]
    pages = [f"/article/{hostile}", "/?q=pwned", "/?q=hostile+markup", "/topic?q=hostile",
             "/stories?q=hostile", "/?q=Evil&site=Evil+<b>Outlet</b>"]
    for url in pages:
        html = _ok(client, url)
        body = html.split("<main>", 1)[1]
        assert "<script" not in body, url
        assert "<img" not in body and "onerror=alert" not in body.replace("onerror=alert(1)&gt;", ""), url
        assert 'href="javascript:' not in html.lower(), url
        assert "</textarea></title>" not in body, url
        assert "<b>Outlet</b>" not in body, url
        assert "\ue000" not in body, url
    article = _ok(client, f"/article/{hostile}")
    assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in article
    assert "Evil &lt;b&gt;Outlet&lt;/b&gt;" in article
    assert "http://evil.test/news/hostile" in article
    # (PostgreSQL's text-search parser reads "<script>...</script>" as tags and does not index
    # the words inside them, so highlighting is checked on a word outside the markup.)
    assert "<mark>markup</mark>" in _ok(client, "/?q=markup")


def test_connections_are_read_only(client):
    import sqlalchemy as sa

    engine = client.app.state.engine
    with pytest.raises(sa.exc.DBAPIError):
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM topics"))


def test_missing_or_broken_database_gives_one_clear_message(tmp_path, built):
    missing = CliRunner().invoke(cli, ["--dir", str(tmp_path / "none"), "serve"])
    assert missing.exit_code == 1 and "no archive in" in missing.output
    unreachable = CliRunner().invoke(cli, ["--db", "postgresql://nobody@127.0.0.1:1/none", "serve"])
    assert unreachable.exit_code == 1 and "Traceback" not in unreachable.output
    assert "127.0.0.1" in unreachable.output
    if built.engine_name != "sqlite":
        return
    import shutil

    from archive.db.engine import make_engine
    from archive.serve import create_app

    copy = tmp_path / "copy.sqlite"
    shutil.copy(built.directory / "archive.sqlite", copy)
    engine = make_engine(f"sqlite:///{copy}")
    with TestClient(create_app(engine)) as c:
        assert c.get("/?q=defence").status_code == 200
        engine.dispose()
        copy.write_bytes(b"this is not a database" * 100)  # broken (or replaced) under the server
        response = c.get("/?q=defence")
    engine.dispose()
    assert response.status_code == 503
    assert "archive database is not available" in response.text and "Traceback" not in response.text


def test_report_is_one_self_contained_file(built, tmp_path):
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, [*built.cli_args(), "report", "--topic", TOPIC, "-o", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "<style>" in html and "<svg" in html and "Who published first" in html
    assert not re.search(r'<(link|script|img)\b', html)
    assert 'href="/' not in html  # no links back into a server
    assert "Valley Republic" in html
    bad = CliRunner().invoke(cli, [*built.cli_args(), "report", "--topic", "x", "--since", "nope",
                                   "-o", str(out)])
    assert bad.exit_code != 0 and "Traceback" not in bad.output
