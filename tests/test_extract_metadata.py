"""Author, date and paywall rules, each on a minimal page of its own, in several languages."""

import json
from datetime import datetime, timezone

import pytest

from archive.extract import extract

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
BODY = "".join(
    f"<p>Sentence {i} of the story: the council met on Tuesday and agreed to keep the library "
    "open through the winter, after residents asked for longer evening hours.</p>"
    for i in range(5)
)


def page(head: str = "", body_top: str = "", json_ld: dict | list | None = None, lang: str = "en") -> bytes:
    script = f'<script type="application/ld+json">{json.dumps(json_ld)}</script>' if json_ld is not None else ""
    return (
        f'<html lang="{lang}"><head><title>Library stays open</title>{head}{script}</head><body>'
        f"<article><h1>Library stays open</h1>{body_top}{BODY}</article></body></html>"
    ).encode()


def authors_of(data: bytes, url: str = "https://news.example.org/a/1") -> list[str]:
    return extract(data, url, now=NOW).authors


# --- authors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("credit", "expected"),
    [
        ("Brazil, Rachel", ["Brazil, Rachel"]),  # "Surname, Given" is one person
        ("María R. Sahuquillo", ["María R. Sahuquillo"]),  # initials keep their dot
        ("By Jane Doe", ["Jane Doe"]),
        ("Von Anna Schmidt", ["Anna Schmidt"]),
        ("Par Sébastien Farcis", ["Sébastien Farcis"]),
        ("Por Lucía Gómez", ["Lucía Gómez"]),
        ("Capital Von Jemima Kelly", ["Jemima Kelly"]),  # a brand before the credit word
        ("Ola Nordmann og Kari Nordmann", ["Ola Nordmann", "Kari Nordmann"]),
        ("Anna Schmidt und Peter Müller", ["Anna Schmidt", "Peter Müller"]),
        ("Jan Jansen en Piet de Vries", ["Jan Jansen", "Piet de Vries"]),
        ("Jane Doe and John Roe", ["Jane Doe", "John Roe"]),
        ("Marco Rossi e Giulia Bianchi", ["Marco Rossi", "Giulia Bianchi"]),
        ("Stella Kim, Jennifer Jett", ["Stella Kim", "Jennifer Jett"]),
        ("Jane Doe, Staff Writer", ["Jane Doe"]),
        ("Luigi Di Maio", ["Luigi Di Maio"]),  # a particle is not a credit word
        ("Jong, Michiel de", ["Jong, Michiel de"]),
        ("Martin Untersinger (avec Damien Leloup et Morgane Tual)",
         ["Martin Untersinger", "Damien Leloup", "Morgane Tual"]),
        ("Bradley M. Kuhn (http://ebb.org/bkuhn/)", ["Bradley M. Kuhn"]),
        ("Ben Silverman Games Editor", ["Ben Silverman"]),
        ("Written by Rob Ewaschuk Edited by Betsy Beyer", ["Rob Ewaschuk", "Betsy Beyer"]),
        ("Username", []),  # a form placeholder is nobody
        ("Tom Gillespie News reporter @TomGillespie1", ["Tom Gillespie"]),  # role and handle
        ("Jane Doe, Senior Political Correspondent", ["Jane Doe"]),
        ("Detroit News wire services Published 11:11 PM EST Nov 19, 2019", ["Detroit News wire services"]),
        ("Anna Schmidt Veröffentlicht am 3. Mai 2024", ["Anna Schmidt"]),
        ("Jeanne Martin Mis à jour le 4 avril 2024", ["Jeanne Martin"]),
        ("Last Updated: January 7, 2025", []),  # a stamp is nobody
        ("Sobre Carlos Nadalim", ["Carlos Nadalim"]),  # an author box's "About"
        ("Über Anna Schmidt", ["Anna Schmidt"]),
        ("By", []),
    ],
)
def test_meta_author_credit_becomes_people(credit, expected):
    assert authors_of(page(head=f'<meta name="author" content="{credit}">')) == expected


def test_site_credit_is_kept_as_written_when_it_is_the_only_one():
    data = page(head='<meta name="author" content="nieuwsblad.be">', lang="nl")
    assert authors_of(data) == ["nieuwsblad.be"]


