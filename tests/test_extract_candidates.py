"""Body candidates compared on general evidence (archive/extract/candidates.py)."""

import json

import pytest
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


TEASERS = {
    "es": ["El puerto dijo el lunes que los barcos esperarán más este invierno, porque el dragado se retrasó.",
           "La ciudad abrirá tres bibliotecas nuevas en los barrios del norte antes del verano, según el plan.",
           "Los agricultores del valle piden más agua para el riego tras el segundo año seco, dijo el gremio.",
           "El tren de alta velocidad tendrá dos paradas más a partir de marzo, con billetes más baratos.",
           "Un estudio muestra que los niños que leen cada día duermen mejor y sacan mejores notas.",
           "La orquesta municipal celebra cien años con un concierto gratuito en la plaza mayor el sábado."],
    "en": ["The harbour said on Monday that ships would wait longer this winter, as dredging was delayed.",
           "The city will open three new libraries in the northern districts before the summer, the plan says.",
           "Farmers in the valley asked for more irrigation water after a second dry year, their union said.",
           "The high-speed train will stop at two more stations from March, with cheaper tickets for students.",
           "A study shows that children who read every day sleep better and get better marks in mathematics.",
           "The city orchestra turns one hundred with a free concert on the main square on Saturday."],
}


@pytest.mark.parametrize("lang", sorted(TEASERS))
def test_a_short_fast_text_is_compared_even_when_the_page_has_no_prose_paragraphs(lang):
    """Cards in a list (<li><article>): the page's <p> measure is ~0, so trafilatura's fast
    mode keeping only the first card looked complete; a text that short is always checked."""
    cards = "".join(
        f'<li><article><figure><img src="/i{i}.jpg"><figcaption>Credit Ana</figcaption></figure><div>'
        f'<h2><a href="/s{i}">Story {i} today</a></h2><p>\n      {s}\n      In short: {s}\n      To repeat, {s}\n    </p><p><span>By Ana Ruiz</span></p>'
        "</div></article></li>"
        for i, s in enumerate(TEASERS[lang])
    )
    page = f"<!doctype html><html><head><title>Highlights</title></head><body><nav><a href='/'>Home</a></nav><main><h1>Highlights</h1><ol>{cards}</ol></main></body></html>"
    result = extract(page.encode(), "https://news.example.org/highlights")
    assert result.is_article, result.reason
    assert all(s in result.text for s in TEASERS[lang]), result.text


@pytest.mark.parametrize("cited", [
    ('"In the Loop:\n                   Repeat Performance"', ". 24 August 2021."),
    ('"Die Zeitschleife:\n                   Und täglich grüßt"', ". 3. September 1998."),
    ('"La boucle:\n                   Un jour sans fin"', ". 3 septembre 1998."),
])
def test_source_line_wrapping_inside_a_block_does_not_split_it(cited):
    """Newlines in a text node are the source's wrapping, not line breaks: a reference stays
    one line (its pieces alone look like datelines and were dropped)."""
    title, rest = cited
    reference = (f'<li><span><b><a href="#r">^</a></b></span> <span><cite><a href="/r">{title}</a>\n'
                 f'          <div class="shield"><div class="icon"></div></div>{rest}</cite></span></li>')
    page = (f"<html><body><article><h1>Time loops</h1>{''.join(f'<p>{p}</p>' for p in PARAGRAPHS)}"
            f"<h2>References</h2><ol>{reference * 3}</ol></article></body></html>")
    result = extract(page.encode(), "https://wiki.example.org/loops")
    last = result.text.split("\n")[-1]
    assert " ".join(title.split()) in last and rest.strip(". ") in last, result.text


def test_body_lines_keep_line_breaks_in_code():
    from lxml import etree

    from archive.extract.engine import body_lines

    body = etree.fromstring("<body><p>one\n   two</p><code>a = 1\nb = 2</code></body>")
    assert [line.text for line in body_lines(body)] == ["one two", "a = 1", "b = 2"]


def _candidates_asked(monkeypatch, article_paragraphs: int, comments: int):
    """Extract an article of ``article_paragraphs`` paragraphs under ``comments`` comment
    paragraphs (which are not body); the result and the candidates the cascade asked."""
    from archive.extract import core

    asked = []
    candidate = core._candidate
    monkeypatch.setattr(core, "_candidate", lambda name, *args: asked.append(name) or candidate(name, *args))
    others = "".join(f"<p>Comment {i}: {PARAGRAPHS[i % 8]}</p>" for i in range(comments))
    body = "".join(f"<p>{PARAGRAPHS[i % 8]}</p>" for i in range(article_paragraphs))
    page = (f"<html><body><article><h1>Water</h1>{body}</article>"
            f"<div id='comments' class='comments'>{others}</div></body></html>")
    return extract(page.encode(), "https://news.example.org/a"), asked


@pytest.mark.parametrize(("comments", "readability_asked"), [(4, False), (9, True)])
def test_readability_is_asked_only_when_the_fast_text_misses_half_the_page_prose(monkeypatch, comments, readability_asked):
    """readability must bring GAIN (2x) the fast text's prose to win: with the fast text over half
    the page's <p> text it is not run (it is the costliest candidate); the cheap ones still are."""
    result, asked = _candidates_asked(monkeypatch, 6, comments)
    assert result.body_source == "trafilatura"
    assert "json-ld" in asked
    assert ("readability" in asked) is readability_asked


@pytest.mark.parametrize(("comments", "full_cascade_asked"), [(4, False), (30, True)])
def test_the_full_cascade_is_asked_when_the_fast_text_covers_little_of_the_page_prose(
        monkeypatch, comments, full_cascade_asked):
    """Where trafilatura's own fast-mode retry moved (engine._gate_fast_escalation): a fast text
    of more than SHORT_BODY_CHARS that covers under a fifth of the page's <p> text asks
    trafilatura's full cascade."""
    from archive.extract import core

    result, asked = _candidates_asked(monkeypatch, 4, comments)
    assert result.body_source == "trafilatura"  # the comments are not the article either way
    assert len(result.text) >= core.SHORT_BODY_CHARS
    assert ("trafilatura fallbacks" in asked) is full_cascade_asked


def test_scripts_are_set_aside_with_the_json_state_kept():
    from archive.extract.candidates import set_aside_scripts

    state = {"article": {"body": [f"<p>{p}</p>" for p in PARAGRAPHS]}}
    tree = html.document_fromstring(
        "<html><head><style>p{color:red}</style><script>var a = 1;</script></head><body>"
        f'<p>Lead.<script>track()</script> More.</p><svg><text>icon</text></svg>'
        f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(state)}</script></body></html>'
    )
    states = set_aside_scripts(tree)
    assert not tree.xpath("//script | //style | //svg")
    assert tree.xpath("string(//p)") == "Lead. More."  # the text after a script stays
    assert [line.text for line in json_state_body(states)] == PARAGRAPHS


def test_trafilaturas_own_line_joins_are_kept():
    from lxml import etree

    from archive.extract.engine import body_lines

    body = etree.fromstring("<body><p>Story 1\nStory 2\n  Story 3 continues\n  here</p></body>")
    assert [line.text for line in body_lines(body)] == ["Story 1", "Story 2 Story 3 continues here"]
