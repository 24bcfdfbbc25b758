"""The extractor's ``modified`` and ``paywalled`` fields travel to the WARC metadata record,
the database (migration 0005), ``reindex`` and ``export``."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import sqlalchemy as sa
from click.testing import CliRunner

from archive import Archive, extract
from archive.cli import main as cli
from archive.db.engine import make_engine
from archive.exchange import HttpExchange
from archive.query.dump import dump_tables
from archive.query.export import export, read_jsonl
from archive.warc import iter_records

SITES = [{"name": "Outlet", "url": "http://127.0.0.2:8001/"}]
AT = datetime(2025, 6, 2, 12, 0, tzinfo=timezone.utc)
PAGE = (
    '<html lang="en"><head><title>Tolls rise</title><script type="application/ld+json">'
    + json.dumps({"@type": "NewsArticle", "headline": "Tolls rise", "isAccessibleForFree": False,
                  "datePublished": "2025-06-01T08:00:00Z", "dateModified": "2025-06-02T09:30:00Z",
                  "author": {"@type": "Person", "name": "Ann Lee"}})
    + "</script></head><body><article><h1>Tolls rise</h1>"
    + "".join(f"<p>Point {i}: the bridge authority raised tolls by ten percent on Monday, citing repair costs.</p>"
              for i in range(5))
    + "</article></body></html>"
).encode()


def _exchange(url: str, body: bytes) -> HttpExchange:
    return HttpExchange(
        url=url, method="GET", request_headers=[], request_body=b"", protocol="HTTP/1.1", status=200,
        reason="OK", response_headers=[(b"Content-Type", b"text/html; charset=utf-8")], body=body,
        ip_address="127.0.0.2", fetched_at=AT,
    )


def test_modified_and_paywalled_reach_warc_database_reindex_and_export(tmp_path, sqlite_url):
    result = extract(PAGE, "http://127.0.0.2:8001/tolls", now=AT)
    assert result.is_article and result.paywalled
    assert result.modified == datetime(2025, 6, 2, 9, 30, tzinfo=timezone.utc)
    with Archive.open(tmp_path / "warcs", sqlite_url) as archive:
        session = archive.start_crawl(spider="topic", topic="tolls", sites=SITES, settings_digest="x")
        ref = session.write_response(_exchange("http://127.0.0.2:8001/tolls", PAGE))
        session.add_article(ref, result, [])
        session.close({})

    records = [r for path in sorted((tmp_path / "warcs").glob("*.warc.gz*")) for r in iter_records(path)]
    metadata = [m for m in (json.loads(r.payload) for r in records if r.rec_type == "metadata")
                if m.get("kind") == "article"]
    assert metadata and metadata[0]["paywalled"] is True
    assert metadata[0]["modified"] == "2025-06-02T09:30:00+00:00"

    out = tmp_path / "out.jsonl"
    engine = make_engine(sqlite_url)
    try:
        assert export(engine, out, "jsonl") == 1
    finally:
        engine.dispose()
    (row,) = read_jsonl(out)
    assert row["paywalled"] is True and row["modified"] == "2025-06-02T09:30:00+00:00"
    assert row["authors"] == ["Ann Lee"]

    rebuilt = f"sqlite:///{tmp_path / 'rebuilt.sqlite'}"
    run = CliRunner().invoke(cli, ["--dir", str(tmp_path / "warcs"), "--db", rebuilt, "reindex", "-q"])
    assert run.exit_code == 0, run.output
    engines = make_engine(sqlite_url), make_engine(rebuilt)
    try:
        live, again = (dump_tables(e)["articles"] for e in engines)
    finally:
        for e in engines:
            e.dispose()
    assert live == again


def test_migration_0005_adds_the_fields_to_existing_articles(db_url):
    from archive.db.engine import current_revision, head_revision, upgrade
    from archive.db.models import metadata as tables

    engine = make_engine(db_url)
    upgrade(engine, "0004")  # the revision before 0005
    with engine.connect() as conn:
        assert "paywalled" not in {c["name"] for c in sa.inspect(conn).get_columns("articles")}
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO articles (content_hash, title, authors, text, tags, first_seen, last_seen) "
            "VALUES ('" + "c" * 64 + "', 'Old', '[]', 'Old text.', '[]', '2024-01-01 00:00:00', '2024-01-01 00:00:00')"
        )
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        row = conn.execute(tables.tables["articles"].select()).one()
    assert row.paywalled is False and row.modified is None
    engine.dispose()
