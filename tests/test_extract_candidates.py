"""Body candidates compared on general evidence (archive/extract/candidates.py)."""

import json

from lxml import html

from archive.extract import extract
from archive.extract.candidates import better, evidence, json_ld_body, json_state_body, text_lines
from archive.extract.furniture import Line, normalise_segment
from archive.extract.structured import structured_data

PARAGRAPHS = [
    f"Paragraph {i}: the water board said the reservoir had reached its lowest level in a decade, "
    "and asked households to cut their use by a fifth until the autumn rains arrive."
    for i in range(8)
]
LEAD = "The water board asked households to save water."


def lines(texts, kind="p"):
    return [Line(kind, t) for t in texts]


def test_more_prose_wins_even_without_the_menu_the_first_candidate_had():
    menu = ["World news", "Sport results", "Business today"]
    fast = lines(menu + PARAGRAPHS[:2])
    other = lines(PARAGRAPHS)
    links = frozenset(m.casefold() for m in menu)
    assert better(fast, other, links)  # no containment demanded: the menu is not evidence


def test_a_little_more_text_does_not_displace_the_first_candidate():
    assert not better(lines(PARAGRAPHS[:6]), lines(PARAGRAPHS[:8]), frozenset())


def test_link_lists_and_caption_series_are_not_prose():
    teasers = [f"Photo: Reservoir level falls again in the north valley, picture {i} of the series" for i in range(8)]
    assert evidence(lines(teasers), frozenset()).score == 0
    links = frozenset(normalise_segment(t) for t in PARAGRAPHS)
    assert evidence(lines(PARAGRAPHS), links).link_share == 1.0
    assert not better(lines(PARAGRAPHS[:3]), lines(PARAGRAPHS[:3] + teasers), frozenset())


def test_body_only_in_json_ld_article_body_is_not_too_short():
    ld = {"@type": "NewsArticle", "headline": "Reservoir at decade low", "articleBody": "\n\n".join(PARAGRAPHS)}
    page = (
        "<html><head><title>Reservoir at decade low</title>"
        f'<script type="application/ld+json">{json.dumps(ld)}</script></head>'
        f"<body><article><h1>Reservoir at decade low</h1><p>{LEAD}</p>"
        '<div class="paywall" hidden></div></article></body></html>'
    ).encode()
    result = extract(page, "https://news.example.org/reservoir")
    assert result.is_article, result.reason
    assert PARAGRAPHS[0] in result.text and PARAGRAPHS[7] in result.text
    body = json_ld_body(structured_data(html.document_fromstring(page)))
    assert [line.text for line in body] == PARAGRAPHS  # the candidate keeps its paragraphs


def test_json_ld_article_body_of_a_teaser_is_no_candidate():
    ld = {"@type": "NewsArticle", "articleBody": "Reservoir at decade low, more soon."}
    page = f'<html><head><script type="application/ld+json">{json.dumps(ld)}</script></head><body></body></html>'
    assert json_ld_body(structured_data(html.document_fromstring(page))) == []


def test_body_in_next_js_state():
    state = {"props": {"pageProps": {"article": {
        "headline": "Reservoir at decade low",
        "body": [{"type": "paragraph", "html": f"<p>{p}</p>"} for p in PARAGRAPHS],
        "related": [{"title": "Other story about rain"}],
    }}}}
    page = (
        "<html><head><title>Reservoir at decade low</title></head><body><div id='__next'>"
        f"<h1>Reservoir at decade low</h1><p>{LEAD}</p></div>"
        f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(state)}</script></body></html>'
    ).encode()
    result = extract(page, "https://news.example.org/reservoir")
    assert result.is_article, result.reason
    assert result.body_source == "json state"
    assert result.text.count("Paragraph") == 8


def test_json_state_ignores_short_strings_and_bad_json():
    tree = html.document_fromstring(
        '<html><body><script type="application/json">{not json</script>'
        '<script type="application/json">{"body": "Too short."}</script></body></html>'
    )
    assert json_state_body(tree) == []


def test_html_text_becomes_paragraph_lines():
    assert [line.text for line in text_lines("<p>One two.</p><p>Three <b>four</b>.</p>")] == ["One two.", "Three four."]
    assert [line.text for line in text_lines("First para.\n\nSecond para.")] == ["First para.", "Second para."]
