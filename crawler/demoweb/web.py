"""DemoWeb: a local multi-outlet news web with ground truth, for tests, the offline demo and benchmarks."""

from __future__ import annotations

import base64
import errno
import functools
import ipaddress
import json
import random
import re
import threading
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypedDict

from . import surfaces
from .content import (
    OTHER_STORIES,
    SECTIONS,
    SEED_SPECS,
    UPDATE_PARAGRAPH,
    UPDATED_MODIFIED,
    UPDATED_SEED,
    Article,
    filler_date,
    filler_text,
    load_seeds,
    person,
    slugify,
)
from .server import Outlet, OutletServer, Resource
from .templates import TEMPLATES, Item, Page

# --------------------------------------------------------------------------- outlet specs


class _AssetCaching(TypedDict):
    """How the static assets (CSS, fonts, images) are served: long-cached, dated."""

    last_modified: float
    cache_control: str


@dataclass
class OutletSpec:
    name: str
    template: int
    lang: str
    server: str
    gzip: bool
    feed: str | None  # "rss" | "atom" | None
    feed_path: str | None
    feed_advertised: bool
    sitemap: str | None  # "index" | "multi" | None
    search: bool
    sections: list[str]
    seed_section: str
    absolute_links: bool = False
    sites_extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (self.feed is None) != (self.feed_path is None):
            raise ValueError(f"{self.name}: a feed needs a feed_path, and only a feed has one")


def default_specs() -> list[OutletSpec]:
    return [
        OutletSpec("Market Pulse Daily", 0, "en-US", "nginx/1.24.0", True, "rss", "/rss.xml", True, "index", False,
                   ["markets", "technology", "sport", "politics"], "world"),
        OutletSpec("Capital Herald", 1, "en-GB", "Apache/2.4.58 (Ubuntu)", False, "atom", "/feeds/atom.xml", True,
                   "multi", False, ["politics", "sport", "culture", "weather"], "world", absolute_links=True),
        OutletSpec("Himalayan Dispatch", 2, "en", "openresty", True, None, None, False, None, False,
                   ["politics", "sport", "weather", "markets"], "world",
                   sites_extra={"article_pattern": r"^/story/\d+/", "deny": [r"^/tag/", r"^/epaper"]}),
        OutletSpec("The Daily Insight", 3, "en", "cloudflare", False, "rss", "/feed/", False, None, True,
                   ["politics", "markets", "sport", "technology"], "international"),
        OutletSpec("Bharat Observer", 4, "en-IN", "nginx", True, "rss", "/feeder/default.rss", True, "index", False,
                   ["markets", "sport", "culture", "technology", "weather"], "national"),
    ]


EXTRA_NAMES = ["Coastal Tribune", "Northern Ledger", "Evening Courier", "Metro Gazette", "Riverside Post",
               "Plains Chronicle", "Harbour Times", "Valley Standard"]


def extra_spec(i: int) -> OutletSpec:
    name = EXTRA_NAMES[(i - 5) % len(EXTRA_NAMES)]
    if i - 5 >= len(EXTRA_NAMES):
        name += f" {i - 4}"
    template = i % 5
    rng = random.Random(f"demoweb-outlet-{i}")
    sections = sorted(rng.sample(SECTIONS, 4))
    return OutletSpec(name, template, "en", rng.choice(["nginx", "Apache", "Caddy"]), i % 2 == 0, "rss",
                      "/feed.xml", True, "index", False, sections[1:], sections[0])


# --------------------------------------------------------------------------- URL schemes per template

def article_path(template: int, a: Article) -> str:
    d = a.published
    if template == 0:
        return f"/news/{d:%Y/%m/%d}/{a.slug}-{a.ident}"
    if template == 1:
        return f"/{a.section}/{d:%Y}/{d.strftime('%b').lower()}/{d:%d}/{a.slug}"
    if template == 2:
        return f"/story/{a.ident}/{a.slug}"
    if template == 3:
        return f"/{d:%Y/%m/%d}/{a.slug}/"
    return f"/{a.section}/{a.slug}/article{a.ident}.ece"


def section_path(template: int, section: str) -> str:
    return {0: f"/section/{section}", 1: f"/{section}", 2: f"/category/{section}",
            3: f"/category/{section}/"}.get(template, f"/{section}/")


# --------------------------------------------------------------------------- page assets

BASE_CSS = b"html{box-sizing:border-box}*,*:before,*:after{box-sizing:inherit}img{max-width:100%}\n"
SITE_CSS = (
    b'@import url("base.css");\n'
    b'@font-face{font-family:"Demo Serif";src:url(fonts/demo.woff2) format("woff2")}\n'
    b'body{font-family:"Demo Serif",Georgia,serif;color:#1a1a1a;background:#fbf8f1;'
    b"max-width:880px;margin:0 auto;padding:0 24px}\n"
    b"h1{border-top:6px solid #8b1a1a;padding-top:12px}\n"
    b"header,.site-header,.masthead{background:#f4f1ea url(img/masthead.jpg) repeat-x}\n"
    b"main img,article img,figure img{display:block;width:640px;height:360px;object-fit:cover}\n"
)
# Not a real font (browsers reject it quietly); it is the request and its replay that matter.
FONT = b"wOF2\x00\x01\x00\x00" + bytes(56)
SHARE_JS = b"document.documentElement.dataset.share='ready';\n"
HUGE_ASSET = 3 * 1024 * 1024  # over the test settings' ARCHIVE_REQUISITE_MAX_SIZE

# --------------------------------------------------------------------------- fixed bad-input payloads

JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hn"
    "Pk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2Nj"
    "Y2P/wAARCAAIAAgDASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQID"
    "AAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlq"
    "c3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3"
    "+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEI"
    "FEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImK"
    "kpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwCS"
    "iiivGPWP/9k="
)


def _pdf() -> bytes:
    stream = b"BT /F1 18 Tf 72 720 Td (Quarterly market outlook - subscriber report) Tj ET"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


PDF = _pdf()
BOMB_INFLATED = 60 * 1024 * 1024


