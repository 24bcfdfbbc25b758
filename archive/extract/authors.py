"""Authors as people: raw credits from the page's own markup, split and cleaned by general rules.

Rules (each has a test on a minimal page in tests/test_extract_metadata.py):
  - sources, first that names anyone wins: the article's JSON-LD ``author``; <meta> author
    tags; byline markup (itemprop/rel author); a short element classed "byline"/"author",
    cut where its date starts (the innermost such elements, read together when one box
    holds several); trafilatura's guess last. JSON-LD that credits only nodes typed as
    organisations ("author": {"@type": "Organization", "name": "Sky"}) is kept for when no
    later source names anyone;
  - credits inside another story's teaser card (a short block, one of several like it, with
    a linked h2-h4 headline and not the page's <h1>) are not the article's;
  - split on list separators of many languages (";", "|", "/", "&", "and", "und", "og",
    "och", "et", "y", "e", "en", "i", "ja", "és", "ve"), and on commas, except a lone
    "Surname, Given" pair, which is one person;
  - drop a leading credit word ("By", "Von", "Par", "Por", "Di", "Door", "Av", "Af", "Texto:",
    and an author box's "About"/"Sobre"/"Über") and anything before a credit word in the
    middle ("Capital Von Jemima Kelly");
  - drop trailing roles ("Jane Doe, Staff Writer", "Tom Gillespie News reporter"), social
    handles, e-mail addresses and URLs, and a "Published"/"Updated" stamp with its date;
  - keep the text as written: case and initials ("María R. Sahuquillo") untouched;
  - an organisation (the site's name or a credit that starts with it, "CNN Business"; a
    domain, "Staff", "Redaktion", agencies) is dropped when a person is also named, and kept
    when it is the only credit.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml.html import HtmlElement

from archive.extract.structured import Structured, node_types

MAX_AUTHORS = 10
MAX_BYLINE_BOXES = 5
_BYLINE_BOX = (
    "//body//*[self::div or self::p or self::span or self::address or self::section]"
    "[contains(@class, 'byline') or contains(@class, 'Byline') or contains(@class, 'author')]"
    "[not(ancestor::*[contains(@class, 'comment')])]"
)
_CREDIT_WORDS = r"(?i:by|von|par|por|door|av|af|text|texto|texte|testo|tekst|autor|author|auteur|autore|written\s+by|reporting\s+by)"
# "di", "da", "de", "ved" are also name particles ("Di Maio", "De Vries"): credit words only in lower case.
_LEADING_CREDIT = re.compile(
    rf"^\W*(?:{_CREDIT_WORDS}|di|da|de|ved|(?i:about|sobre|über|acerca\s+de|à\s+propos\s+de))\b\s*[:\-–—]?\s*(?=\S)"
)
# A credit word in the middle, followed by a capitalised name: "Capital Von Jemima Kelly".
_INNER_CREDIT = re.compile(r"^(?:\S+\s+){1,3}(?:By|by|Von|Par|Por|Door)\s+(?=[A-ZÀ-ÖØ-Þ])")
_SEPARATORS = re.compile(
    r"\s*(?:;|\||/|&|\+|\s(?:and|und|og|och|et|y|e|en|i|ja|és|ve|oraz)\s"
    r"|\s(?:edited|photos?|illustrations?|additional\s+reporting)\s+by\s)\s*", re.IGNORECASE
)
_ROLE = re.compile(
    r"^(?:(?:[\w'’.-]+\s+){0,2}"  # "Staff Writer", "Games Editor", "Senior Political Correspondent"
    r"(?:writer|reporter|correspondent|editor|columnist|contributor|journalist|author|critic|photographer|"
    r"redakteur(?:in)?|korrespondent(?:in)?|journaliste|rédact(?:eur|rice)|periodista|redactor[a]?|corresponsal|"
    r"giornalista|corrispondente|jornalista|redacteur|verslaggever|journalist|reporter)"
    r"|in\s+\w+|from\s+\w+|en\s+\w+|aus\s+\w+|à\s+\w+)$",
    re.IGNORECASE,
)
_ORGANISATION = re.compile(
    r"(?:\.(?:com|net|org|co|be|de|fr|nl|es|it|pt|dk|no|se|fi|uk|at|ch|io|news)\b|\b(?:staff|redaktion|rédaction|redacción|"
    r"redazione|redactie|redação|redaksjonen|redaktionen|toimitus|newsroom|desk|team|agency|agencia|agence|agentur|"
    r"press|presse|prensa|news|nachrichten|media|médias|wire|reuters|afp|dpa|ap|efe|ansa|lusa|anp|ntb|tt|"
    r"stt|ritzau|sda|apa|kna|epd|bloomberg|associated|editorial|editors|online|digital|magazine|"
    r"gazette|times|post|journal|zeitung|tribune|herald|daily|weekly)\b)",
    re.IGNORECASE,
)
_NOT_NAME = re.compile(
    r"@|://|^\W*$|\d|\b(?:username|user\s+name|follow|log\s*in|sign\s+in|subscribe|updated|published|share|"
    r"comments?|view\s+all|more\s+from|profile)\b",
    re.IGNORECASE,
)
# "(with Jane Roe and John Poe)": co-authors in parentheses, in several languages.
_WITH = re.compile(r"\(\s*(?:with|avec|mit|con|com|met|med|amb)\s+([^()]+)\)", re.IGNORECASE)
_PARENTHESIS_LINK = re.compile(r"\([^()]*(?:://|www\.|@|\.\w{2,4}/)[^()]*\)")
# Where a byline runs into its date: "Nathan Willis March 25, 2015", "Jane Doe 22 Dec 2016".
_DATE_TAIL = re.compile(
    r"(?:^|\s+)(?:(?:published|(?:last\s+)?(?:updated|modified)|posted|publié|mis\s+à\s+jour|veröffentlicht|aktualisiert|publicado|actualizado|"
    r"pubblicato|aggiornato|gepubliceerd|bijgewerkt|publicerad|publisert|publiceret|opdateret|julkaistu)\s*:?\s*)?"
    r"(?:(?:on|le|am|el|il|em|op|den)\s+)?(?:\d{1,4}\b|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)"
    r"[a-z]*\.?\s+\d{1,2}\b).*$",
    re.IGNORECASE,
)
_TRAILING_ROLE = re.compile(
    r"\s+(?:[A-Z][a-z]+\s+)?(?i:editor|writer|reporter|correspondent|columnist|contributor|redakteur(?:in)?|"
    r"journalist)$"
)
_BARE_CREDIT = re.compile(rf"^{_CREDIT_WORDS}$")  # a "By" in a box of its own
_HANDLE_TAIL = re.compile(r"(?:\s+@\w+)+$")  # "Tom Gillespie @TomGillespie1"
# A teaser card of another story: a short block with a linked headline of its own, beside
# blocks like it, that does not hold the page's <h1>; its credit is that story's.
CARD_MAX_CHARS = 800  # a teaser's text, not a column holding the article
_SMALL = f"string-length(normalize-space(.)) <= {CARD_MAX_CHARS}"
_LINKED_HEADING = "boolean(.//*[self::h2 or self::h3 or self::h4][descendant::a or ancestor::a])"
_CARD_DEPTH = 6


def page_authors(tree: HtmlElement, data: Structured, site_name: str | None, fallback: str | None) -> list[str]:
    """The article's authors, people first (see the module docstring for the rules)."""
    people, organisations = _json_ld_authors(data)
    sources: tuple[Callable[[], list[str]], ...] = (
        lambda: people, lambda: _meta_authors(data), lambda: _markup_authors(tree), lambda: _byline_box_credits(tree))
    for source in sources:
        names = clean_authors(source(), site_name)
        if names:
            return names
    return clean_authors(organisations, site_name) or clean_authors([fallback] if fallback else [], site_name)


