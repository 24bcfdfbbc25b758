"""Per-site layout learning: where a site's body sits, learned from its pages, as a body candidate."""

from lxml import html

from archive.extract import SiteBoilerplate, core, extract
from archive.extract.furniture import Line
from archive.extract.layout import region_lines, signature


def story(n: int, body_class: str = "story-body s12") -> bytes:
    paragraphs = "".join(
        f"<p>Story {n}, paragraph {i}: the harbour authority said crossings would run every hour "
        "from Monday, with extra sailings at weekends.</p>"
        for i in range(6)
    )
    return (
        "<html><body><nav><a href='/'>Home page</a> <a href='/world'>World news</a></nav>"
        f"<div id='page-{n}'><h1>Ferry story {n}</h1><div class='{body_class}'>{paragraphs}"
        "<aside><p>Related: an older story about the harbour and its many ferries.</p></aside></div></div>"
        "<footer><p>Contact us at the harbour office for any question about this site.</p></footer></body></html>"
    ).encode()


def test_signature_drops_digits_and_needs_a_name():
    tree = html.fromstring("<div><div id='post-123' class='b a x9'></div><div></div></div>")
    named, anonymous = tree.findall("div")
    assert signature(named) == "div#post.a.b.x"
    assert signature(anonymous) is None


def test_body_region_is_the_deepest_container_of_the_body():
    result = extract(story(1))
    assert result.body_region == "div.s.story-body"


def test_learner_needs_enough_pages_and_a_clear_majority():
    learner = SiteBoilerplate(min_pages=5, layout_share=0.6)
    for _ in range(4):
        learner.observe_layout("Harbour News", "div.story-body")
    assert learner.layout("Harbour News") is None  # too few pages
    learner.observe_layout("Harbour News", "div.story-body")
    assert learner.layout("Harbour News") == "div.story-body"
    for _ in range(5):
        learner.observe_layout("Harbour News", "article.gallery")
    assert learner.layout("Harbour News") is None  # no clear majority any more
    assert learner.layout("Other Site") is None


def test_region_lines_read_the_region_without_its_aside():
    tree = html.document_fromstring(story(2))
    texts = [line.text for line in region_lines(tree, "div.s.story-body")]
    assert len(texts) == 6 and all(t.startswith("Story 2, paragraph") for t in texts)
    assert region_lines(tree, "div.no-such-class") == []
    assert region_lines(tree, "div') or (1=1") == []  # not a signature: no candidate, no error


def test_learned_layout_rescues_a_page_the_engine_misreads(monkeypatch):
    learner = SiteBoilerplate(min_pages=3)
    for n in range(3):
        learner.observe_layout("Harbour News", extract(story(n)).body_region)
    layout = learner.layout("Harbour News")
    assert layout == "div.s.story-body"

    def menu_only(self, tree, url, focus="balanced", *, fast=True):
        return [Line("p", "Home page"), Line("p", "World news")]

    monkeypatch.setattr(core.Engine, "main_text", menu_only)
    monkeypatch.setattr(core, "readability_lines", lambda html_text: [])
    page = story(9)
    assert not extract(page).is_article  # the engines alone find only the menu
    result = extract(page, layout=layout)
    assert result.is_article and result.body_source == "site layout"
    assert result.text.count("Story 9, paragraph") == 6


def listing(n: int) -> bytes:
    """A page of the same template whose body region holds only a list of story links."""
    links = "".join(f"<li><a href='/s/{i}'>Another harbour story number {i} today</a></li>" for i in range(12))
    return (
        "<html><body><nav><a href='/'>Home page</a></nav>"
        f"<div id='page-{n}'><h1>Ferry stories</h1><div class='story-body s12'><ul>{links}</ul></div>"
        "<div class='extra'>" + "".join(
            f"<p>Paragraph {i} of the story that this template hides outside its usual body: "
            "the harbour authority said crossings would run every hour from Monday.</p>" for i in range(6))
        + "</div></div></body></html>"
    ).encode()


def test_layout_agreement_says_whether_the_region_read_the_same_body():
    layout = "div.s.story-body"
    same = extract(story(3), layout=layout)
    assert same.body_source == "trafilatura" and same.layout_agreement == 1.0
    elsewhere = extract(listing(4), layout=layout)
    assert elsewhere.layout_agreement is not None and elsewhere.layout_agreement < 0.5
    assert extract(story(3)).layout_agreement is None  # no layout, nothing compared


def test_a_checked_template_is_read_alone_and_falls_back_when_it_holds_no_article(monkeypatch):
    layout = "div.s.story-body"
    calls = []
    real = core.Engine.main_text

    def counted(self, *args, **kwargs):
        calls.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(core.Engine, "main_text", counted)
    result = extract(story(5), layout=layout, template=True)
    assert result.body_source == "site template" and calls == []  # the general path never ran
    assert result.text.count("Story 5, paragraph") == 6 and "Related:" not in result.text
    assert result.body_region == layout and result.layout_agreement is None
    fallback = extract(listing(6), layout=layout, template=True)  # the region is a link list
    assert fallback.body_source != "site template" and calls
    assert fallback.text.count("hides outside its usual body") == 6


def test_plan_trusts_a_layout_after_three_agreeing_checks_and_keeps_checking():
    learner = SiteBoilerplate(min_pages=3)
    site = "Harbour News"
    assert learner.plan(site) == (None, False)
    for _ in range(3):
        learner.observe_layout(site, "div.story-body")
    assert learner.plan(site) == ("div.story-body", False)  # learned, never checked
    for agreement in (1.0, 0.95, 0.92):
        learner.observe_layout(site, "div.story-body", layout="div.story-body", agreement=agreement)
    plans = [learner.plan(site)[1] for _ in range(16)]
    assert plans.count(False) == 2 and plans[7] is False and plans[15] is False  # one in eight checked
    learner.observe_layout(site, "div.story-body", layout="div.story-body", agreement=0.4)
    assert learner.plan(site) == ("div.story-body", False)  # a failed check: general path again
    for _ in range(3):
        learner.observe_layout(site, "div.story-body", layout="div.story-body", agreement=1.0)
    assert learner.plan(site)[1] is True