def test_organisation_dropped_when_a_person_is_named():
    json_ld = {"@type": "NewsArticle", "headline": "Library stays open",
               "author": [{"@type": "Organization", "name": "Example News"},
                          {"@type": "Person", "name": "Kari Nordmann"}]}
    assert authors_of(page(json_ld=json_ld, lang="no")) == ["Kari Nordmann"]


def test_agency_beside_a_byline_is_dropped():
    data = page(head='<meta name="author" content="Anna Schmidt; dpa">', lang="de")
    assert authors_of(data) == ["Anna Schmidt"]


def test_json_ld_person_before_meta_tag():
    json_ld = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebSite", "name": "Example"},
        {"@type": "NewsArticle", "headline": "Library stays open", "author": {"@type": "Person", "name": "J. R. Hartley"}},
    ]}
    data = page(head='<meta name="author" content="Web Desk">', json_ld=json_ld)
    assert authors_of(data) == ["J. R. Hartley"]


@pytest.mark.parametrize(
    ("box", "expected"),
    [
        ('<div class="byline">By Nathan Willis March 25, 2015</div>', ["Nathan Willis"]),
        ('<p class="author-line">Von Anna Schmidt, 12. März 2024</p>', ["Anna Schmidt"]),
        ('<span class="article-byline">Par Jeanne Martin le 3 avril 2024</span>', ["Jeanne Martin"]),
    ],
)
def test_byline_box_cut_where_its_date_starts(box, expected):
    assert authors_of(page(body_top=box)) == expected


@pytest.mark.parametrize(
    ("box", "lang", "expected"),
    [
        ('<div class="byline"><div class="byline-names">By DANICA KIRKA and JILL LAWLESS</div>'
         '<div class="byline-org">Associated Press</div></div>', "en", ["DANICA KIRKA", "JILL LAWLESS"]),
        ('<div class="byline"><span class="byline-names">Von Anna Schmidt und Jonas Weber</span>'
         '<span class="byline-org">Deutsche Presse-Agentur</span></div>', "de", ["Anna Schmidt", "Jonas Weber"]),
        ('<div class="byline"><a class="byline-author">Carrie Arnold</a><time>November 15, 2019</time></div>',
         "en", ["Carrie Arnold"]),
        ('<div class="byline"><span class="byline-prefix">Por</span> <b>Lucía Gómez</b></div>', "es", ["Lucía Gómez"]),
    ],
)
def test_byline_box_holding_boxes_is_read_box_by_box(box, lang, expected):
    """The innermost byline boxes are read each alone: their texts do not run together
    ("JILL LAWLESSAssociated Press") and a box of only a credit word leaves the outer text."""
    assert authors_of(page(body_top=box, lang=lang)) == expected


@pytest.mark.parametrize("lang", ["en", "pt"])
def test_teaser_card_credits_are_not_the_articles(lang):
    cards = "".join(
        f'<div class="card"><a href="/story/{i}"><h2>Another story number {i}</h2></a>'
        f'<a rel="author" href="/by/{name}">{name}</a></div>'
        for i, name in enumerate(["James Booth", "Judy Murray", "Simon Briggs"])
    )
    data = page(body_top='<p>Por <a rel="author" href="/by/anna">Anna Menin</a></p>', lang=lang).replace(
        b"</article>", f'</article><section class="related">{cards}</section>'.encode())
    assert authors_of(data) == ["Anna Menin"]


def test_json_ld_organisation_gives_way_to_a_person_in_the_byline():
    json_ld = {"@type": "NewsArticle", "headline": "Library stays open",
               "author": {"@type": "Organization", "name": "Sky"}}
    byline = '<p class="byline">Tom Gillespie News reporter @TomGillespie1</p>'
    assert authors_of(page(json_ld=json_ld, body_top=byline)) == ["Tom Gillespie"]
    assert authors_of(page(json_ld=json_ld)) == ["Sky"]  # the only credit: kept


@pytest.mark.parametrize(
    ("credit", "site", "expected"),
    [
        ("Jill Disis, CNN Business", "CNN", ["Jill Disis"]),
        ("Chris Cillizza, CNN Editor-at-large", "CNN", ["Chris Cillizza"]),
        ("Tanza Loudenback, Business Insider", "Business Insider Deutschland", ["Tanza Loudenback"]),
        ("Anna Schmidt, Tagesspiegel Berlin", "Tagesspiegel", ["Anna Schmidt"]),
    ],
)
def test_a_credit_naming_the_site_is_the_publisher(credit, site, expected):
    head = f'<meta name="author" content="{credit}"><meta property="og:site_name" content="{site}">'
    assert authors_of(page(head=head)) == expected


