"""Property tests (hypothesis) of extraction (archive.extract.extract) on arbitrary bytes and HTML.

`extract` promises never to raise on bad input; it keeps that promise with a catch-all
that turns an unexpected exception into ``reason="extraction error: ..."``. The
properties here also refuse that answer: any input gives an article or a reason
that names what is wrong with the input, and the result keeps its documented form.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from html import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.extract import ExtractResult, extract

PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)

DATES = st.one_of(st.text(max_size=30), st.datetimes().map(lambda d: d.isoformat()), st.sampled_from(
    ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "2025-10-31", "2099-01-01", "31/10/2025", "1e12"]))
WORDS = st.text(st.characters(codec="utf-8"), max_size=60)
SENTENCE = st.sampled_from([
    "India and the United States signed a ten-year defence framework on Friday in Kuala Lumpur.",
    "The agreement covers joint exercises, intelligence sharing and the co-production of equipment.",
    "Officials said the text will be placed before the parliamentary committee in the winter session.",
])
TAGS = st.sampled_from(["p", "div", "article", "main", "section", "span", "h1", "h2", "li", "td", "script",
                        "style", "noscript", "aside", "nav", "footer", "figure", "svg", "template", "iframe"])


def _element(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(TAGS, st.lists(inner, max_size=4)).map(lambda t: f"<{t[0]}>{''.join(t[1])}</{t[0]}>")


BODY = st.recursive(st.one_of(SENTENCE, WORDS.map(escape)), _element, max_leaves=25)


@st.composite
def pages(draw) -> bytes:
    meta = {
        "article:published_time": draw(DATES), "article:modified_time": draw(DATES),
        "og:title": draw(WORDS), "author": draw(WORDS), "og:locale": draw(WORDS),
    }
    head = "".join(f'<meta property="{k}" content="{escape(v)}">' for k, v in meta.items())
    if draw(st.booleans()):
        ld = {"@type": draw(st.sampled_from(["NewsArticle", "Article", "WebPage", 5, None])),
              "datePublished": draw(DATES), "headline": draw(WORDS), "articleBody": draw(WORDS),
              "author": draw(st.one_of(WORDS, st.lists(WORDS, max_size=2), st.none())),
              "isAccessibleForFree": draw(st.sampled_from([True, False, "False", "no", None]))}
        head += f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    charset = draw(st.sampled_from(["utf-8", "latin-1", "shift_jis", "x-unknown", "utf-16", ""]))
    lang = draw(st.sampled_from(["en", "hi", "", "x" * 40]))
    html = (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="{charset}"><title>{escape(draw(WORDS))}'
            f"</title>{head}</head><body>{draw(BODY)}</body></html>")
    data = html.encode("utf-8", "surrogatepass")
    how = draw(st.sampled_from(["keep", "keep", "cut", "nul", "bom", "splice"]))
    if how == "cut":
        data = data[: draw(st.integers(0, len(data)))]
    elif how == "nul":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + b"\x00" + data[at:]
    elif how == "bom":
        data = draw(st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"])) + data
    elif how == "splice":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=30)) + data[at:]
    return data


def _check(result: ExtractResult) -> None:
    assert isinstance(result, ExtractResult)
    assert not (result.reason or "").startswith("extraction error"), result.reason
    assert (result.text is None) == (not result.is_article)
    if not result.is_article:
        assert result.reason
    for when in (result.published, result.modified):
        assert when is None or when.utcoffset().total_seconds() == 0
    if result.published:
        assert result.published <= NOW
    if result.published and result.modified:
        assert result.modified >= result.published
    json.dumps(result.as_dict())


@PROPERTY
@given(st.binary(max_size=2000), st.sampled_from([None, "http://news.example/2025/10/31/story", "not a url"]))
def test_any_bytes_give_a_result_with_a_reason(data, url):
    _check(extract(data, url, now=NOW))


@PROPERTY
@given(pages(), st.sampled_from([None, "utf-8", "latin-1", "bogus"]))
def test_any_html_page_gives_a_well_formed_result(data, declared_charset):
    _check(extract(data, "http://news.example/2025/10/31/story", declared_charset=declared_charset, now=NOW))


@settings(max_examples=30, deadline=None)
@given(st.text(max_size=500))
def test_any_text_gives_a_well_formed_result(text):
    _check(extract(text, None, now=NOW))