def _byline_box_credits(tree: HtmlElement) -> list[str]:
    """The text of the first byline box that is not a teaser card's: of its innermost boxes when
    it holds several ("<div class=byline><div class=names>A and B</div><div
    class=org>Agency</div></div>"), each read alone, and with a space between elements, so
    that names, agencies and dates do not run together ("JILL LAWLESSAssociated Press",
    "Carrie ArnoldNovember 15")."""
    boxes = tree.xpath(_BYLINE_BOX)[:MAX_BYLINE_BOXES * 2]
    inner = {ancestor for box in boxes for ancestor in box.iterancestors()}
    for box in boxes:
        if _in_card(box):
            continue
        innermost = [b for b in boxes if b not in inner and box in b.iterancestors() and not _in_card(b)] \
            if box in inner else []
        for parts in (innermost, [box]):
            texts = [" ".join(" ".join(part.itertext()).split()) for part in parts]  # elements apart
            texts = [text for text in texts if 0 < len(text) <= 120]
            if texts and clean_authors(texts):
                return texts
    return []


def _in_card(element: HtmlElement) -> bool:
    for depth, ancestor in enumerate(element.iterancestors()):
        if depth >= _CARD_DEPTH or ancestor.tag in ("body", "html"):
            return False
        # cheapest question first: most ancestors have no twin
        if _has_twin(ancestor) and ancestor.xpath(_SMALL) and ancestor.xpath(_LINKED_HEADING):
            return ancestor.find(".//h1") is None
    return False


def _has_twin(element: HtmlElement) -> bool:
    """A sibling with the same tag and class: one of a list of like blocks."""
    parent = element.getparent()
    return parent is not None and sum(
        1 for sibling in parent if sibling.tag == element.tag and sibling.get("class") == element.get("class")
    ) >= 2


