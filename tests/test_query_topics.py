"""Topic filters: a topic is found by its canonical form; an unknown one lists the known topics."""

from datetime import datetime, timezone

import pytest

from archive.db.rows import ArticleRow, CaptureRow, TopicMatchRow
from archive.db.writer import IndexWriter as Index
from archive.query.coverage import coverage
from archive.query.filters import Filters, UnknownTopicError, topic_key
from archive.query.search import count, search

T0 = datetime(2025, 10, 31, 9, tzinfo=timezone.utc)
CRAWLED = "(defence OR defense) AND (India OR Delhi) AND Hegseth"
OTHER = '"flood warning" NOT drill'


def test_topic_key_ignores_case_and_operand_order_not_meaning():
    same = ["hegseth (delhi OR india) (defense OR defence)",
            "  HEGSETH AND (India OR Delhi)  AND (defense OR defence) ",
            "((defence OR defense) AND Hegseth) AND (Delhi OR India)"]
    assert {topic_key(q) for q in same} == {topic_key(CRAWLED)}
    different = ["(defence OR defense) AND India AND Hegseth",  # Delhi alone no longer matches
                 "(defence OR defense) OR (India OR Delhi) OR Hegseth",
                 "defence or defense india delhi hegseth"]  # lower-case "or" is a word
    assert topic_key(CRAWLED) not in {topic_key(q) for q in different}
    assert topic_key('"Flood  Warning" NOT drill') == topic_key(OTHER)
    assert topic_key("unbalanced (") == "unbalanced ("  # never raises


@pytest.fixture
def archived(engine):
    with Index(engine) as index:
        for key in "abc":
            index.add_article(ArticleRow(content_hash=key * 64, title=f"Hegseth in Delhi {key}",
                                         text="The defence framework was signed.",
                                         published=T0, first_seen=T0, last_seen=T0))
            url = f"http://herald.test/{key}"
            index.add_capture(CaptureRow(record_id=f"<urn:uuid:{key}>", record_type="response",
                                         url=url, canonical_url=url, site="Herald", fetched_at=T0,
                                         warc_filename="x.warc.gz", warc_offset=0, warc_length=1,
                                         content_hash=key * 64))
        index.add_topic_match(TopicMatchRow(query=CRAWLED, content_hash="a" * 64, score=0.8))
        index.add_topic_match(TopicMatchRow(query=CRAWLED, content_hash="b" * 64, score=0.7))
        index.add_topic_match(TopicMatchRow(query=OTHER, content_hash="c" * 64, score=0.5))
    return engine


def test_search_count_and_coverage_find_the_topic_in_any_equivalent_form(archived):
    for spelling in (CRAWLED, "hegseth (delhi OR india) (defense OR defence)"):
        filters = Filters.make(topic=spelling)
        hits = search(archived, "framework", filters)
        assert sorted(h.content_hash[0] for h in hits) == ["a", "b"]
        assert count(archived, None, filters) == 2
        assert sum(row.articles for row in coverage(archived, filters)) == 2
    assert [h.content_hash[0] for h in search(archived, "framework", Filters.make(
        topic='NOT drill "FLOOD warning"'))] == ["c"]


@pytest.mark.parametrize("call", ["search", "coverage"])
def test_an_unknown_topic_lists_the_known_ones_with_their_article_counts(archived, call):
    filters = Filters.make(topic="(defence OR defense) AND India AND Hegseth")
    with pytest.raises(UnknownTopicError) as caught:
        if call == "search":
            search(archived, "framework", filters)
        else:
            coverage(archived, filters)
    assert caught.value.known == [(CRAWLED, 2), (OTHER, 1)]
    assert str(caught.value).splitlines() == [
        "no topic '(defence OR defense) AND India AND Hegseth' in this archive; known topics:",
        f"  {CRAWLED}  (2 articles)",
        f"  {OTHER}  (1 article)",
    ]


def test_a_malformed_topic_says_so_and_lists_the_known_ones(archived):
    with pytest.raises(UnknownTopicError, match=r"not a valid topic query: .*\n  \(defence"):
        search(archived, "framework", Filters.make(topic="India AND (defence"))


def test_no_topics_yet(engine):
    with pytest.raises(UnknownTopicError, match="this archive has no topics yet"):
        count(engine, None, Filters.make(topic="anything"))