def test_byline_markup_when_no_structured_author():
    data = page(body_top='<p class="byline">Por <span itemprop="author">Lucía Gómez</span></p>', lang="es")
    assert authors_of(data) == ["Lucía Gómez"]


# --- dates -----------------------------------------------------------------------------


def test_article_date_not_the_image_date():
    json_ld = [
        {"@type": "ImageObject", "url": "https://x.example/i.jpg", "datePublished": "2019-03-01T10:00:00Z"},
        {"@type": "NewsArticle", "headline": "Library stays open", "datePublished": "2024-05-06T08:30:00+02:00"},
    ]
    result = extract(page(json_ld=json_ld), "https://news.example.org/a/1", now=NOW)
    assert result.published == datetime(2024, 5, 6, 6, 30, tzinfo=timezone.utc)


def test_structured_date_before_a_teaser_date():
    teaser = '<aside><a href="/b"><time datetime="2020-01-02">2 Jan 2020</time> Older story</a></aside>'
    head = '<meta property="article:published_time" content="2024-11-12T09:00:00Z">'
    result = extract(page(head=head, body_top=teaser, lang="fr"), "https://news.example.org/a/1", now=NOW)
    assert result.published == datetime(2024, 11, 12, 9, 0, tzinfo=timezone.utc)


def test_live_blog_published_not_modified():
    json_ld = {"@type": "LiveBlogPosting", "headline": "Library stays open",
               "datePublished": "2025-02-01T07:00:00Z", "dateModified": "2025-02-03T21:15:00Z"}
    result = extract(page(json_ld=json_ld, lang="de"), "https://news.example.org/a/1", now=NOW)
    assert result.published == datetime(2025, 2, 1, 7, 0, tzinfo=timezone.utc)
    assert result.modified == datetime(2025, 2, 3, 21, 15, tzinfo=timezone.utc)


def test_visible_dateline_when_no_meta():
    top = '<p>Publicado el <time itemprop="datePublished" datetime="2023-07-14">14 de julio de 2023</time></p>'
    result = extract(page(body_top=top, lang="es"), "https://news.example.org/a/1", now=NOW)
    assert result.published == datetime(2023, 7, 14, tzinfo=timezone.utc)


def test_future_and_before_published_modified_refused():
    head = ('<meta property="article:published_time" content="2030-01-01T00:00:00Z">'
            '<meta property="article:published_time" content="2024-03-03">'
            '<meta property="article:modified_time" content="2024-03-01T00:00:00Z">')
    result = extract(page(head=head), "https://news.example.org/a/1", now=NOW)
    assert result.published == datetime(2024, 3, 3, tzinfo=timezone.utc)
    assert result.modified is None


def test_modified_on_the_publication_day_is_kept_even_if_written_earlier():
    head = ('<meta property="article:published_time" content="2024-03-03T10:15:00+02:00">'
            '<meta property="article:modified_time" content="2024-03-03">')  # a day, not a time
    result = extract(page(head=head, lang="ru"), "https://news.example.org/a/1", now=NOW)
    assert result.published == datetime(2024, 3, 3, 8, 15, tzinfo=timezone.utc)
    assert result.modified == datetime(2024, 3, 3, tzinfo=timezone.utc)


def test_article_published_and_modified_meta_without_time_suffix():
    head = ('<meta property="article:published" content="2019-11-18T17:56:27.000Z">'
            '<meta property="article:modified" content="2019-11-19T00:37:03.000Z">')
    result = extract(page(head=head), "https://news.example.org/a/1", now=NOW)
    assert result.published == datetime(2019, 11, 18, 17, 56, 27, tzinfo=timezone.utc)
    assert result.modified == datetime(2019, 11, 19, 0, 37, 3, tzinfo=timezone.utc)


