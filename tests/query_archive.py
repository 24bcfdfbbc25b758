"""A small archive for the query and CLI tests: the five seed stories as outlet pages, archived
through the library (Archive facade: WARC records first, then the index).

What it holds (ground truth in `EXPECTED`):
  - the five seed stories, one per outlet, each matching the topic TOPIC;
  - a syndicated copy of seed 001 on a sixth outlet (same text: one article, two captures);
  - a second capture of seed 004's URL two days later with an update paragraph (two versions);
  - two off-topic filler articles (one in German) and a home page that is not an article.
Every seed's boilerplate lines (seeds/README.md) sit in page furniture, where the extractor
must drop them. tests/test_cli_crawled.py runs the same CLI over a real crawl of the demo web.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

SEED_DIR = Path(__file__).resolve().parent.parent / "crawler" / "demoweb" / "seeds"
TOPIC = "India US defence framework"

# seed file stem -> (site name, host, path, title, published, boilerplate lines)
SEEDS = {
    "000_5357bc61c93f5885": (
        "Market Wire", "marketwire.test", "/news/india-us-defense-framework",
        "India, US Sign 10-Year Defense Framework As Hegseth Says Ties 'Have Never Been Stronger'",
        datetime(2025, 10, 31, 13, 42, tzinfo=timezone.utc),
        ["READ NEXT:", "Image via Shutterstock",
         "Disclaimer: This content was partially produced with the help of AI tools and was "
         "reviewed and published by Benzinga editors.",
         "© 2025 Benzinga.com. Benzinga does not provide investment advice. All rights reserved."],
    ),
    "001_4d898108dbfcd6f6": (
        "The Global Courier", "courier.test", "/world/india-us-defence-framework-kuala-lumpur",
        "India and US sign 10-year defence framework as Hegseth and Rajnath Singh meet",
        datetime(2025, 10, 31, 11, 5, tzinfo=timezone.utc),
        [],
    ),
    "002_09fa48de5d08860c": (
        "Valley Republic", "republic.test", "/world/india-us-agree-to-expand-defense-cooperation",
        "India and US agree to expand defense cooperation",
        datetime(2025, 10, 31, 9, 35, tzinfo=timezone.utc),
        ["Kathmandu", "Friday, October 31, 2025", "India and US agree to expand defense cooperation",
         "October 31, 2025", "2 MIN READ", "Photo: Pete Hegseth/X", "A", "A+", "A-"],
    ),
    "003_7820780226b292ca": (
        "Frontier Times", "frontier.test", "/international/us-india-defense-framework",
        "US, India Sign 10-Year Defense Framework as Hegseth Hails 'Unprecedented' Partnership",
        datetime(2025, 10, 31, 13, 10, tzinfo=timezone.utc),
        ["Read More: Trump Says Seven ‘Beautiful Planes’ Shot Down in Pak-India Clash",
         "Read More: Trump Warns India of Massive Tariffs Over Russian Oil Purchases"],
    ),
    "004_7505220e69bc56c7": (
        "The National Herald", "herald.test", "/national/india-us-ink-defence-framework",
        "India, US ink 10-year defence framework; Hegseth calls it a cornerstone",
        datetime(2025, 10, 31, 15, 42, tzinfo=timezone.utc),
        ["Social Footer"],
    ),
}
SYNDICATED_SEED = "001_4d898108dbfcd6f6"
SYNDICATED_SITE = ("Pacific Wire", "pacificwire.test", "/wire/india-us-defence-framework")
UPDATED_SEED = "004_7505220e69bc56c7"
UPDATE_PARAGRAPH = (
    "Update (November 2, 2025): Officials in New Delhi said the text of the framework will be "
    "placed before the parliamentary standing committee during the winter session."
)
FURNITURE_PHRASES = [
    "Subscribe to our morning briefing newsletter",
    "We use cookies to improve your experience",
]


@dataclass
class Expected:
    """Ground truth about the built archive."""

    seed_hashes: dict[str, str] = field(default_factory=dict)  # seed -> content hash
    seed_urls: dict[str, str] = field(default_factory=dict)
    seed_sites: dict[str, str] = field(default_factory=dict)
    syndicated_url: str = ""
    updated_hash: str = ""  # the second version of UPDATED_SEED's URL
    filler_hashes: list[str] = field(default_factory=list)
    german_hash: str = ""
    homepage_url: str = ""
    crawl_ids: list[str] = field(default_factory=list)
    boilerplate: dict[str, list[str]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)  # content hash -> stored text


def seed_lines(stem: str) -> tuple[list[str], list[str]]:
    """(body lines, boilerplate lines) of a seed file."""
    boilerplate = set(SEEDS[stem][5])
    body, found = [], []
    for line in (SEED_DIR / f"{stem}.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            continue
        (found if line in boilerplate else body).append(line)
    return body, found


def page(site: str, title: str, published: datetime, body: list[str], *, furniture: list[str] = (),
         lang: str = "en", canonical: str | None = None) -> bytes:
    """An outlet's article page: nav, cookie banner, share bar, footer around the story."""
    paragraphs = []
    for line in body:
        tag = "h2" if len(line) < 70 and not line.endswith((".", "”", '"', ":")) else "p"
        paragraphs.append(f"<{tag}>{html.escape(line)}</{tag}>")
    extra = "".join(f"<li>{html.escape(x)}</li>" for x in furniture)
    link = f'<link rel="canonical" href="{html.escape(canonical)}">' if canonical else ""
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(title)} | {html.escape(site)}</title>
<meta property="og:title" content="{html.escape(title)}">
<meta property="og:site_name" content="{html.escape(site)}">
<meta name="author" content="Staff Reporter">
<meta property="article:published_time" content="{published.isoformat()}">{link}
</head><body>
<div class="cookie-banner">{FURNITURE_PHRASES[1]}. <button>Accept</button></div>
<header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/business">Business</a>
<a href="/sport">Sport</a></nav><ul class="topbar">{extra}</ul></header>
<main><article>
<h1>{html.escape(title)}</h1>
<div class="byline">By Staff Reporter, {published:%B %d, %Y}</div>
<div class="share"><a href="#">Share on X</a> <a href="#">Share on Facebook</a></div>
{''.join(paragraphs)}
</article>
<aside class="related"><h3>Related stories</h3><ul><li><a href="/x">Markets close higher</a></li>
<li><a href="/y">Monsoon session ends</a></li></ul></aside></main>
<footer><div class="newsletter">{FURNITURE_PHRASES[0]}</div><ul>{extra}</ul>
<p>© 2025 {html.escape(site)}. All rights reserved.</p></footer>
</body></html>""".encode()


FILLER = [
    ("Market Wire", "marketwire.test", "/weather/cold-snap",
     "Cold snap expected across the north this weekend", "en",
     ["Forecasters expect temperatures to fall sharply across northern districts this weekend, "
      "with overnight frost likely in sheltered valleys.",
      "Commuters were advised to allow extra time on Monday morning as icy patches may linger on "
      "minor roads until the afternoon.",
      "A brighter spell is expected later in the week, with highs returning to seasonal levels."]),
    ("The Global Courier", "courier.test", "/de/wirtschaft/hafen",
     "Hafenbetreiber meldet Rekordumschlag im Oktober", "de",
     ["Der Hafenbetreiber hat im Oktober so viele Container umgeschlagen wie nie zuvor in einem "
      "einzelnen Monat, teilte das Unternehmen am Freitag mit.",
      "Grund seien vor allem zusätzliche Liniendienste nach Asien sowie eine schnellere Abfertigung "
      "an den neuen automatisierten Terminals.",
      "Für das kommende Jahr rechnet die Geschäftsführung mit einem weiteren, aber moderateren "
      "Wachstum des Umschlags."]),
]


def _exchange(url: str, body: bytes, fetched_at: datetime, status: int = 200):
    from archive.exchange import HttpExchange

    return HttpExchange(
        url=url, method="GET",
        request_headers=[(b"User-Agent", b"news-archive-tests"), (b"Accept", b"text/html")],
        request_body=b"", protocol="HTTP/1.1", status=status, reason="OK",
        response_headers=[(b"Content-Type", b"text/html; charset=utf-8"),
                          (b"Content-Length", str(len(body)).encode()),
                          (b"ETag", f'"{abs(hash(body)) % 10**12}"'.encode())],
        body=body, ip_address="127.0.0.1", fetched_at=fetched_at,
    )


def build_archive(directory: Path, database_url: str | None = None) -> Expected:
    """Archive the pages into ``directory`` (and ``database_url``) and return the ground truth."""
    from archive import Archive, extract
    from archive.exchange import TopicMatch

    expected = Expected()
    sites = [{"name": v[0], "url": f"http://{v[1]}/"} for v in SEEDS.values()]
    sites.append({"name": SYNDICATED_SITE[0], "url": f"http://{SYNDICATED_SITE[1]}/"})
    topic = [TopicMatch(TOPIC, 0.82)]

    def archive_article(session, url, site, html_bytes, fetched_at, topics):
        ref = session.write_response(_exchange(url, html_bytes, fetched_at))
        result = extract(html_bytes, url)
        assert result.text, f"extractor found no article at {url}"
        return session.add_article(ref, result, topics=topics)

    with Archive.open(directory, database_url) as arch:
        # Crawl 1: the story breaks.
        session = arch.start_crawl(spider="topic", topic=TOPIC, sites=sites, settings_digest="t1")
        expected.crawl_ids.append(session.crawl_id)
        home = "http://marketwire.test/"
        session.write_response(_exchange(home, b"<html><body><a href='/news'>News</a></body></html>",
                                         datetime(2025, 10, 31, 16, 0, tzinfo=timezone.utc)))
        expected.homepage_url = home
        for stem, (site, host, path, title, published, _bp) in SEEDS.items():
            body, boilerplate = seed_lines(stem)
            expected.boilerplate[stem] = boilerplate
            url = f"http://{host}{path}"
            fetched = published + timedelta(minutes=30)
            h = archive_article(session, url, site, page(site, title, published, body,
                                furniture=boilerplate), fetched, topic)
            expected.seed_hashes[stem], expected.seed_urls[stem] = h, url
            expected.seed_sites[stem] = site
        # The syndicated copy: same story, another outlet.
        site, host, path = SYNDICATED_SITE
        body, boilerplate = seed_lines(SYNDICATED_SEED)
        _, _, _, title, published, _ = SEEDS[SYNDICATED_SEED]
        expected.syndicated_url = f"http://{host}{path}"
        h = archive_article(session, expected.syndicated_url, site,
                            page(site, title, published, body), published + timedelta(hours=3),
                            topic)
        assert h == expected.seed_hashes[SYNDICATED_SEED], "syndicated copy extracted differently"
        for site, host, path, title, lang, body in FILLER:
            published = datetime(2025, 10, 30, 8, 0, tzinfo=timezone.utc)
            h = archive_article(session, f"http://{host}{path}", site,
                                page(site, title, published, body, lang=lang),
                                published + timedelta(hours=1), [])
            expected.filler_hashes.append(h)
            if lang == "de":
                expected.german_hash = h
        session.close({"pages": 9})

        # Crawl 2: two days later, seed 004's page carries an update.
        session = arch.start_crawl(spider="topic", topic=TOPIC, sites=sites, settings_digest="t2")
        expected.crawl_ids.append(session.crawl_id)
        site, host, path, title, published, _ = SEEDS[UPDATED_SEED]
        body, boilerplate = seed_lines(UPDATED_SEED)
        expected.updated_hash = archive_article(
            session, f"http://{host}{path}", site,
            page(site, title, published, body + [UPDATE_PARAGRAPH], furniture=boilerplate),
            datetime(2025, 11, 2, 6, 0, tzinfo=timezone.utc), topic,
        )
        session.close({"pages": 1})
    return expected


@dataclass
class Built:
    """A built test archive: where it is and what it holds."""

    engine_name: str
    directory: Path
    database_url: str | None  # None: the default SQLite file inside `directory`
    expected: Expected

    def cli_args(self) -> list[str]:
        args = ["--dir", str(self.directory)]
        if self.database_url:
            args += ["--db", self.database_url]
        return args


def built_archive(request, tmp_path_factory):
    """Generator for a module-scoped fixture parametrised over "sqlite" / "postgresql"."""
    directory = tmp_path_factory.mktemp(f"archive-{request.param}")
    if request.param == "sqlite":
        yield Built("sqlite", directory, None, build_archive(directory))
        return
    from conftest import fresh_pg_schema

    with fresh_pg_schema() as url:
        yield Built("postgresql", directory, url, build_archive(directory, url))