@functools.lru_cache(maxsize=1)
def gzip_bomb() -> bytes:
    """~60 KB of gzip that inflates to 60 MB of HTML-ish whitespace (computed once per process)."""
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    head = b"<!DOCTYPE html><html><head><title>Weekend long read</title></head><body><p>"
    out = [c.compress(head)]
    chunk = b" " * (1 << 20)
    remaining = BOMB_INFLATED - len(head)
    while remaining > 0:
        out.append(c.compress(chunk[: min(len(chunk), remaining)]))
        remaining -= len(chunk)
    out.append(c.flush())
    return b"".join(out)


# --------------------------------------------------------------------------- DemoWeb

def _ts(d: datetime) -> float:
    return d.timestamp()


class DemoWeb:
    """A local news web of several outlets, one loopback address each (127.0.0.2, .3, ...), one shared port.

        with DemoWeb(filler_per_outlet=8) as web:      # start() / stop() also work
            web.write_sites_yaml(tmp_path / "sites.yaml")
            web.expected["stories"][0]["url"]

    Pages are rendered after the sockets are bound (URLs carry the port), so `sites` and `expected`
    exist only after start(). Generation 2 on the same port serves the same bytes except the updated
    article. Everything is deterministic: same arguments + same port -> same bytes.

    sites: [{"name", "url", optional "feeds": [url], "sitemaps": [url], "search": "...?q={query}",
             "article_pattern": regex on the URL path of article pages, "deny": [regex on paths]}]
    expected:
      generation, port, sites
      surfaces: {site name: {home, robots, feeds, feed_format, feed_advertised, sitemaps (as in robots.txt),
                 sections, section_pages {section url: number of ?page=N pages}, search, gzip, template}}
      stories: [{seed, title, body [lines], boilerplate [lines that must not reach the text], published,
                 authors, url, site (the original), urls, sites (original first, then the syndicated copy)}]
      syndicated: {seed, urls [original, copy], sites}
      updated: {url, site, seed, added_paragraph, changed_in_generation: 2, present: generation == 2}
      other: [{url, title, site}]  "Read More" targets: related (India, Trump) but not about the framework
      filler: [{url, site, title, published, section, mentions_india}]; old: [filler urls dated 2024];
      off_topic: [filler urls]
      bad: {kind: {url, site, linked_from [page urls, or "sitemap"/"feed"/"sitemap index"], ...details}} for
           kinds not_found, flaky, slow, reset, redirect_chain, redirect_loop, wrong_charset, no_charset,
           oversized, gzip_bomb, malformed_feed, malformed_sitemap, entity_expansion, pdf, jpeg,
           robots_disallowed, tracking_params, cookie_domain
      robots_disallowed: url
    """

    def __init__(self, first_ip: str = "127.0.0.2", port: int = 0, generation: int = 1,
                 filler_per_outlet: int = 8, outlets: int = 5, article_kb: float | None = None,
                 bad_inputs: bool = True) -> None:
        if outlets < 4:
            raise ValueError("the demo web needs at least 4 outlets")
        if generation not in (1, 2):
            raise ValueError("generation must be 1 or 2")
        first = ipaddress.IPv4Address(first_ip)
        if not first.is_loopback:
            raise ValueError("the demo web binds loopback addresses only")
        self.hosts = [str(first + i) for i in range(outlets)]
        # Shared assets (a script, large images) come from a "CDN" host that is not in the
        # sites file, as on real news sites: the address after the last outlet.
        self.cdn_host = str(first + outlets)
        if not ipaddress.IPv4Address(self.cdn_host).is_loopback:
            raise ValueError("too many outlets for the loopback range")
        self.requested_port = port
        self.generation = generation
        self.filler_per_outlet = filler_per_outlet
        self.n_outlets = outlets
        self.article_kb = article_kb
        self.bad_inputs = bad_inputs
        self.specs = default_specs() + [extra_spec(i) for i in range(5, outlets)]
        self.specs = self.specs[:outlets]
        self._servers: list[OutletServer] = []
        self._outlets: list[Outlet] = []
        self._sites: list[dict] | None = None
        self._expected: dict | None = None
        self.port: int | None = None

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> DemoWeb:
        if self._servers:
            raise RuntimeError("already started")
        self._outlets = [Outlet(s.name, s.server) for s in self.specs]
        self._cdn = Outlet("Demo CDN", "demo-cdn")
        self._bind()
        try:
            self._build()
        except BaseException:
            for srv in self._servers:
                srv.httpd.server_close()
            self._servers = []
            raise
        for srv in self._servers:
            srv.start()
        return self

    def stop(self) -> None:
        """Stop every outlet (in parallel: each server notices within its poll interval) and drop connections."""
        threads = [threading.Thread(target=srv.stop) for srv in self._servers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self._servers = []

    def __enter__(self) -> DemoWeb:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _bind(self) -> None:
        """All outlets on one port number: the requested one, or one the OS picks for the first address."""
        attempts = 1 if self.requested_port else 50
        last: OSError | None = None
        for _ in range(attempts):
            servers: list[OutletServer] = []
            try:
                port = self.requested_port
                for host, outlet in [*zip(self.hosts, self._outlets), (self.cdn_host, self._cdn)]:
                    srv = OutletServer(outlet, host, port)
                    servers.append(srv)
                    port = srv.port
                self._servers, self.port = servers, port
                return
            except OSError as exc:
                for srv in servers:
                    srv.httpd.server_close()
                if exc.errno != errno.EADDRINUSE:
                    raise
                last = exc
        raise last or OSError("could not bind")

    # ----------------------------------------------------------------- public data

    @property
    def sites(self) -> list[dict]:
        if self._sites is None:
            raise RuntimeError("start() the demo web first")
        return self._sites

    @property
    def expected(self) -> dict:
        if self._expected is None:
            raise RuntimeError("start() the demo web first")
        return self._expected

    @property
    def hits(self) -> int:
        return sum(o.hits for o in self._outlets)

    def base_url(self, i: int) -> str:
        return f"http://{self.hosts[i]}:{self.port}"

    @property
    def cdn_url(self) -> str:
        return f"http://{self.cdn_host}:{self.port}"

    def write_sites_yaml(self, path) -> Path:
        import yaml

        path = Path(path)
        path.write_text(yaml.safe_dump({"sites": self.sites}, sort_keys=False, allow_unicode=True), encoding="utf-8")
        return path

    def write_expected_json(self, path) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.expected, indent=1, ensure_ascii=False), encoding="utf-8")
        return path

    # ----------------------------------------------------------------- building

    def _build(self) -> None:
        self._pages = []
        for i, spec in enumerate(self.specs):
            base = self.base_url(i)
            sections = [spec.seed_section] + spec.sections
            alternates = []
            if spec.feed and spec.feed_path and spec.feed_advertised:
                kind = "application/atom+xml" if spec.feed == "atom" else "application/rss+xml"
                alternates.append((kind, f"{spec.name} » Feed", spec.feed_path))
            self._pages.append(Page(spec.name, base, spec.lang,
                                    [(s.capitalize(), section_path(spec.template, s)) for s in ["latest"] + sections],
                                    alternates, spec.absolute_links, self.cdn_url))
        self._articles: list[list[Article]] = [[] for _ in self.specs]
        self._extra_links: list[dict[str, list[Item]]] = [{} for _ in self.specs]  # section -> bad items
        self._home_extra: list[list[str]] = [[] for _ in self.specs]
        self._feed_extra: list[list[Item]] = [[] for _ in self.specs]
        self._sitemap_extra: list[list[tuple[str, str, datetime]]] = [[] for _ in self.specs]
        self._robots_extra: list[list[str]] = [[] for _ in self.specs]
        self._index_extra: list[list[str]] = [[] for _ in self.specs]
        self._alt_extra: list[list[tuple[str, str, str]]] = [[] for _ in self.specs]
        self._bad: dict[str, dict] = {}
        self._surfaces: dict[str, dict] = {}
        self._cookie: tuple[int, list[str]] | None = None

        stories = self._make_seed_articles()
        for i in range(len(self.specs)):
            self._make_filler(i)
        for i, arts in enumerate(self._articles):
            taken: set[str] = set()
            for a in arts:
                a.path = article_path(self.specs[i].template, a)
                n = 2
                while a.path in taken:  # same slug on the same day: WordPress-style "-2" suffix
                    a.slug = re.sub(r"-\d+$", "", a.slug) if n > 2 else a.slug
                    a.slug = f"{a.slug}-{n}"
                    a.path = article_path(self.specs[i].template, a)
                    n += 1
                taken.add(a.path)
                a.url = self.base_url(i) + a.path
        self._link_seed_inserts()
        if self.bad_inputs:
            self._make_bad_inputs()
        for i in range(len(self.specs)):
            self._render_outlet(i)
        self._make_cdn()
        self._make_expected(stories)

    # --- articles

    def _seed_outlet(self, k: int) -> int:
        return k % len(self.specs)

    def _make_seed_articles(self) -> list[dict]:
        stories = []
        self._seed_articles: dict[str, list[Article]] = {}
        for k, seed in enumerate(load_seeds()):
            spec = SEED_SPECS[seed.name]
            o = self._seed_outlet(k)
            body = list(seed.body)
            modified = None
            if seed.name == UPDATED_SEED and self.generation == 2:
                body.append(("p", UPDATE_PARAGRAPH))
                modified = UPDATED_MODIFIED
            first_p = next(t for kind, t in body if kind == "p")
            a = Article("seed", o, 5000 + k, spec["slug"], spec["section"], spec["title"],
                        _sentence(first_p), spec["published"], list(spec["authors"]), body,
                        modified=modified, furniture=dict(seed.furniture), seed=seed.name)
            if "figcaption" in seed.furniture:
                a.image_caption = seed.furniture["figcaption"][0]
            a.inline_lines = seed.inline_after  # resolved to links once paths exist
            self._articles[o].append(a)
            self._seed_articles[seed.name] = [a]
            stories.append({"seed": seed.name, "boilerplate": seed.boilerplate})
        # The syndicated copy: seed 001's text, also on outlet 3 in that outlet's template.
        syn_seed = "001_4d898108dbfcd6f6"
        orig = self._seed_articles[syn_seed][0]
        host = 3
        copy = Article("syndicated", host, 5100, orig.slug + "-syndicated", "international", orig.title,
                       orig.description, orig.published.replace(hour=14, minute=40), list(orig.authors),
                       list(orig.body), seed=syn_seed)
        copy.extra_html = (f'<p class="syndication-note"><em>This story was originally published by '
                           f"{self.specs[orig.outlet].name} and is republished here under a content-sharing agreement.</em></p>")
        self._articles[host].append(copy)
        self._seed_articles[syn_seed].append(copy)
        self._syndicated = (orig, copy)
        # "Read More" targets linked from seed 003, on the outlet that carries it.
        o3 = self._seed_outlet(3)
        self._others = []
        for j, st in enumerate(OTHER_STORIES):
            body = [("p", t) for t in st["body"]]
            a = Article("other", o3, 5200 + j, st["slug"], "international", st["title"], _sentence(st["body"][0]),
                        st["published"], ["Web Desk"], body)
            self._articles[o3].append(a)
            self._others.append(a)
        return stories

    def _make_filler(self, i: int) -> None:
        spec = self.specs[i]
        target_paras = None
        if self.article_kb:
            target_paras = max(6, int(self.article_kb * 1024 * 0.3 / 430))
        for n in range(self.filler_per_outlet):
            rng = random.Random(f"demoweb:{i}:{n}")
            section = rng.choice(spec.sections)
            paras = target_paras or rng.randint(5, 10)
            title, body = filler_text(rng, section, paras)
            ident = 10000 + i * 100000 + n * 7 + rng.randrange(7)
            authors = [person(rng)] if rng.random() < 0.8 else [person(rng), person(rng)]
            a = Article("filler", i, ident, slugify(title), section, title, _sentence(body[0]),
                        filler_date(rng), authors, [("p", p) for p in body])
            a.image_caption = rng.choice(["Photo: File", "Image: Reuters file photo", "Photograph: staff",
                                          "Photo: Supplied", ""])
            self._articles[i].append(a)

    def _link_seed_inserts(self) -> None:
        by_title = {a.title: a for a in self._others}
        for arts in self._articles:
            for a in arts:
                for after, line in a.inline_lines:
                    label, _, title = line.partition(": ")
                    target = by_title[title]
                    a.inline.setdefault(after, []).append((label + ":", title, target.path))

    # --- bad inputs

    def _host(self, preferred: int) -> int:
        return preferred if preferred < len(self.specs) else 0

    def _bad_item(self, i: int, title: str, href: str, day: int, section: str | None = None,
                  teaser: str = "") -> Item:
        sec = section or self.specs[i].sections[0]
        it = Item(title, href, teaser or title + ".", datetime(2025, 11, day, 8, 15, tzinfo=timezone.utc), sec)
        self._extra_links[i].setdefault(sec, []).append(it)
        return it

    def _add_bad(self, kind: str, i: int, url: str, linked_from: list[str], **extra) -> None:
        self._bad[kind] = {"url": url, "site": self.specs[i].name, "linked_from": linked_from, **extra}

    def _res(self, i: int, path: str, res: Resource) -> None:
        self._outlets[i].resources[path] = res

    def _section_url(self, i: int, section: str | None = None) -> str:
        sec = section or self.specs[i].sections[0]
        return self.base_url(i) + section_path(self.specs[i].template, sec)

    def _make_bad_inputs(self) -> None:
        page_lm = _ts(datetime(2025, 11, 3, tzinfo=timezone.utc))
        o0, o1, o2, o3, o4 = (self._host(k) for k in range(5))

        # 404, linked from a section and listed in the sitemap
        p = "/news/2025/11/03/fed-minutes-what-traders-missed-99001" if self.specs[o0].template == 0 \
            else "/news/2025/11/03/fed-minutes-what-traders-missed-99001/"
        self._bad_item(o0, "Fed minutes: what traders missed", p, 3)
        self._sitemap_extra[o0].append((self.base_url(o0) + p, "Fed minutes: what traders missed",
                                        datetime(2025, 11, 3, 8, 15, tzinfo=timezone.utc)))
        self._add_bad("not_found", o0, self.base_url(o0) + p, [self._section_url(o0), "sitemap"], status=404)

        # 500 once, then 200 (per server state)
        flaky = self._filler_clone(o1, "Council budget row: live updates as vote nears", "politics")
        self._outlets[o1].resources[flaky.path] = Resource(
            self._render_article(o1, flaky).encode(), last_modified=_ts(flaky.published), behaviour="flaky")
        self._articles_extra_listing(o1, flaky)
        self._feed_extra[o1].append(_item(flaky))
        self._add_bad("flaky", o1, flaky.url, [self._section_url(o1, flaky.section), "feed"],
                      statuses=[500, 200], title=flaky.title)

        # slow page: sleeps longer than a test DOWNLOAD_TIMEOUT
        slow = self._filler_clone(o2, "Live: heavy snowfall closes mountain passes", self.specs[o2].sections[0])
        self._outlets[o2].resources[slow.path] = Resource(self._render_article(o2, slow).encode(), behaviour="slow")
        self._articles_extra_listing(o2, slow)
        from .server import SLOW_SECONDS
        self._add_bad("slow", o2, slow.url, [self._section_url(o2, slow.section)], delay=SLOW_SECONDS)

        # connection reset mid-response
        reset = self._filler_clone(o2, "Photo gallery: festival of lights across the valley", self.specs[o2].sections[0])
        self._outlets[o2].resources[reset.path] = Resource(self._render_article(o2, reset).encode(), behaviour="reset")
        self._articles_extra_listing(o2, reset)
        self._add_bad("reset", o2, reset.url, [self._section_url(o2, reset.section)])

        # redirect chain (3 hops) to a real article, and a loop
        target = next(a for a in self._articles[o0] if a.kind == "filler") if self.filler_per_outlet else \
            self._articles[o0][0]
        hops = ["/go/story-7781", "/amp/story-7781", "/story-7781-redirect"]
        b0 = self.base_url(o0)
        chain = [(hops[0], 301, b0 + hops[1]), (hops[1], 302, hops[2]), (hops[2], 307, target.path)]
        for path, status, loc in chain:
            self._res(o0, path, Resource(b"", status=status, headers=[("Location", loc)], content_type="text/html"))
        self._bad_item(o0, target.title, hops[0], 2, teaser=target.description)
        self._add_bad("redirect_chain", o0, b0 + hops[0], [self._section_url(o0)],
                      hops=[b0 + p for p in hops], final=target.url, statuses=[301, 302, 307])
        for a_path, b_path in (("/go/loop-a", "/go/loop-b"), ("/go/loop-b", "/go/loop-a")):
            self._res(o0, a_path, Resource(b"", status=302, headers=[("Location", b0 + b_path)], content_type="text/html"))
        self._bad_item(o0, "Markets live: all the moves as they happen", "/go/loop-a", 2)
        self._add_bad("redirect_loop", o0, b0 + "/go/loop-a", [self._section_url(o0)],
                      loop=[b0 + "/go/loop-a", b0 + "/go/loop-b"])

        # charset trouble: declared utf-8 but bytes are cp1252; and no charset at all (latin-1)
        wrong = self._filler_clone(o4, "Crème brûlée and €4.50 coffee: the café boom on Church Street", "culture")
        wrong.body = [("p", "Señor Ibáñez opened his café in March, and the queue for his crème brûlée now reaches "
                            "the corner by nine o’clock. “We sell three hundred a day,” he says, at €4.50 each."),
                      ("p", "Neighbours are divided: some welcome the smell of roasting coffee, others the "
                            "façade’s new awning less so.")] + wrong.body[:3]
        html = self._render_article(o4, wrong)
        self._outlets[o4].resources[wrong.path] = Resource(
            html.encode("cp1252", "xmlcharrefreplace"),
            content_type="text/html; charset=utf-8", last_modified=_ts(wrong.published))
        self._articles_extra_listing(o4, wrong)
        self._add_bad("wrong_charset", o4, wrong.url, [self._section_url(o4, wrong.section)],
                      declared="utf-8", actual="cp1252", phrase="crème brûlée", title=wrong.title)

        nochar = self._filler_clone(o4, "Señora Muñoz wins the regional piano prize", "culture")
        nochar.body = [("p", "Señora Muñoz, 74, played Granados and Albéniz for the jury in the old Liceo hall, "
                             "and took the first prize of £2,000 for the second time in her career."),
                       ("p", "The runner-up, a student from Köln, said the rôle of the audience was decisive.")] \
            + nochar.body[:3]
        html = self._render_article(o4, nochar).replace('<meta charset="utf-8">\n', "")
        self._outlets[o4].resources[nochar.path] = Resource(
            html.encode("latin-1", "xmlcharrefreplace"), content_type="text/html",
            last_modified=_ts(nochar.published))
        self._articles_extra_listing(o4, nochar)
        self._add_bad("no_charset", o4, nochar.url, [self._section_url(o4, nochar.section)],
                      declared=None, actual="latin-1", phrase="Señora Muñoz", title=nochar.title)

        # oversized body (3 MB)
        big = self._filler_clone(o1, "In full: the annual transport report, every table", "politics")
        html = _pad(self._render_article(o1, big), 3 * 1024 * 1024, big.title)
        self._outlets[o1].resources[big.path] = Resource(html.encode(), last_modified=_ts(big.published))
        self._articles_extra_listing(o1, big)
        self._add_bad("oversized", o1, big.url, [self._section_url(o1, big.section)], size=len(html.encode()))

        # gzip bomb: always gzip-encoded, whatever the client accepts
        bomb = gzip_bomb()
        bpath = "/2025/11/04/weekend-long-read-the-river-that-ran-dry/" if self.specs[o3].template == 3 \
            else "/news/weekend-long-read-the-river-that-ran-dry"
        self._res(o3, bpath, Resource(bomb, content_encoding="gzip", last_modified=page_lm))
        self._bad_item(o3, "Weekend long read: the river that ran dry", bpath, 4, section=self.specs[o3].sections[0])
        self._add_bad("gzip_bomb", o3, self.base_url(o3) + bpath, [self._section_url(o3)],
                      compressed_size=len(bomb), inflated_size=BOMB_INFLATED)

        # malformed RSS feed, advertised next to the real one
        fpath = "/news/feeder/latest.rss"
        first = self._articles[o4][0]
        self._res(o4, fpath, Resource(surfaces.malformed_rss(self.specs[o4].name, self.base_url(o4) + "/",
                                                             (first.url, first.title)),
                                      content_type="application/rss+xml; charset=utf-8", last_modified=page_lm))
        self._alt_extra[o4].append(("application/rss+xml", "Latest news", fpath))
        self._add_bad("malformed_feed", o4, self.base_url(o4) + fpath, [self.base_url(o4) + "/"],
                      valid_item=first.url)

        # malformed sitemap, listed in robots.txt
        spath = "/sitemap-broken.xml"
        first1 = self._articles[o1][0]
        self._res(o1, spath, Resource(surfaces.malformed_sitemap(first1.url), content_type="application/xml",
                                      last_modified=page_lm))
        self._robots_extra[o1].append(self.base_url(o1) + spath)
        self._add_bad("malformed_sitemap", o1, self.base_url(o1) + spath, [self.base_url(o1) + "/robots.txt"])

        # billion laughs, listed in the sitemap index
        epath = "/sitemaps/entities.xml"
        self._res(o0, epath, Resource(surfaces.entity_expansion_sitemap(self.base_url(o0) + "/"),
                                      content_type="application/xml", last_modified=page_lm))
        self._index_extra[o0].append(self.base_url(o0) + epath)
        self._add_bad("entity_expansion", o0, self.base_url(o0) + epath, ["sitemap index"])

        # non-HTML content linked like articles
        ppath = "/news/2025/11/04/quarterly-market-outlook-subscriber-report"
        self._res(o0, ppath, Resource(PDF, content_type="application/pdf", last_modified=page_lm))
        self._bad_item(o0, "Quarterly market outlook: the subscriber report", ppath, 4)
        self._sitemap_extra[o0].append((self.base_url(o0) + ppath, "Quarterly market outlook",
                                        datetime(2025, 11, 4, 8, 15, tzinfo=timezone.utc)))
        self._add_bad("pdf", o0, self.base_url(o0) + ppath, [self._section_url(o0), "sitemap"],
                      content_type="application/pdf")
        jsec = self.specs[o1].sections[0]
        jpath = f"/{jsec}/2025/nov/04/pictures-of-the-day"
        self._res(o1, jpath, Resource(JPEG, content_type="image/jpeg", last_modified=page_lm))
        self._bad_item(o1, "Pictures of the day: Tuesday", jpath, 4)
        self._add_bad("jpeg", o1, self.base_url(o1) + jpath, [self._section_url(o1)], content_type="image/jpeg")

        # robots.txt-disallowed page, linked from home and a section
        rpath = "/private/subscriber-briefing-markets-week-ahead"
        priv = self._filler_clone(o0, "Subscriber briefing: the week ahead for markets", self.specs[o0].sections[0])
        priv.path, priv.url = rpath, self.base_url(o0) + rpath
        self._res(o0, rpath, Resource(self._render_article(o0, priv).encode(), last_modified=page_lm))
        self._bad_item(o0, priv.title, rpath, 1)
        self._home_extra[o0].append(f'<div class="premium"><h3>Subscriber exclusive</h3><a href="{rpath}">{priv.title}</a></div>')
        self._add_bad("robots_disallowed", o0, priv.url, [self.base_url(o0) + "/", self._section_url(o0)])

        # tracking-parameter duplicates of one real article
        fill4 = [a for a in self._articles[o4] if a.kind == "filler"]
        if fill4:
            t = fill4[min(1, len(fill4) - 1)]
            utm = t.path + "?utm_source=twitter&utm_medium=social&utm_campaign=share_button"
            fb = t.path + "?fbclid=IwAR2dEmO0kFbClId7x#comments"
            self._home_extra[o4].append(f'<div class="trending-social"><h3>Trending on social</h3><a href="{utm}">{t.title}</a></div>')
            self._extra_links[o4].setdefault(t.section, []).append(
                Item(t.title + " (comments)", fb, t.description, t.published, t.section))
            b4 = self.base_url(o4)
            self._add_bad("tracking_params", o4, t.url, [b4 + "/", self._section_url(o4, t.section)],
                          variants=[b4 + utm, b4 + fb])

        # cookie with a Domain= attribute on a home page
        host1 = self.hosts[o1]
        cookies = [f"ch_session=7f3a9c; Domain={host1}; Path=/; Max-Age=86400; HttpOnly",
                   "ch_consent=pending; Domain=.capitalherald.example; Path=/; SameSite=Lax"]
        self._cookie = (o1, cookies)
        self._add_bad("cookie_domain", o1, self.base_url(o1) + "/", [], set_cookie=cookies)

    def _filler_clone(self, i: int, title: str, section: str) -> Article:
        rng = random.Random(f"demoweb-bad:{i}:{title}")
        _t, body = filler_text(rng, section if section in SECTIONS else "politics", 5)
        a = Article("bad", i, 90000 + rng.randrange(9999), slugify(title), section, title, _sentence(body[0]),
                    datetime(2025, 11, 2, 7, rng.randrange(60), tzinfo=timezone.utc), [person(rng)],
                    [("p", p) for p in body])
        a.path = article_path(self.specs[i].template, a)
        a.url = self.base_url(i) + a.path
        return a

    def _articles_extra_listing(self, i: int, a: Article) -> None:
        self._extra_links[i].setdefault(a.section, []).append(_item(a))

    # --- rendering

    def _render_article(self, i: int, a: Article, related=None, read_next=None) -> str:
        related = related or []
        read_next = read_next or []
        return TEMPLATES[self.specs[i].template].article(self._pages[i], a, related, read_next)

    def _render_outlet(self, i: int) -> None:
        spec, page, outlet = self.specs[i], self._pages[i], self._outlets[i]
        tpl = TEMPLATES[spec.template]
        base = self.base_url(i)
        arts = self._articles[i]
        page.alternates = page.alternates + self._alt_extra[i]
        by_section: dict[str, list[Article]] = {}
        for a in arts:
            by_section.setdefault(a.section, []).append(a)
        for lst in by_section.values():
            lst.sort(key=lambda a: (a.published, a.ident), reverse=True)
        everything = sorted(arts, key=lambda a: (a.published, a.ident), reverse=True)
        filler = [a for a in everything if a.kind == "filler"]
        syndicated = self._syndicated[1]
        mtime = lambda a: _ts(a.modified or a.published)  # noqa: E731

        # articles
        position = {id(a): k for lst in by_section.values() for k, a in enumerate(lst)}
        pools = {s: [b for b in filler if b.section != s] or filler for s in by_section}
        for a in arts:
            sec = by_section[a.section]
            k = position[id(a)]
            related = [_item(b) for b in (sec[max(0, k - 3):k] + sec[k + 1:k + 4]) if b is not a][:5]
            pool = [b for b in pools[a.section] if b is not a]
            read_next = [_item(b) for b in pool[(a.ident % 7):(a.ident % 7) + 3]]
            if a.kind == "filler" and spec.template in (3, 4) and len(pool) >= 2:
                label = "Read More:" if spec.template == 3 else "ALSO READ"
                r1, r2 = pool[a.ident % len(pool)], pool[(a.ident + 3) % len(pool)]
                a.inline = {1: [(label, r1.title, r1.path)], min(4, len(a.body) - 1): [(label, r2.title, r2.path)]}
            html = tpl.article(page, a, related, read_next)
            if self.article_kb:
                html = _pad(html, int(self.article_kb * 1024), a.title)
            outlet.resources[a.path] = Resource(html.encode(), last_modified=mtime(a), gzip_ok=spec.gzip)

        # sections, paginated
        for sec_name in ["latest", spec.seed_section] + spec.sections:
            if sec_name == "latest":  # the river of everything, newest first
                items = [_item(a) for a in everything if a is not syndicated or spec.search]
            else:
                items = [_item(a) for a in by_section.get(sec_name, []) if a is not syndicated or spec.search]
                items += self._extra_links[i].get(sec_name, [])
            items.sort(key=lambda it: it.published, reverse=True)
            size = tpl.page_size
            npages = max(1, -(-len(items) // size))
            path = section_path(spec.template, sec_name)
            pages = []
            for n in range(1, npages + 1):
                chunk = items[(n - 1) * size:n * size]
                canonical = base + path + (f"?page={n}" if n > 1 else "")
                html = tpl.listing(page, sec_name.capitalize(), chunk, n, npages, canonical)
                lm = max((it.published for it in chunk), default=datetime(2025, 11, 1, tzinfo=timezone.utc))
                pages.append(Resource(html.encode(), last_modified=_ts(lm), gzip_ok=spec.gzip, cache_control="max-age=60"))
            outlet.listings[path] = pages

        # home
        recent = [a for a in everything if a.published.year >= 2025 and a.kind != "syndicated"]
        seeds_here = [a for a in recent if a.kind == "seed"]
        top = (seeds_here + [a for a in recent if a.kind != "seed"])[:12]
        most = [a for a in filler[5::3]][:6]
        extra = "".join(self._home_extra[i])
        html = tpl.home(page, [_item(a) for a in top], [_item(a) for a in most], extra)
        lm = max((a.published for a in everything), default=datetime(2025, 11, 1, tzinfo=timezone.utc))
        home_headers = []
        if self._cookie and self._cookie[0] == i:
            home_headers = [("Set-Cookie", c) for c in self._cookie[1]]
        outlet.resources["/"] = Resource(html.encode(), last_modified=_ts(lm), gzip_ok=spec.gzip,
                                         headers=home_headers, cache_control="max-age=60")

        # feeds
        if spec.feed and spec.feed_path:
            feed_items = [a for a in everything if a.kind != "syndicated"][:30]
            entries = [(_item(a), a.url, a.authors) for a in feed_items]
            entries += [(it, base + it.href, ["Staff"]) for it in self._feed_extra[i]]
            entries.sort(key=lambda e: e[0].published, reverse=True)
            furl = base + spec.feed_path
            if spec.feed == "atom":
                body, ctype = surfaces.atom(spec.name, base + "/", furl, entries), "application/atom+xml; charset=utf-8"
            else:
                body, ctype = surfaces.rss(spec.name, base + "/", furl, spec.lang, entries), "application/rss+xml; charset=utf-8"
            outlet.resources[spec.feed_path] = Resource(body, content_type=ctype, last_modified=_ts(lm), gzip_ok=spec.gzip)

        # sitemaps
        sitemap_urls: list[str] = []
        news_entries = [(a.url, a.title, a.published) for a in everything if a.published >= _NEWS_SINCE]
        news_entries += self._sitemap_extra[i]
        news_entries.sort(key=lambda e: e[2], reverse=True)
        plain_entries = [(a.url, a.published) for a in everything]  # identical in both generations
        plain_entries += [(u, d) for u, _t, d in self._sitemap_extra[i]]
        if spec.sitemap == "index":
            news_p, plain_p = ("/sitemaps/news.xml", "/sitemaps/articles.xml") if spec.template != 4 else \
                ("/sitemap/news.xml", "/sitemap/articles.xml")
            index_p = "/sitemap_index.xml" if spec.template != 4 else "/sitemap/index.xml"
            outlet.resources[news_p] = Resource(surfaces.news_sitemap(spec.name, spec.lang, news_entries),
                                                content_type="application/xml", last_modified=_ts(lm))
            outlet.resources[plain_p] = Resource(surfaces.plain_sitemap(plain_entries),
                                                 content_type="application/xml", last_modified=_ts(lm))
            children = [(base + news_p, lm), (base + plain_p, lm)]
            children += [(u, lm) for u in self._index_extra[i]]
            outlet.resources[index_p] = Resource(surfaces.sitemap_index(children), content_type="application/xml",
                                                 last_modified=_ts(lm))
            sitemap_urls.append(base + index_p)
        elif spec.sitemap == "multi":
            outlet.resources["/sitemap.xml"] = Resource(surfaces.plain_sitemap(plain_entries),
                                                        content_type="text/xml", last_modified=_ts(lm))
            outlet.resources["/sitemap-news.xml"] = Resource(surfaces.news_sitemap(spec.name, spec.lang, news_entries),
                                                             content_type="text/xml", last_modified=_ts(lm))
            sitemap_urls += [base + "/sitemap.xml", base + "/sitemap-news.xml"]
        sitemap_urls += self._robots_extra[i]
        outlet.resources["/robots.txt"] = Resource(surfaces.robots(not spec.search, sitemap_urls),
                                                   content_type="text/plain", last_modified=_ts(_ROBOTS_DATE))
        self._surfaces[spec.name] = {
            "home": base + "/",
            "robots": base + "/robots.txt",
            "feeds": [base + spec.feed_path] if spec.feed_path else [],
            "feed_format": spec.feed,
            "feed_advertised": spec.feed_advertised,
            "sitemaps": [u for u in sitemap_urls if u not in self._robots_extra[i]],
            "sections": [base + section_path(spec.template, s) for s in ["latest", spec.seed_section] + spec.sections],
            "section_pages": {base + p: len(v) for p, v in outlet.listings.items()},
            "search": base + "/search?q={query}" if spec.search else None,
            "gzip": spec.gzip,
            "template": type(tpl).__name__,
        }

        outlet.not_found = Resource(tpl.not_found(page).encode(), status=404, cache_control="no-cache")
        if spec.search:
            outlet.search = _Searcher(tpl, page, [a for a in arts]).__call__
        for p in ("/static/logo.png",):
            outlet.resources[p] = Resource(JPEG, content_type="image/jpeg", last_modified=_ts(_ROBOTS_DATE))
        self._add_page_assets(outlet, arts, hostile=self.bad_inputs and i == 0)

    # --- page requisites: what a browser needs to render the pages

    def _add_page_assets(self, outlet: Outlet, arts: list[Article], hostile: bool = False) -> None:
        """The outlet's stylesheet (with an @import, a web font and a background image),
        favicon and one lead image per article, so that replay can show pages as they looked.

        With `hostile`, the stylesheet also names bad requisites: one that imports itself,
        one behind robots.txt, one over any sensible size cap, one of the wrong type, a
        redirect loop and a 404 (see `requisite_bad_inputs`)."""
        asset = _AssetCaching(last_modified=_ts(_ROBOTS_DATE), cache_control="max-age=86400")
        css = SITE_CSS
        if hostile:
            cdn = self.cdn_url
            css = (b'@import url("self.css");\n' + SITE_CSS
                   + f".b1{{background:url({cdn}/private/blocked.png)}}\n"
                     f".b2{{background:url({cdn}/img/huge.jpg)}}\n"
                     f".b3{{background:url({cdn}/lib/not-an-image.png)}}\n"
                     ".b4{background:url(img/loop.png)}\n"
                     ".b5{background:url(img/missing.png)}\n".encode())
            outlet.resources["/static/self.css"] = Resource(
                b'@import url("self.css");\n.self{color:red}\n', content_type="text/css", **asset)
            outlet.resources["/static/img/loop.png"] = Resource(
                b"", status=302, headers=[("Location", "/static/img/loop.png")], content_type="text/html")
        outlet.resources["/static/site.css"] = Resource(css, content_type="text/css", **asset)
        outlet.resources["/static/base.css"] = Resource(BASE_CSS, content_type="text/css", **asset)
        outlet.resources["/static/fonts/demo.woff2"] = Resource(FONT, content_type="font/woff2", **asset)
        for path in ("/static/img/masthead.jpg", "/static/favicon.jpg"):
            outlet.resources[path] = Resource(JPEG, content_type="image/jpeg", **asset)
        for a in arts:
            outlet.resources[f"/static/img/{a.ident}.jpg"] = Resource(JPEG, content_type="image/jpeg", **asset)

    def _make_cdn(self) -> None:
        asset = _AssetCaching(last_modified=_ts(_ROBOTS_DATE), cache_control="max-age=86400")
        self._cdn.resources["/robots.txt"] = Resource(b"User-agent: *\nDisallow: /private/\n",
                                                      content_type="text/plain", **asset)
        self._cdn.resources["/lib/share.js"] = Resource(SHARE_JS, content_type="application/javascript",
                                                        **asset)
        self._cdn.resources["/private/blocked.png"] = Resource(JPEG, content_type="image/jpeg", **asset)
        self._cdn.resources["/img/huge.jpg"] = Resource(JPEG + bytes(HUGE_ASSET), content_type="image/jpeg",
                                                        **asset)
        self._cdn.resources["/lib/not-an-image.png"] = Resource(b"<html>oops</html>", **asset)

    @property
    def requisite_bad_inputs(self) -> dict[str, str]:
        """The hostile requisites named by outlet 0's stylesheet, by kind."""
        base, cdn = self.base_url(0), self.cdn_url
        return {"self_import": base + "/static/self.css", "robots": cdn + "/private/blocked.png",
                "huge": cdn + "/img/huge.jpg", "wrong_type": cdn + "/lib/not-an-image.png",
                "redirect_loop": base + "/static/img/loop.png", "not_found": base + "/static/img/missing.png"}

    # --- ground truth

    def _make_expected(self, stories: list[dict]) -> None:
        exp_stories = []
        for st in stories:
            arts = self._seed_articles[st["seed"]]
            a = arts[0]
            exp_stories.append({
                "seed": st["seed"],
                "title": a.title,
                "body": a.text_lines,
                "boilerplate": st["boilerplate"],
                "published": a.published.isoformat(),
                "authors": a.authors,
                "url": a.url,
                "site": self.specs[a.outlet].name,
                "urls": [b.url for b in arts],
                "sites": [self.specs[b.outlet].name for b in arts],
            })
        orig, copy = self._syndicated
        upd = self._seed_articles[UPDATED_SEED][0]
        fillers: list[dict[str, Any]] = []
        for i, arts in enumerate(self._articles):
            for a in arts:
                if a.kind == "filler":
                    fillers.append({"url": a.url, "site": self.specs[i].name, "title": a.title,
                                    "published": a.published.isoformat(), "section": a.section,
                                    "mentions_india": "India" in " ".join(a.text_lines)})
        sites = []
        for i, spec in enumerate(self.specs):
            entry: dict[str, Any] = {"name": spec.name, "url": self.base_url(i) + "/"}
            if spec.search:
                entry["search"] = self.base_url(i) + "/search?q={query}"
                entry["feeds"] = [self.base_url(i) + spec.feed_path] if spec.feed_path else []
            if spec.template == 4 and spec.feed_path:
                entry["feeds"] = [self.base_url(i) + spec.feed_path]
                entry["sitemaps"] = self._surfaces[spec.name]["sitemaps"]
            for k, v in spec.sites_extra.items():
                entry[k] = v
            sites.append(entry)
        self._sites = sites
        self._expected = {
            "generation": self.generation,
            "port": self.port,
            "sites": sites,
            "surfaces": self._surfaces,
            "stories": exp_stories,
            "syndicated": {"seed": orig.seed, "urls": [orig.url, copy.url],
                           "sites": [self.specs[orig.outlet].name, self.specs[copy.outlet].name]},
            "updated": {"url": upd.url, "site": self.specs[upd.outlet].name, "seed": UPDATED_SEED,
                        "added_paragraph": UPDATE_PARAGRAPH, "changed_in_generation": 2,
                        "present": self.generation == 2},
            "other": [{"url": a.url, "title": a.title, "site": self.specs[a.outlet].name} for a in self._others],
            "filler": fillers,
            "old": [f["url"] for f in fillers if f["published"] < "2025"],
            "off_topic": [f["url"] for f in fillers],
            "bad": self._bad,
            "robots_disallowed": self._bad.get("robots_disallowed", {}).get("url"),
            "on_topic_words": ["India", "US", "defence", "defense", "framework", "Hegseth"],
        }


_NEWS_SINCE = datetime(2025, 10, 1, tzinfo=timezone.utc)
_ROBOTS_DATE = datetime(2025, 9, 1, tzinfo=timezone.utc)


def _sentence(text: str) -> str:
    m = re.match(r"(.+?[.!?][”\"’]?)(\s|$)", text)
    return (m.group(1) if m else text)[:300]


def _item(a: Article) -> Item:
    return Item(a.title, a.path, a.description, a.published, a.section)


def _pad(html: str, target: int, title: str) -> str:
    """Grow a page to `target` bytes with an app-state JSON blob, as JS-heavy news sites do."""
    missing = target - len(html.encode())
    if missing <= 200:
        return html
    unit = json.dumps({"id": 0, "headline": title, "kicker": "Trending", "impressions": 0,
                       "tracking": {"slot": "rail", "ab": "b"}}, ensure_ascii=True)
    n = max(1, missing // (len(unit) + 1))
    rows = ",".join(unit.replace('"id": 0', f'"id": {k}', 1) for k in range(n))
    blob = f'<script id="__NEXT_DATA__" type="application/json">{{"props":{{"rail":[{rows}]}}}}</script>\n'
    return html.replace("</body>", blob + "</body>", 1)


class _Searcher:
    """Site search: articles matching at least half the query terms, best first."""

    STOP = {"the", "a", "an", "of", "and", "in", "on", "to", "for", "us"}

    def __init__(self, tpl, page: Page, arts: list[Article]) -> None:
        self.tpl, self.page = tpl, page
        self.index = [(set(re.findall(r"[a-z0-9]+", (a.title + " " + " ".join(a.text_lines)).lower())), a)
                      for a in arts]

    def __call__(self, q: str) -> Resource:
        terms = [t for t in re.findall(r"[a-z0-9]+", q.lower()) if t not in self.STOP] or \
            re.findall(r"[a-z0-9]+", q.lower())
        need = max(1, (len(terms) + 1) // 2)
        hits = []
        for words, a in self.index:
            score = sum(t in words for t in terms)
            if terms and score >= need:
                hits.append((score, a.published, a))
        hits.sort(key=lambda h_: (h_[0], h_[1]), reverse=True)
        items = [_item(a) for _s, _p, a in hits[:20]]
        from urllib.parse import quote_plus
        html = self.tpl.search(self.page, q, items, self.page.base + "/search?q=" + quote_plus(q))
        return Resource(html.encode(), etag="", cache_control="no-cache")