@pytest.mark.parametrize(("published", "modified", "expected"), [
    ("19 Nov 2019 05:44 GMT", "19 Nov 2019 07:09 GMT", (datetime(2019, 11, 19, 5, 44), datetime(2019, 11, 19, 7, 9))),
    ("Tue, 19 Nov 2019 06:44:00 +0100", "Wed, 20 Nov 2019 09:00:00 +0100",
     (datetime(2019, 11, 19, 5, 44), datetime(2019, 11, 20, 8, 0))),
])
def test_json_ld_dates_written_as_feeds_write_them(published, modified, expected):
    json_ld = {"@type": "NewsArticle", "headline": "Library stays open",
               "datePublished": published, "dateModified": modified}
    result = extract(page(json_ld=json_ld), "https://news.example.org/a/1", now=NOW)
    assert (result.published, result.modified) == tuple(d.replace(tzinfo=timezone.utc) for d in expected)


def test_microdata_dates_written_as_text():
    top = ('<div itemprop="datePublished">2019-11-13T23:06:00+01:00</div>'
           '<div itemprop="dateModified">2019-11-14T08:06:08+01:00</div>')
    result = extract(page(body_top=top, lang="de"), "https://news.example.org/a/1", now=NOW)
    assert result.published == datetime(2019, 11, 13, 22, 6, tzinfo=timezone.utc)
    assert result.modified == datetime(2019, 11, 14, 7, 6, 8, tzinfo=timezone.utc)


# --- paywall ---------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [(False, True), ("False", True), (True, False), (None, False)])
def test_paywalled_from_is_accessible_for_free(value, expected):
    json_ld = {"@type": "NewsArticle", "headline": "Library stays open"}
    if value is not None:
        json_ld["isAccessibleForFree"] = value
    result = extract(page(json_ld=json_ld, lang="it"), "https://news.example.org/a/1", now=NOW)
    assert result.paywalled is expected
    assert result.as_dict()["paywalled"] is expected


def test_paywalled_from_has_part():
    json_ld = {"@type": "NewsArticle", "headline": "Library stays open", "isAccessibleForFree": "True",
               "hasPart": {"@type": "WebPageElement", "isAccessibleForFree": "False", "cssSelector": ".paid"}}
    assert extract(page(json_ld=json_ld, lang="pt"), now=NOW).paywalled is True


# --- title -----------------------------------------------------------------------------


def titled(title: str, h1: str, lang: str) -> bytes:
    return (f'<html lang="{lang}"><head><title>{title}</title></head><body><header><h1>{h1}</h1></header>'
            f"<article>{BODY}</article></body></html>").encode()


@pytest.mark.parametrize(
    ("title", "h1", "lang"),
    [
        ("Babies who eat peanuts early may avoid allergy", "Allergies Health Center", "en"),
        ("Babys, die früh Erdnüsse essen, bekommen seltener Allergien", "Gesundheitsportal", "de"),
        ("Les bébés qui mangent des arachides tôt évitent l'allergie", "Espace santé", "fr"),
        ("宇航员在太空中喝酒会怎么样", "健康频道", "zh"),
    ],
)
def test_a_lone_h1_sharing_no_word_with_the_title_is_not_the_headline(title, h1, lang):
    assert extract(titled(title, h1, lang), "https://news.example.org/a/1", now=NOW).title == title


@pytest.mark.parametrize(
    ("title", "h1", "lang"),
    [
        ("How to watch the best films of 2017", "The best movies of 2017", "en"),
        ("Bibliothek bleibt im Winter offen", "Die Bibliothek bleibt offen", "de"),
        ("宇航员在太空中喝酒会怎么样", "宇航员在太空中喝酒", "zh"),
    ],
)
def test_a_lone_h1_that_shares_words_with_the_title_stays_the_headline(title, h1, lang):
    assert extract(titled(title, h1, lang), "https://news.example.org/a/1", now=NOW).title == h1


NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)


def test_no_date_is_read_from_an_embedded_image_or_a_stylesheet():
    paragraphs = "".join(f"<p>Paragraph {i} of a story about the harbour ferries and their new timetable "
                         "for the winter months, agreed by the council.</p>" for i in range(5))
    noise = "iVBORw0KGgo" + "A/2019-05-04/B" * 20
    page = (f"<html><head><title>Ferries</title><style>.x{{background:url(/i/2018-03-02/a.png)}}</style>"
            f"</head><body><article><h1>Ferries</h1><img src='data:image/png;base64,{noise}'>"
            f"<svg><text>2017-01-09</text></svg>{paragraphs}</article></body></html>").encode()
    result = extract(page, "https://example.com/story", now=NOW)
    assert result.is_article and result.published is None