def clean_authors(raw: list[str], site_name: str | None = None) -> list[str]:
    """Split and clean raw credit strings into a list of names (people before organisations)."""
    names: list[str] = []
    for value in raw:
        for name in split_credit(value):
            if name.casefold() not in {n.casefold() for n in names}:
                names.append(name)
    people = [n for n in names if not is_organisation(n, site_name)]
    result = people or names
    return result[:MAX_AUTHORS]


def split_credit(value: str) -> list[str]:
    """One raw credit string -> cleaned names."""
    value = " ".join(str(value).split())
    if not value or len(value) > 300:
        return []
    value = _PARENTHESIS_LINK.sub("", value)
    value = _WITH.sub(lambda m: "; " + m.group(1), value)
    value = _DATE_TAIL.sub("", value)
    value = _HANDLE_TAIL.sub("", value)
    parts = []
    for chunk in _SEPARATORS.split(value):
        chunk = chunk.strip()
        if not chunk:
            continue
        commas = [c.strip() for c in chunk.split(",") if c.strip()]
        if (len(commas) == 2 and len(commas[0].split()) == 1 and len(commas[1].split()) <= 3
                and not _ROLE.match(commas[1]) and not is_organisation(commas[0], None)):
            parts.append(chunk)  # "Surname, Given": one person, kept as written
            continue
        kept: list[str] = []
        for c in commas:
            if kept and _ROLE.match(c):
                continue  # "Jane Doe, Staff Writer"
            kept.append(c)
        parts.extend(kept)
    names = []
    for part in parts:
        part = _INNER_CREDIT.sub("", part)
        part = _LEADING_CREDIT.sub("", part)
        part = part.strip(" \t·•|:;,-–—()[]\"'")
        if len(part.split()) > 2:
            part = _TRAILING_ROLE.sub("", part)
        if not part or _NOT_NAME.search(part) or len(part) > 80 or _ROLE.match(part) or _BARE_CREDIT.match(part):
            continue
        if len(part.split()) > 6:
            continue  # a sentence, not a name
        names.append(part)
    return names


def is_organisation(name: str, site_name: str | None) -> bool:
    folded = name.casefold()
    if site_name and (folded == site_name.casefold() or folded.replace(" ", "") == site_name.casefold().replace(" ", "")):
        return True
    if site_name and _names_the_site(folded.split(), site_name.casefold().split()):
        return True
    if _ORGANISATION.search(name):
        return True
    return name.isupper() and len(name) <= 6  # "AP", "DPA", "NTB"


def _names_the_site(words: list[str], site: list[str]) -> bool:
    """The credit starts with the site's name ("CNN Business", "CNN Editor-at-large" on CNN) or
    is the start of it ("Business Insider" on "Business Insider Deutschland")."""
    if not words or not site:
        return False
    return words[: len(site)] == site or (len(words) >= 2 and site[: len(words)] == words)


def _person_names(value: object) -> tuple[list[str], list[str]]:
    """Names from a JSON-LD author value: (Person nodes and plain names, Organization nodes)."""
    people: list[str] = []
    orgs: list[str] = []
    items = value if isinstance(value, list) else [value]
    for item in items[:MAX_AUTHORS * 2]:
        if isinstance(item, str):
            people.append(item)
        elif isinstance(item, dict):
            name = item.get("name")
            if isinstance(name, list):
                name = " ".join(str(n) for n in name)
            if not isinstance(name, str):
                continue
            (orgs if node_types(item) & {"organization", "newsmediaorganization", "corporation"} else people).append(name)
    return people, orgs


def _json_ld_authors(data: Structured) -> tuple[list[str], list[str]]:
    """The article's JSON-LD credits: (people, organisations)."""
    if data.article is None:
        return [], []
    return _person_names(data.article.get("author") or data.article.get("creator"))


def _meta_authors(data: Structured) -> list[str]:
    for key in ("author", "article:author", "dc.creator", "dcterms.creator", "parsely-author", "sailthru.author",
                "byl", "cxenseparse:author"):
        values = [v for v in data.meta.get(key, []) if v.strip() and not v.strip().startswith(("http:", "https:"))]
        if values:
            return values
    return []


def _markup_authors(tree: HtmlElement) -> list[str]:
    found = []
    for element in tree.xpath(
        "//*[@itemprop='author' or @rel='author' or (@class and (contains(@class, 'byline__name')"
        " or contains(@class, 'author-name')))]"
    )[:MAX_AUTHORS]:
        if _in_card(element):
            continue
        if element.get("itemprop") == "author":  # a Person with a name inside, or the name itself
            element = next(iter(element.xpath(".//*[@itemprop='name']")), element)
        text = element.get("content") or element.text_content()
        text = " ".join(text.split())
        if text and len(text) <= 100:
            found.append(text)
    return found
