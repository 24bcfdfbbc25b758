"""Search ranking: matches in the title first, then by bm25 (SQLite) or ts_rank over title and lead
(PostgreSQL), ties to the newer article; scores shown to people in plain decimals."""

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from archive.cli import main
from archive.db.rows import ArticleRow
from archive.db.writer import IndexWriter as Index
from archive.query.search import format_score, search

T0 = datetime(2024, 5, 1, tzinfo=timezone.utc)
FILLER = "Council members discussed the budget for the coming year at length. " * 12  # ~800 chars


def add(engine, key: str, title: str, text: str, published: datetime | None = T0) -> None:
    with Index(engine) as index:
        index.add_article(
            ArticleRow(content_hash=key * 64, title=title, text=text, published=published,
                       first_seen=T0, last_seen=T0)
        )


def found(engine, query: str, **kw) -> list[str]:
    return [hit.content_hash[0] for hit in search(engine, query, **kw)]


def test_title_beats_lead_beats_a_mention_deep_in_the_text(engine):
    add(engine, "d", "Budget talks", FILLER + "A flood was mentioned in passing.")
    add(engine, "l", "Budget talks", "The flood reached the old town on Monday. " + FILLER)
    add(engine, "t", "Flood reaches the old town", FILLER)

    hits = found(engine, "flood")
    assert hits[0] == "t"
    if engine.dialect.name == "postgresql":
        # The ranking vector holds the title and the lead, where news names its subject.
        assert hits == ["t", "l", "d"]
    else:
        assert sorted(hits) == ["d", "l", "t"]


def test_every_tier_keeps_to_what_the_whole_query_asks(engine):
    # The first tiers are found by any one query word in the title (or lead); a query that
    # needs more (AND, NOT, a phrase beside a word) must still hold in the whole text.
    add(engine, "t", "Flood reaches the old town", "Water everywhere. " * 50)
    add(engine, "l", "Budget talks", "The flood reached the old town. " + FILLER)
    add(engine, "d", "Budget talks", FILLER + "A flood was mentioned in passing.")
    add(engine, "n", "Weather notes", "Rain and wind. " * 60)

    assert sorted(found(engine, "flood budget")) == ["d", "l"]  # t has no "budget" anywhere
    assert found(engine, "flood water") == ["t"]
    assert found(engine, "flood -passing") == ["t", "l"]  # the title tier first
    assert sorted(found(engine, "flood NOT water")) == ["d", "l"]
    assert found(engine, 'flood "in passing"') == ["d"]
    assert sorted(found(engine, "flood OR rain")) == ["d", "l", "n", "t"]


@pytest.mark.parametrize("query", ["flood", "flood budget", '"flood was mentioned"'])
def test_equal_ranks_put_the_newer_article_first(engine, query):
    for n, key in enumerate("abcde"):
        # Identical texts with the words past the lead: equal ranks, different dates.
        add(engine, key, "Budget talks", FILLER + "A flood was mentioned in passing " + key,
            published=T0 + timedelta(days=1 + (n * 3) % 5))
    add(engine, "x", "Budget talks", FILLER + "A flood was mentioned in passing x",
        published=None)  # undated: its first_seen (T0) stands in

    hits = found(engine, query)
    assert hits == ["d", "b", "e", "c", "a", "x"]  # published T0+5, +4, +3, +2, +1 days; then T0
    # Paging walks the same order.
    assert found(engine, query, limit=2) + found(engine, query, limit=2, offset=2) + \
        found(engine, query, limit=2, offset=4) == hits


def test_huge_title_and_text_still_index_and_rank(engine):
    # The ranking vector covers the whole title: a pathological one must not break inserts.
    title = " ".join(f"word{n}" for n in range(5000)) + " tsunami"
    add(engine, "h", title, "Tsunami warning. " + FILLER * 50)
    add(engine, "s", "Coastal news", FILLER + "tsunami")
    assert found(engine, "tsunami") == ["h", "s"]
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            size = conn.execute(sa.text(
                "SELECT pg_column_size(rank_vector) FROM articles WHERE content_hash = :h"),
                {"h": "s" * 64}).scalar_one()
        assert size < 1500  # the lead only, not the ~800-character filler's whole text


