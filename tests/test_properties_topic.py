"""Property tests (hypothesis) of the topic-query parser: any text gives a query or a TopicQueryError.

A parsed query prints in a canonical form that parses back to the same query, and
matching and scoring take any document. Deep nesting is a TopicQueryError past
MAX_DEPTH, never a RecursionError; chains of NOT of any length fold.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from archive.query.filters import topic_key
from archive.topic import MAX_DEPTH, TopicQuery, TopicQueryError, parse_topic

PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces that exercise every rule of the lexer and parser, mixed with arbitrary text.
PIECES = st.sampled_from([
    "AND", "OR", "NOT", "(", ")", '"', "\u201c", "\u201d", "*", "**", "a*", "defen*", "*x",
    "india", "U.S.", "co-operation", "भारत", "_", "-", "\x00", "\t", "\n", "and", "Not",
])
WORDS = st.text(min_size=1, max_size=12)
SOUP = st.lists(st.one_of(PIECES, WORDS), max_size=30).map(" ".join)
TERMS = st.sampled_from(["india", "defence", "defen*", '"defence pact"', "U.S.", "pakistan", "ü", "भारत", "x1"])


def _grammar_query() -> st.SearchStrategy[str]:
    """Queries written to the grammar (valid except for possible negations alone)."""
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, st.sampled_from([" AND ", " OR ", " "]), inner).map("".join),
            inner.map(lambda q: f"({q})"),
            inner.map(lambda q: f"NOT {q}"),
        )
    return st.recursive(TERMS, extend, max_leaves=12)


def _check_error(query: str, error: TopicQueryError) -> None:
    assert 0 <= error.position <= len(query)
    assert error.message and str(error)  # the caret display never fails


@PROPERTY
@given(st.one_of(st.text(max_size=200), SOUP))
@example("(" * 250 + "a" + ")" * 250)
@example("NOT " * 1000 + "a")
@example("a " + "NOT " * 1001 + "b")
@example('"' + "(" * 5000)
def test_any_text_parses_or_is_a_topic_query_error(query):
    try:
        parsed = parse_topic(query)
    except TopicQueryError as error:
        _check_error(query, error)
        return
    assert isinstance(parsed, TopicQuery)
    assert parsed.positive_terms  # a query never matches on negations alone
    assert parse_topic(str(parsed)) == parsed
    assert isinstance(topic_key(query), str)


@PROPERTY
@given(_grammar_query())
def test_grammar_queries_print_canonically_and_round_trip(query):
    try:
        parsed = parse_topic(query)
    except TopicQueryError as error:
        assert "negations alone" in error.message
        return
    again = parse_topic(str(parsed))
    assert again == parsed and str(again) == str(parsed)
    assert topic_key(str(parsed)) == topic_key(query)


@PROPERTY
@given(_grammar_query(), st.text(max_size=80), st.text(max_size=400), st.text(max_size=100))
def test_matching_and_scoring_take_any_document(query, title, text, hint):
    try:
        parsed = parse_topic(query)
    except TopicQueryError:
        assume(False)
    score = parsed.score(title, text)
    assert 0.0 <= score < 1.0
    assert (score > 0) == parsed.matches(title, text)
    assert 0.0 <= parsed.score_hint(hint) <= 1.0


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=600), st.sampled_from(["a", "a NOT b OR c", "a OR (b c)"]))
def test_nesting_depth_is_limited_with_a_clear_error(depth, inner):
    query = "(" * depth + inner + ")" * depth
    levels = depth + inner.count("(")
    if levels <= MAX_DEPTH:
        assert parse_topic(query).matches("a", "c")
        return
    with pytest.raises(TopicQueryError, match=f"nested more than {MAX_DEPTH} deep") as caught:
        parse_topic(query)
    opening = [i for i, ch in enumerate(query) if ch == "("]
    assert caught.value.position == opening[MAX_DEPTH]  # the first '(' past the limit


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=5000))
def test_not_chains_fold_at_any_length(nots):
    parsed = parse_topic("x " + "NOT " * nots + "y")
    assert parsed.matches("x", "") == (nots % 2 == 1)
    assert parsed.matches("x y", "") == (nots % 2 == 0)


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=1, max_value=MAX_DEPTH))
def test_deepest_allowed_query_works_everywhere(depth):
    # Alternating AND/OR so that no level flattens into its parent: a real tree this deep.
    query = "z"
    for level in range(depth):
        query = f"(a{level} {'AND' if level % 2 else 'OR'} {query})"
    parsed = parse_topic(query)
    assert parse_topic(str(parsed)) == parsed
    hash(parsed)
    assert isinstance(topic_key(query), str)
    parsed.score("a0 z", "a1 a2 a3")
    parsed.score_hint("z a0")
