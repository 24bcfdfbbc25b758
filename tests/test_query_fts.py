"""The search query language: what people type becomes a safe FTS5 / tsquery expression."""

import pytest
from sqlalchemy.dialects import postgresql

from archive.query.fts import QuerySyntaxError, Term, parse_query


def test_words_are_anded_and_quoted():
    assert parse_query("india defence").fts5() == '"india" AND "defence"'


def test_phrases_or_and_exclusions():
    parsed = parse_query('"defence framework" OR treaty -trump NOT "tariff war"')
    assert parsed.clauses == ((Term("defence framework", True), Term("treaty")),)
    assert parsed.excluded == (Term("trump"), Term("tariff war", True))
    assert parsed.fts5() == '(("defence framework" OR "treaty")) NOT "trump" NOT "tariff war"'


@pytest.mark.parametrize(
    "query, expected",
    [
        ("NEAR(a b)", '"NEAR(a" AND "b)"'),
        ("title:secret", '"title:secret"'),
        ("foo* ^bar", '"foo*" AND "^bar"'),
        ("a AND b", '"a" AND "b"'),
        ("x OR", '"x"'),
        ("OR x", '"x"'),
        ("'; DROP TABLE articles; --", '"DROP" AND "TABLE" AND "articles;"'),
        ('say""hello', '"say""""hello"'),
    ],
)
def test_operators_and_sql_are_text(query, expected):
    assert parse_query(query).fts5() == expected


@pytest.mark.parametrize(
    "query, message",
    [
        ('"defence framework', "unbalanced double quote"),
        ("", "empty"),
        ("   ", "empty"),
        ("-trump", "only excludes"),
        ("NOT trump", "only excludes"),
        ("!!! ---", "nothing to search for"),
    ],
)
def test_bad_queries_have_clear_messages(query, message):
    with pytest.raises(QuerySyntaxError, match=message):
        parse_query(query)


def test_tsquery_binds_every_term():
    parsed = parse_query("\"it's\" OR x'y -z")
    compiled = parsed.tsquery().compile(dialect=postgresql.dialect())
    sql = str(compiled)
    assert "phraseto_tsquery('english'" in sql and "plainto_tsquery('english'" in sql
    assert "!!(" in sql and "it's" not in sql
    assert sorted(compiled.params.values()) == ["it's", "x'y", "z"]