def test_one_query_word_in_the_title_or_lead_is_enough_to_rank_first(engine):
    # Both match "glacier tourism"; only the older one names a query word in its title.
    add(engine, "o", "Glacier melts early", FILLER + "Tourism suffered.", published=T0)
    add(engine, "n", "Budget talks", FILLER + "Glacier tourism suffered.",
        published=T0 + timedelta(days=30))
    assert found(engine, "glacier tourism") == ["o", "n"]


def test_paging_crosses_from_the_ranked_tier_to_the_newest_first_tier(engine):
    for n, key in enumerate("pqr"):  # the word in the lead: ranked first
        add(engine, key, "Budget talks", f"Drought {'and drought ' * n}hit farms. " + FILLER,
            published=T0 + timedelta(days=n))
    for n, key in enumerate("uvw"):  # the word only further down: newest first
        add(engine, key, "Budget talks", FILLER + "Drought was mentioned.",
            published=T0 + timedelta(days=10 + n))

    everything = found(engine, "drought", limit=50)
    assert sorted(everything) == list("pqruvw")
    if engine.dialect.name == "postgresql":
        assert set(everything[:3]) == set("pqr")
        assert everything[3:] == ["w", "v", "u"]
        scores = [hit.score for hit in search(engine, "drought", limit=50)]
        assert all(s > 0 for s in scores[:3]) and scores[3:] == [0.0, 0.0, 0.0]
    for size in (1, 2, 4):
        pages = [found(engine, "drought", limit=size, offset=start) for start in range(0, 6, size)]
        assert [key for page in pages for key in page] == everything, size
    assert found(engine, "drought", limit=5, offset=6) == []


def test_a_word_in_most_articles_still_orders_by_title_weight_frequency_then_date(engine):
    # "Hegseth" is in every article: SQLite's bm25 floors its idf at 1e-6, so the scores are
    # tiny, but the title still outweighs the text, more mentions outweigh fewer, and equal
    # scores go to the newer article.
    add(engine, "t", "Hegseth visits Delhi", "Talks on defence. " + FILLER)
    add(engine, "m", "Budget talks", "Hegseth spoke. Hegseth left. Hegseth returned. " + FILLER)
    add(engine, "o", "Budget talks", "Hegseth spoke once. " + FILLER, published=T0)
    add(engine, "n", "Budget talks", "Hegseth spoke once. " + FILLER, published=T0 + timedelta(1))
    hits = search(engine, "hegseth")
    assert [hit.content_hash[0] for hit in hits] == ["t", "m", "n", "o"]
    scores = [hit.score for hit in hits]  # per tier: the title match first, whatever its score
    assert scores[1] > scores[2] == scores[3] and min(scores) > 0

    result = CliRunner().invoke(main, ["--db", engine.url.render_as_string(hide_password=False),
                                       "search", "hegseth"])
    assert result.exit_code == 0, result.output
    shown = [line.split("score ")[1] for line in result.output.splitlines() if "score " in line]
    assert shown == [format_score(score) for score in scores]
    assert len(set(shown)) >= 3 and not any("e-" in score for score in shown)


@pytest.mark.parametrize(("score", "shown"), [
    (0.0, "0"), (1.9406575781876504e-06, "0.00000194"), (0.0608, "0.0608"), (5.3129, "5.31"),
    (123.456, "123"),
])
def test_scores_are_shown_with_three_significant_digits_in_plain_decimals(score, shown):
    assert format_score(score) == shown


def test_the_title_tier_is_found_through_the_title_index(engine):
    # PostgreSQL: search's title condition must be the expression of the GIN index of
    # migration 0006, or the planner reads every row. SQLite: FTS5's {title} filter.
    from archive.db.models import articles, title_vector
    from archive.query.fts import parse_query

    if engine.dialect.name != "postgresql":
        assert parse_query('flood "old town"').title_fts5() == '{title} : ("flood" OR "old town")'
        return
    in_title = title_vector.op("@@", is_comparison=True)(parse_query("flood").any_term_tsquery())
    stmt = sa.select(articles.c.id).where(in_title)
    with engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        sql = str(stmt.compile(conn, compile_kwargs={"literal_binds": True}))
        plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + sql))
    assert "Index Scan on ix_articles_title_vector" in plan, plan
