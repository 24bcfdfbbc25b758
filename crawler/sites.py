"""The sites file: a YAML list of news sites to crawl, validated with file:line:column errors.

Minimal form (every other key is optional)::

    sites:
      - name: The Example Times
        url: https://example.com/
        feeds: [https://example.com/rss.xml]   # or relative: /rss.xml
        sitemaps: [/news-sitemap.xml]
        search: /search?q={query}             # "{query}" is replaced, URL-quoted
        allow: ['/20\\d\\d/']                   # regexes searched in URLs
        deny: ['/video/']
        article_pattern: '/\\d{4}/\\d{2}/[^/]+$'
        delay: 1.5                            # seconds between requests, >= 0
        concurrency: 2                        # requests in flight, >= 1
        language: en
        hosts: [cdn.example-news.net]         # more hosts of this site (www. and subdomains
                                              # of the url's host are the site's already)
        requisites: false                     # do not archive page requisites (ARCHIVE_REQUISITES)

A bare list (without ``sites:``) is accepted too.  Relative ``feeds``,
``sitemaps`` and ``search`` URLs are resolved against ``url``.  Every
problem in the file is reported at once, each with its line and column.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import quote_plus, urljoin, urlsplit

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from archive.sites import SiteRegistry, site_domain

__all__ = ["KNOWN_KEYS", "Site", "SiteSet", "download_slots", "SitesFileError", "SitesProblem", "load_sites", "parse_sites"]

KNOWN_KEYS = (
    "name", "url", "feeds", "sitemaps", "search", "allow", "deny",
    "article_pattern", "delay", "concurrency", "language", "hosts", "requisites",
)  # fmt: skip
REQUIRED_KEYS = ("name", "url")
TOP_LEVEL_KEYS = ("sites",)
QUERY_PLACEHOLDER = "{query}"
_BOOLEANS = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}

_NULL_TAG = "tag:yaml.org,2002:null"
_HOST = re.compile(r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$")


@dataclass(frozen=True)
class Site:
    """One site to crawl; lists are tuples so the object is hashable."""

    name: str
    url: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    search: str | None = None
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    article_pattern: str | None = None
    delay: float | None = None
    concurrency: int | None = None
    language: str | None = None
    hosts: tuple[str, ...] = ()
    requisites: bool | None = None  # None: the ARCHIVE_REQUISITES setting decides

    @property
    def host(self) -> str:
        """Lower-case host name of ``url``, without port."""
        return urlsplit(self.url).hostname or ""

    @property
    def allowed_domains(self) -> tuple[str, ...]:
        """Domains for Scrapy's ``allowed_domains`` (subdomains are implied there).

        The site's host without a leading ``www.``, then the other hosts of the site
        (:meth:`record`) that it does not already cover.  No ports.
        """
        domains: list[str] = []
        for host in (self.host, *self.record().get("hosts", ())):
            host = site_domain(host)
            if host and not any(host == d or host.endswith("." + d) for d in domains):
                domains.append(host)
        return tuple(domains)

    def record(self) -> dict[str, Any]:
        """The site as the archive records it (archive.sites): name, url and its other hosts,
        the listed ``hosts`` and those of feeds, sitemaps and search."""
        hosts: list[str] = list(self.hosts)
        for url in (*self.feeds, *self.sitemaps, *((self.search,) if self.search else ())):
            host = urlsplit(url).hostname or ""
            if host and site_domain(host) != site_domain(self.host) and host not in hosts:
                hosts.append(host)
        out: dict[str, Any] = {"name": self.name, "url": self.url}
        if hosts:
            out["hosts"] = hosts
        return out

    @cached_property
    def allow_patterns(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p) for p in self.allow)

    @cached_property
    def deny_patterns(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p) for p in self.deny)

    @cached_property
    def article_regex(self) -> re.Pattern[str] | None:
        return re.compile(self.article_pattern) if self.article_pattern else None

    def is_allowed(self, url: str) -> bool:
        """True when ``url`` matches some ``allow`` regex (or there are none) and no ``deny`` one."""
        if self.allow_patterns and not any(p.search(url) for p in self.allow_patterns):
            return False
        return not any(p.search(url) for p in self.deny_patterns)

    def search_url(self, query: str) -> str | None:
        """The site-search URL for ``query`` (``None`` when the site has no ``search``)."""
        if not self.search:
            return None
        return self.search.replace(QUERY_PLACEHOLDER, quote_plus(query))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict; keys left at their defaults are omitted (minimal form round-trips)."""
        out: dict[str, Any] = {"name": self.name, "url": self.url}
        for key in KNOWN_KEYS[2:]:
            value = getattr(self, key)
            if value not in (None, ()):
                out[key] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Site:
        """Validate a dict with the sites-file keys (as :meth:`to_dict` produces)."""
        (site,) = parse_sites(yaml.safe_dump({"sites": [data]}, sort_keys=False), "<dict>")
        return site


