"""Full-text search over article titles and text, ranked, with highlighted snippets.

Both engines rank in tiers, so that a common word (in the text of a third of the
articles) costs no more than the few thousand articles that carry it in their
title: tier 1 is the matches whose title holds one of the query's words or
phrases, where news names its subject; later tiers are read only when tier 1
does not fill the page.

SQLite uses the FTS5 table ``articles_fts``: tier 1 adds FTS5's ``{title} :``
filter to the match, tier 2 is the other matches; each is ordered by bm25 with
column weights (TITLE_WEIGHT, TEXT_WEIGHT), then the newer article, and makes
snippets with snippet()/highlight(). PostgreSQL matches with ``search_vector``;
tier 1 comes from the GIN index on the title's tsvector (``title_vector``),
tier 2 is the other matches whose lead holds a query word (``rank_vector``, the
title and the text's first 600 characters), both ranked by ts_rank over
rank_vector, then the newer article; tier 3 is the rest, newest first; snippets
come from ts_headline. Both take the same query language (see
``archive.query.fts``) and the same filters. The page of hits is chosen first;
snippets are made only for that page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from archive.db.models import (
    articles,
    captures,
    fts_table,
    rank_vector,
    search_vector,
    title_vector,
)
from archive.query.filters import Filters, text_problem
from archive.query.fts import ParsedQuery, QuerySyntaxError, parse_query, pg_ts_config
from archive.query.source import connection

#: Marks around matched words in titles and snippets.
HIGHLIGHT = ("«", "»")
ELLIPSIS = "…"
SNIPPET_WORDS = 32
#: bm25 column weights on SQLite (title, text). The title ranks by tier (matches with a query
#: word in the title first), so within a tier the text decides; the small title weight only
#: keeps a title-only match above zero and favours titles holding more of the query. Measured
#: with bench/bench_search.py at 200,000 articles, precision@20 of common words: title weight
#: 10 gave 0.34, 1 gave 0.51, 0.1 gave 0.89, 0.02 gave 0.93 (story words: 0.92 -> 1.0): a
#: heavy title weight ranked the title matches by headline length. PostgreSQL weighs title A,
#: lead B.
TITLE_WEIGHT, TEXT_WEIGHT = 0.02, 1.0
MAX_LIMIT = 10_000
#: The largest offset taken: offset + limit must stay a 64-bit SQL integer.
MAX_OFFSET = 10**12
#: Significant digits kept in SearchHit.score. (Rounding to decimal places made every
#: score of a common word 2e-06 on SQLite, whose bm25 floors the idf of a word found in
#: more than half of the articles at 1e-6: the scores differ in their later digits.)
SCORE_DIGITS = 4


def format_score(score: float) -> str:
    """A score for people: three significant digits, never in scientific notation."""
    if score == 0:
        return "0"
    places = max(0, 2 - math.floor(math.log10(abs(score))))
    return f"{score:.{places}f}"


@dataclass
class SearchHit:
    """One matching article. ``score`` is higher for better matches (engine-specific scale:
    bm25 on SQLite, ts_rank on PostgreSQL; 0 for matches ranked by date only)."""

    content_hash: str
    title: str | None
    title_highlighted: str | None
    snippet: str
    score: float
    published: datetime | None
    first_seen: datetime
    language: str | None
    first_site: str | None
    first_url: str | None
    sites: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def search(
    source: Any,
    query: str | ParsedQuery,
    filters: Filters | None = None,
    *,
    limit: int = 20,
    offset: int = 0,
    highlight: tuple[str, str] = HIGHLIGHT,
) -> list[SearchHit]:
    """The best ``limit`` articles matching ``query`` (after ``offset``), best first.

    Raises QuerySyntaxError for a query that cannot be understood.
    """
    parsed = checked_query(query)
    filters = filters or Filters()
    if limit < 1 or limit > MAX_LIMIT:
        raise QuerySyntaxError(f"limit must be between 1 and {MAX_LIMIT}")
    if offset < 0 or offset > MAX_OFFSET:
        raise QuerySyntaxError(f"offset must be between 0 and {MAX_OFFSET}")
    with connection(source) as conn:
        if conn.dialect.name == "sqlite":
            hits = _search_sqlite(conn, parsed, filters, limit, offset, highlight)
        elif conn.dialect.name == "postgresql":
            hits = _search_postgresql(conn, parsed, filters, limit, offset, highlight)
        else:  # pragma: no cover - the archive supports exactly these two
            raise QuerySyntaxError(f"full-text search is not available on {conn.dialect.name}")
        _attach_sites(conn, hits)
    return hits


def checked_query(query: str | ParsedQuery) -> ParsedQuery:
    """The parsed query, refused with QuerySyntaxError when the database could not take its text.

    Checked here rather than left to the driver: PostgreSQL refuses a NUL inside a
    parameter with a driver error, and SQLite would search for it.
    """
    if isinstance(query, ParsedQuery):
        texts = [term.text for term in (*query.terms, *query.excluded)]
    elif isinstance(query, str):
        texts = [query]
    else:
        raise QuerySyntaxError(f"the search query must be text, not {type(query).__name__}")
    for text in texts:
        problem = text_problem(text)
        if problem:
            raise QuerySyntaxError(f"the search query {problem}")
    return query if isinstance(query, ParsedQuery) else parse_query(query)


def count(source: Any, query: str | ParsedQuery | None, filters: Filters | None = None) -> int:
    """How many articles match (the query may be None: filters only)."""
    with connection(source) as conn:
        stmt = sa.select(sa.func.count()).select_from(articles).where(
            *matching_conditions(conn, query, filters or Filters())
        )
        return conn.execute(stmt).scalar_one()


def matching_conditions(
    conn: sa.Connection, query: str | ParsedQuery | None, filters: Filters
) -> list[sa.ColumnElement[bool]]:
    """WHERE conditions on ``articles`` for an optional query plus filters (export, count)."""
    where = filters.conditions(conn)
    if query is None or (isinstance(query, str) and not query.strip()):
        return where
    parsed = checked_query(query)
    if conn.dialect.name == "sqlite":
        matched = (
            sa.select(fts_table.c.rowid)
            .where(sa.literal_column("articles_fts").op("MATCH")(parsed.fts5()))
            .scalar_subquery()
        )
        where.append(articles.c.id.in_(matched))
    else:
        where.append(search_vector.op("@@")(parsed.tsquery()))
    return where


_HIT_COLUMNS = (
    articles.c.id,
    articles.c.content_hash,
    articles.c.title,
    articles.c.published,
    articles.c.first_seen,
    articles.c.language,
    articles.c.first_site,
    articles.c.first_url,
)


def _search_sqlite(
    conn: sa.Connection, parsed: ParsedQuery, filters: Filters, limit: int, offset: int,
    highlight: tuple[str, str],
) -> list[SearchHit]:
    """Matches by FTS5; ranked in two tiers by bm25 with column weights, newer first on ties.

    Tier 1: matches whose title holds one of the query's words or phrases (FTS5's
    ``{title} :`` column filter, added to the match expression). Tier 2: the other
    matches. Each tier is ordered by bm25 (title weighted TITLE_WEIGHT, text TEXT_WEIGHT),
    then by recency (published, else first seen), then by id; scores restart in each tier.
    bm25 is computed only for the rows of one tier, and tier 2 is read only when tier 1
    does not fill the page: a common word's title matches are a few thousand, its text
    matches hundreds of thousands. (FTS5 still reads the word's whole doclist to apply the
    title filter, but not the per-row sizes that bm25 needs.)
    """
    fts: sa.ColumnElement[Any] = sa.literal_column("articles_fts")
    rank = sa.func.bm25(fts, TITLE_WEIGHT, TEXT_WEIGHT)
    recency = sa.func.coalesce(articles.c.published, articles.c.first_seen)
    conditions = filters.conditions(conn)
    expression = parsed.fts5()
    in_title = parsed.title_fts5()
    tiers = (f"{in_title} AND ({expression})", f"({expression}) NOT {in_title}")
    wanted = offset + limit
    ranked: list[tuple[int, float]] = []
    for tier in tiers:
        if len(ranked) >= wanted:
            break
        page = (
            sa.select(fts_table.c.rowid.label("id"), rank.label("rank"))
            .select_from(fts_table.join(articles, articles.c.id == fts_table.c.rowid))
            .where(fts.op("MATCH")(sa.bindparam("fts_query", tier)), *conditions)
            .order_by(rank, recency.desc(), articles.c.id.desc())
            .limit(wanted - len(ranked))
        )
        ranked += [(row.id, -row.rank) for row in conn.execute(page)]
    ranks = dict(ranked[offset:])
    if not ranks:
        return []
    # Snippets and highlights for that page only.
    start, end = highlight
    match = fts.op("MATCH")(sa.bindparam("fts_query", expression))
    details = (
        sa.select(
            *_HIT_COLUMNS,
            sa.func.highlight(fts, 0, start, end).label("title_highlighted"),
            sa.func.snippet(fts, 1, start, end, ELLIPSIS, SNIPPET_WORDS).label("snippet"),
        )
        .select_from(fts_table.join(articles, articles.c.id == fts_table.c.rowid))
        .where(match, fts_table.c.rowid.in_(list(ranks)))
    )
    rows = {row.id: row for row in conn.execute(details)}
    return [_hit(rows[i], ranks[i]) for i in ranks if i in rows]


def _search_postgresql(
    conn: sa.Connection, parsed: ParsedQuery, filters: Filters, limit: int, offset: int,
    highlight: tuple[str, str],
) -> list[SearchHit]:
    """Matches by ``search_vector``; ranked in three tiers, so that no TOASTed vector is read.

    Tier 1: matches whose title holds one of the query's words or phrases (found through
    the GIN index on ``title_vector``). Tier 2: the other matches whose lead holds one
    (``rank_vector``: the title and the text's first 600 characters, GIN-indexed). Both
    ordered by ts_rank over rank_vector. Tier 3: every other match, newest first. Ties go
    to the newer article. A tier is read only when the ones before it do not fill the
    page: a common word is in the title of a few thousand articles of a million but in
    the lead of tens of thousands, and ranking those cost 250 ms. (ts_rank over the full
    search_vector had to detoast the vector of every match: five and more pages per row.)
    """
    # JIT compilation costs more than it saves on a ranked top-N query: off for this transaction.
    conn.exec_driver_sql("SET LOCAL jit = off")
    tsquery = parsed.tsquery()
    any_term = parsed.any_term_tsquery()
    # ts_rank, not ts_rank_cd: cover density is ~3x slower per match and ranks news no better.
    # Ranked with the OR of the terms, each term scores by where it occurs (title A, lead B)
    # and the scores are averaged: more of the query in the title and lead ranks higher.
    rank = sa.func.ts_rank(rank_vector, any_term, 1)
    recency = sa.func.coalesce(articles.c.published, articles.c.first_seen)
    matches = search_vector.op("@@")(tsquery)
    in_title = title_vector.op("@@", is_comparison=True)(any_term)
    in_lead = rank_vector.op("@@", is_comparison=True)(any_term)
    # A query of one OR-clause without exclusions matches wherever one of its terms is in
    # the title or lead: tiers 1 and 2 then need not read search_vector (TOASTed) at all.
    also = [] if parsed.implied_by_any_term else [matches]
    conditions = filters.conditions(conn)
    unranked = sa.literal(0.0)
    tiers = (
        ([in_title, *also], rank),
        ([in_lead, sa.not_(in_title), *also], rank),
        ([matches, sa.not_(in_lead)], unranked),
    )
    wanted = offset + limit
    ranked: list[tuple[int, float]] = []
    for where, score in tiers:
        if len(ranked) >= wanted:
            break
        order = [recency.desc(), articles.c.id.desc()]
        if score is not unranked:
            order.insert(0, score.desc())
        stmt = (
            sa.select(articles.c.id, score.label("rank"))
            .where(*conditions, *where)
            .order_by(*order)
            .limit(wanted - len(ranked))
        )
        ranked += [(row.id, float(row.rank)) for row in conn.execute(stmt)]
    ranks = dict(ranked[offset:])
    if not ranks:
        return []
    # Snippets and highlights for that page only.
    start, end = highlight
    config = pg_ts_config()
    options = (
        f"StartSel={start}, StopSel={end}, MaxWords={SNIPPET_WORDS}, MinWords=12, "
        f'MaxFragments=2, FragmentDelimiter=" {ELLIPSIS} "'
    )
    details = sa.select(
        *_HIT_COLUMNS,
        sa.func.ts_headline(config, sa.func.coalesce(articles.c.title, ""), tsquery,
                            "HighlightAll=true, " + f"StartSel={start}, StopSel={end}")
        .label("title_highlighted"),
        sa.func.ts_headline(config, articles.c.text, tsquery, options).label("snippet"),
    ).where(articles.c.id.in_(list(ranks)))
    rows = {row.id: row for row in conn.execute(details)}
    return [_hit(rows[i], ranks[i]) for i in ranks if i in rows]


def _hit(row: sa.Row[*tuple[Any, ...]], score: float) -> SearchHit:
    return SearchHit(
        content_hash=row.content_hash,
        title=row.title,
        title_highlighted=row.title_highlighted if row.title else row.title,
        snippet=" ".join((row.snippet or "").split()),
        score=float(f"{score:.{SCORE_DIGITS}g}"),
        published=row.published,
        first_seen=row.first_seen,
        language=row.language,
        first_site=row.first_site,
        first_url=row.first_url,
    )


def _attach_sites(conn: sa.Connection, hits: list[SearchHit]) -> None:
    if not hits:
        return
    stmt = (
        sa.select(captures.c.content_hash, captures.c.site)
        .where(captures.c.content_hash.in_([h.content_hash for h in hits]))
        .where(captures.c.site.is_not(None))
        .distinct()
        .order_by(captures.c.content_hash, captures.c.site)
    )
    sites: dict[str, list[str]] = {}
    for row in conn.execute(stmt):
        sites.setdefault(row.content_hash, []).append(row.site)
    for hit in hits:
        hit.sites = sites.get(hit.content_hash, [])