class SiteSet:
    """The sites of a crawl and which of them a URL belongs to (archive.sites.SiteRegistry)."""

    def __init__(self, sites: list[Site]) -> None:
        self.sites = list(sites)
        self.registry = SiteRegistry(site.record() for site in self.sites)
        self._by_name = {site.name: site for site in self.sites}

    def __iter__(self):
        return iter(self.sites)

    def __len__(self) -> int:
        return len(self.sites)

    @property
    def records(self) -> list[dict[str, Any]]:
        return self.registry.records

    @property
    def allowed_domains(self) -> list[str]:
        domains: list[str] = []
        for site in self.sites:
            domains.extend(d for d in site.allowed_domains if d not in domains)
        return domains

    def site_for(self, url: str) -> Site | None:
        name = self.registry.site_for(url)
        return self._by_name.get(name) if name is not None else None


def download_slots(sites, slots: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """DOWNLOAD_SLOTS with each site's `delay` and `concurrency` (slots are keyed by host name)."""
    out = {key: dict(value) for key, value in (slots or {}).items()}
    for site in sites:
        slot = dict(out.get(site.host, {}))
        if site.delay is not None:
            slot["delay"] = site.delay
        if site.concurrency is not None:
            slot["concurrency"] = site.concurrency
        if slot:
            out[site.host] = slot
    return out


@dataclass(frozen=True)
class SitesProblem:
    line: int | None  # 1-based
    column: int | None  # 1-based
    message: str


class SitesFileError(ValueError):
    """An unreadable or invalid sites file; ``str()`` has one ``file:line:column: reason`` per problem.

    ``line``, ``column`` and ``reason`` are those of the first problem; ``problems`` lists all.
    """

    def __init__(self, filename: str, problems: list[SitesProblem]) -> None:
        self.filename = filename
        self.problems = list(problems)
        super().__init__(str(self))

    @property
    def line(self) -> int | None:
        return self.problems[0].line if self.problems else None

    @property
    def column(self) -> int | None:
        return self.problems[0].column if self.problems else None

    @property
    def reason(self) -> str:
        return self.problems[0].message if self.problems else ""

    def __str__(self) -> str:
        lines = []
        for p in self.problems:
            where = self.filename
            if p.line is not None:
                where += f":{p.line}" + (f":{p.column}" if p.column is not None else "")
            lines.append(f"{where}: {p.message}")
        return "\n".join(lines)


def load_sites(path: str | os.PathLike[str]) -> list[Site]:
    """Read and validate a sites file; raise :class:`SitesFileError` naming file, line and reason."""
    filename = os.fspath(path)
    try:
        with open(filename, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise SitesFileError(filename, [SitesProblem(None, None, f"cannot read: {e.strerror or e}")]) from e
    except UnicodeDecodeError as e:
        raise SitesFileError(filename, [SitesProblem(None, None, f"not UTF-8 text ({e.reason})")]) from e
    return parse_sites(text, filename)


def parse_sites(text: str, filename: str = "<sites>") -> list[Site]:
    """Validate sites-file YAML given as a string (``filename`` is only used in messages)."""
    try:
        loader = yaml.SafeLoader(text)  # refuses control characters here, before any parsing
    except yaml.reader.ReaderError as e:
        line = text.count("\n", 0, e.position) + 1
        column = e.position - text.rfind("\n", 0, e.position)
        problem = f"YAML syntax error: character {chr(e.character)!r} is not allowed in YAML"
        raise SitesFileError(filename, [SitesProblem(line, column, problem)]) from e
    try:
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark or e.context_mark
            context = e.context
            if (context and e.context_mark and e.problem_mark and mark is not None
                    and e.context_mark.line != mark.line):
                context += f" (started at line {e.context_mark.line + 1}, column {e.context_mark.column + 1})"
            reason = "; ".join(s for s in (context, e.problem) if s)
            at_line = mark.line + 1 if mark else None
            at_col = mark.column + 1 if mark else None
            raise SitesFileError(filename, [SitesProblem(at_line, at_col, f"YAML syntax error: {reason}")]) from e
        except yaml.YAMLError as e:
            raise SitesFileError(filename, [SitesProblem(None, None, f"YAML error: {e}")]) from e
        checker = _Checker(loader)
        sites = checker.file(root)
    finally:
        loader.dispose()
    if checker.problems:
        problems = sorted(checker.problems, key=lambda p: (p.line or 0, p.column or 0))
        raise SitesFileError(filename, problems)
    return sites


def _suggest(key: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else f" (known keys: {', '.join(known)})"


class _Invalid(Exception):
    """One value failed; already recorded in the problem list."""


class _Checker:
    """Walks the composed node tree so every problem carries its node's line and column."""

    def __init__(self, loader: yaml.SafeLoader) -> None:
        self.loader = loader
        self.problems: list[SitesProblem] = []

    def problem(self, node: Node | None, message: str, column_offset: int = 0) -> _Invalid:
        if node is None:
            self.problems.append(SitesProblem(1, 1, message))
        else:
            mark = node.start_mark
            self.problems.append(SitesProblem(mark.line + 1, mark.column + 1 + column_offset, message))
        return _Invalid(message)

    # ------------------------------------------------------------------ structure

    def file(self, root: Node | None) -> list[Site]:
        if root is None:
            self.problem(None, "the file is empty; expected 'sites:' with a list of sites")
            return []
        if isinstance(root, SequenceNode):
            return self.site_list(root)
        if not isinstance(root, MappingNode):
            self.problem(root, "expected a mapping with a 'sites:' list")
            return []
        entries = self.mapping(root, TOP_LEVEL_KEYS, "top level")
        if "sites" not in entries:
            if not self.problems:
                self.problem(root, "missing 'sites:' list")
            return []
        return self.site_list(entries["sites"][1])

    def mapping(self, node: MappingNode, known: tuple[str, ...], where: str) -> dict[str, tuple[Node, Node]]:
        """Key -> (key node, value node); reports non-string, duplicate and unknown keys."""
        entries: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.problem(key_node, f"{where}: keys must be plain names")
                continue
            key = key_node.value
            if key in entries:
                first = entries[key][0].start_mark.line + 1
                self.problem(key_node, f"{where}: duplicate key '{key}' (first at line {first})")
            elif key not in known:
                self.problem(key_node, f"{where}: unknown key '{key}'{_suggest(key, known)}")
            else:
                entries[key] = (key_node, value_node)
        return entries

    def site_list(self, node: Node) -> list[Site]:
        if not isinstance(node, SequenceNode):
            self.problem(node, "'sites' must be a list of sites (each starting with '- name: ...')")
            return []
        if not node.value:
            self.problem(node, "'sites' is empty; list at least one site")
            return []
        sites: list[Site] = []
        names: dict[str, Node] = {}
        for index, item in enumerate(node.value, 1):
            site = self.site(item, index)
            name_node = self.name_node(item)
            if name_node is not None:
                key = " ".join(name_node.value.casefold().split())
                if key in names:
                    first = names[key].start_mark.line + 1
                    self.problem(
                        name_node, f"duplicate site name '{name_node.value.strip()}' (first at line {first})"
                    )
                    continue
                names[key] = name_node
            if site is not None:
                sites.append(site)
        return sites

    @staticmethod
    def name_node(item: Node) -> ScalarNode | None:
        """The scalar value of an entry's (first) ``name`` key, if it has one."""
        if not isinstance(item, MappingNode):
            return None
        for key, value in item.value:
            if isinstance(key, ScalarNode) and key.value == "name":
                return value if isinstance(value, ScalarNode) and value.value.strip() else None
        return None

    def site(self, node: Node, index: int) -> Site | None:
        if not isinstance(node, MappingNode):
            self.problem(node, f"site #{index}: expected a mapping with at least 'name' and 'url'")
            return None
        before = len(self.problems)
        name_node = self.name_node(node)
        where = f"site '{name_node.value.strip()}'" if name_node is not None else f"site #{index}"
        entries = self.mapping(node, KNOWN_KEYS, where)
        values: dict[str, Any] = {}
        if "name" in entries:
            try:
                values["name"] = self.string(entries["name"][1], f"{where}: 'name'")
            except _Invalid:
                pass
        for key in REQUIRED_KEYS:
            if key not in entries:
                self.problem(node, f"{where}: missing required key '{key}'")
        for key, (_, value_node) in entries.items():
            if key == "name":
                continue
            try:
                values[key] = self.value(key, value_node, f"{where}: '{key}'", values.get("url"))
            except _Invalid:
                pass
        if len(self.problems) > before:
            return None
        return Site(**values)

    # ------------------------------------------------------------------ values

    def value(self, key: str, node: Node, what: str, base: str | None) -> Any:
        if key == "url":
            return self.url(node, what, base=None)
        if key == "hosts":
            return tuple(self.host_name(n, what) for n in self.string_list(node, what))
        if key in ("feeds", "sitemaps"):
            return tuple(self.url(n, what, base) for n in self.string_list(node, what))
        if key == "search":
            return self.search(node, what, base)
        if key in ("allow", "deny"):
            return tuple(self.regex(n, what) for n in self.string_list(node, what))
        if key == "article_pattern":
            return self.regex(node, what)
        if key == "delay":
            return float(self.number(node, what, minimum=0, integer=False))
        if key == "concurrency":
            return int(self.number(node, what, minimum=1, integer=True))
        if key == "requisites":
            flag = self.string(node, what).lower()
            if flag not in _BOOLEANS:
                raise self.problem(node, f"{what} must be true or false, not {flag!r}")
            return _BOOLEANS[flag]
        if key == "language":
            lang = self.string(node, what)
            if not _LANGUAGE.match(lang):
                raise self.problem(node, f"{what} {lang!r} is not a language code such as 'en' or 'pt-BR'")
            return lang
        raise AssertionError(key)  # pragma: no cover - mapping() filters unknown keys

    def string(self, node: Node, what: str) -> str:
        """The scalar's text as written (no YAML coercion: ``name: 1984`` is the string "1984")."""
        if not isinstance(node, ScalarNode):
            raise self.problem(node, f"{what} must be a single value, not a {_kind(node)}")
        value = node.value.strip()
        if not value or (node.tag == _NULL_TAG and node.style is None):
            raise self.problem(node, f"{what} is empty")
        return value

    def string_list(self, node: Node, what: str) -> list[Node]:
        """A list of scalars; a single scalar counts as a one-item list."""
        if isinstance(node, ScalarNode):
            if node.tag == _NULL_TAG and node.style is None:
                return []
            return [node]
        if not isinstance(node, SequenceNode):
            raise self.problem(node, f"{what} must be a list, not a {_kind(node)}")
        items: list[Node] = []
        for item in node.value:
            if isinstance(item, ScalarNode):
                items.append(item)
            else:
                self.problem(item, f"{what} items must be single values, not a {_kind(item)}")
        return items

    def url(self, node: Node, what: str, base: str | None) -> str:
        raw = self.string(node, what)
        url = urljoin(base, raw) if base and not urlsplit(raw).scheme else raw
        reason = _url_problem(url.replace(QUERY_PLACEHOLDER, "q"))
        if reason:
            relative = " (relative URLs are resolved against the site's url)" if base is not None else ""
            raise self.problem(node, f"{what} {raw!r} {reason}{relative}")
        return url

    def host_name(self, node: Node, what: str) -> str:
        raw = self.string(node, what)
        host = site_domain(raw) if raw.lower().startswith("www.") else raw.lower()
        if not _HOST.match(host):
            raise self.problem(node, f"{what} {raw!r} is not a host name such as 'cdn.example.com'")
        return raw.lower()

    def search(self, node: Node, what: str, base: str | None) -> str:
        template = self.string(node, what)
        if QUERY_PLACEHOLDER not in template:
            raise self.problem(node, f"{what} {template!r} has no {QUERY_PLACEHOLDER} placeholder")
        return self.url(node, what, base)

    def regex(self, node: Node, what: str) -> str:
        pattern = self.string(node, what)
        try:
            re.compile(pattern)
        except re.error as e:
            pos = e.pos or 0
            quoted = isinstance(node, ScalarNode) and node.style in ("'", '"')  # string() checked
            offset = pos + (1 if quoted else 0) if "\n" not in pattern else 0
            raise self.problem(
                node, f"{what} {pattern!r} is not a valid regex: {e.msg} at position {pos}", offset
            ) from None
        return pattern

    def number(self, node: Node, what: str, minimum: float, integer: bool) -> float:
        value: Any = None  # what YAML makes of the scalar: checked below
        if isinstance(node, ScalarNode):
            try:
                value = self.loader.construct_object(node, deep=True)
            except yaml.YAMLError:  # an unknown tag such as !!python/...: the safe loader refuses it
                value = None
        ok = isinstance(value, int) if integer else isinstance(value, (int, float))
        if not ok or isinstance(value, bool) or not math.isfinite(value):
            kind = "a whole number" if integer else "a number"
            raise self.problem(node, f"{what} must be {kind}, got {_shown(node)}")
        if value < minimum:
            raise self.problem(node, f"{what} must be >= {minimum}, got {value}")
        return value


_KINDS: dict[type[Node], str] = {MappingNode: "mapping", SequenceNode: "list"}


def _kind(node: Node) -> str:
    return _KINDS.get(type(node), "value")


def _shown(node: Node) -> str:
    return repr(node.value) if isinstance(node, ScalarNode) else f"a {_kind(node)}"


def _url_problem(url: str) -> str | None:
    if any(ch.isspace() for ch in url):
        return "contains whitespace"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as e:
        return f"is not a valid URL ({e})"
    if parts.scheme not in ("http", "https"):
        return "is not an http(s) URL"
    if not parts.hostname:
        return "has no host name"
    return None
