"""The sites file loader: minimal and full forms, and every error with its line number."""

import textwrap

import pytest

from crawler.sites import KNOWN_KEYS, Site, SitesFileError, load_sites, parse_sites


def write(tmp_path, text, name="sites.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def errors_of(tmp_path, text):
    path = write(tmp_path, text)
    with pytest.raises(SitesFileError) as info:
        load_sites(path)
    return info.value, str(path)


# --------------------------------------------------------------------------- valid files


def test_minimal_form(tmp_path):
    path = write(
        tmp_path,
        """\
        sites:
          - name: The Example Times
            url: https://example.com/
        """,
    )
    (site,) = load_sites(path)
    assert site == Site(name="The Example Times", url="https://example.com/")
    assert site.host == "example.com"
    assert site.allowed_domains == ("example.com",)
    assert site.feeds == site.sitemaps == site.allow == site.deny == ()
    assert site.search is None and site.delay is None and site.concurrency is None
    assert site.to_dict() == {"name": "The Example Times", "url": "https://example.com/"}
    assert site.search_url("india") is None
    assert site.is_allowed("https://example.com/anything")


def test_all_keys(tmp_path):
    path = write(
        tmp_path,
        r"""
        sites:
          - name: The Example Times
            url: https://www.example.com:8443/news/
            feeds:
              - /rss.xml
              - https://feeds.example.com/world.xml
              - https://feeds.other-cdn.net/example.xml
            sitemaps: [https://www.example.com/news-sitemap.xml]
            search: /search?q={query}&sort=date
            allow: ['/20\d\d/', '/world/']
            deny: ['/video/']
            article_pattern: '/\d{4}/\d{2}/[^/]+$'
            delay: 1.5
            concurrency: 2
            language: en-GB
            hosts: [WWW.Example-News.NET, img.cdn.example.org]
            requisites: no
          - name: Second
            url: http://127.0.0.1:8081/
            sitemaps: /sitemap.xml
            delay: 0
        """,
    )
    first, second = load_sites(path)
    assert first.feeds == (
        "https://www.example.com:8443/rss.xml",
        "https://feeds.example.com/world.xml",
        "https://feeds.other-cdn.net/example.xml",
    )
    assert first.sitemaps == ("https://www.example.com/news-sitemap.xml",)
    assert first.search == "https://www.example.com:8443/search?q={query}&sort=date"
    assert first.search_url("india defence") == (
        "https://www.example.com:8443/search?q=india+defence&sort=date"
    )
    assert first.allow == (r"/20\d\d/", "/world/")
    assert first.deny == ("/video/",)
    assert first.article_pattern == r"/\d{4}/\d{2}/[^/]+$"
    assert first.article_regex.search("https://www.example.com/2025/10/india-pact")
    assert first.delay == 1.5 and isinstance(first.delay, float)
    assert first.concurrency == 2
    assert first.language == "en-GB"
    assert first.requisites is False and second.requisites is None  # None: ARCHIVE_REQUISITES decides
    assert first.host == "www.example.com"
    assert first.hosts == ("www.example-news.net", "img.cdn.example.org")
    assert first.allowed_domains == ("example.com", "example-news.net", "img.cdn.example.org",
                                     "feeds.other-cdn.net")
    # what the archive records: the other hosts, so that reindex maps URLs the same way
    assert first.record()["hosts"] == ["www.example-news.net", "img.cdn.example.org",
                                       "feeds.example.com", "feeds.other-cdn.net"]
    assert first.is_allowed("https://www.example.com/2025/10/x")
    assert not first.is_allowed("https://www.example.com/2025/video/x")
    assert not first.is_allowed("https://www.example.com/about")

    assert second.sitemaps == ("http://127.0.0.1:8081/sitemap.xml",)
    assert second.delay == 0.0
    assert second.allowed_domains == ("127.0.0.1",)

    # to_dict is JSON-able and round-trips through from_dict
    assert set(first.to_dict()) == set(KNOWN_KEYS)
    assert Site.from_dict(first.to_dict()) == first
    assert Site.from_dict(second.to_dict()) == second
    assert hash(first) == hash(Site.from_dict(first.to_dict()))


def test_bare_list_and_yaml_coercions_are_kept_as_text(tmp_path):
    path = write(
        tmp_path,
        """\
        - name: 1984
          url: https://example.com/
          feeds: https://example.com/feed
          language: no
        """,
    )
    (site,) = load_sites(path)
    assert site.name == "1984"
    assert site.language == "no"  # Norwegian, not False
    assert site.feeds == ("https://example.com/feed",)


def test_parse_sites_from_string():
    sites = parse_sites("sites: [{name: A, url: 'https://a.example/'}, {name: B, url: 'https://b.example/'}]")
    assert [s.name for s in sites] == ["A", "B"]


def test_from_dict_validates():
    with pytest.raises(SitesFileError, match="not an http"):
        Site.from_dict({"name": "A", "url": "ftp://a/"})


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        (  # missing url: reported at the site's first line
            """\
            sites:
              - name: A
                url: https://a.example/
              - name: B
                feeds: [https://b.example/rss]
            """,
            4, 5, "site 'B': missing required key 'url'",
        ),
        (
            """\
            sites:
              - url: https://a.example/
            """,
            2, 5, "site #1: missing required key 'name'",
        ),
        (
            """\
            sites:
              - name: A
                url: ftp://a.example/
            """,
            3, 10, "'url' 'ftp://a.example/' is not an http(s) URL",
        ),
        (
            """\
            sites:
              - name: A
                url: example.com
            """,
            3, 10, "is not an http(s) URL",
        ),
        (
            """\
            sites:
              - name: A
                url: https://a.example/
                feds: [https://a.example/rss]
            """,
            4, 5, "unknown key 'feds'; did you mean 'feeds'?",
        ),
        (
            """\
            sites:
              - name: A
                url: https://a.example/
                article-pattern: x
            """,
            4, 5, "did you mean 'article_pattern'?",
        ),
        (
            """\
            sites:
              - name: A
                url: https://a.example/
                colour: red
            """,
            4, 5, "unknown key 'colour' (known keys: name, url,",
        ),
        (
            """\
            sites:
              - name: A
                url: https://a.example/
                allow:
                  - '/ok/'
                  - '/(broken/'
            """,
            6, 11, "'/(broken/' is not a valid regex: missing ), unterminated subpattern at position 1",
        ),
        (
            """\
            sites:
              - name: A
                url: https://a.example/
                article_pattern: a[b
            """,
            4, 23, "'article_pattern' 'a[b' is not a valid regex: unterminated character set",
        ),
        (
            """\
            sites:
              - name: A
                url: https://a.example/
                search: https://a.example/search?q=
            """,
            4, 13, "has no {query} placeholder",
        ),
        (
            """\
            sites:
              - name: Same Name
                url: https://a.example/
              - name: same  name
                url: https://b.example/
            """,
            4, 11, "duplicate site name 'same  name' (first at line 2)",
        ),
        (
            """\
            sites:
              - name: A
                url: https://a.example/
                name: B
            """,
            4, 5, "duplicate key 'name' (first at line 2)",
        ),
        (
            """\
            sites:
              - name: A
                url: https://a.example/
                delay: -1
            """,
            4, 12, "'delay' must be >= 0, got -1",
        ),
        (
            """\
            sites:
              - name: A
                url: https://a.example/
                delay: soon
            """,
            4, 12, "'delay' must be a number, got 'soon'",
        ),
        (
            """\
            sites:
              - name: A
                url: https://a.example/
                concurrency: 0
            """,
            4, 18, "'concurrency' must be >= 1",
        ),
        (
            """\
            sites:
              - name: A
                url: https://a.example/
                concurrency: 2.5
            """,
            4, 18, "'concurrency' must be a whole number",
        ),
        (
            """\
            sites:
              - name: A
                url: https://a.example/
                concurrency: true
            """,
            4, 18, "'concurrency' must be a whole number",
        ),
        (
            """\
            sites:
              - name: A
                url: https://a.example/
                feeds:
                  - mailto:news@a.example
            """,
            5, 9, "'feeds' 'mailto:news@a.example' is not an http(s) URL",
        ),
        (
            """\
            sites:
              - name: A
                url: https://a.example/
                language: English language
            """,
            4, 15, "not a language code",
        ),
        (
            """\
            sites:
              - name: A
                url: [https://a.example/]
            """,
            3, 10, "'url' must be a single value, not a list",
        ),
        (
            """\
            sites:
              - name:
                url: https://a.example/
            """,
            2, 10, "'name' is empty",
        ),
        (
            """\
            sites:
              - https://a.example/
            """,
            2, 5, "site #1: expected a mapping",
        ),
        ("sites: []\n", 1, 8, "'sites' is empty"),
        ("sites:\n", 1, 7, "'sites' must be a list"),
        ("", 1, 1, "the file is empty"),
        ("# only a comment\n", 1, 1, "the file is empty"),
        ("sitez:\n  - name: A\n", 1, 1, "unknown key 'sitez'; did you mean 'sites'?"),
        ("{}\n", 1, 1, "missing 'sites:' list"),
        ("just text\n", 1, 1, "expected a mapping with a 'sites:' list"),
        (  # YAML syntax errors use the parser's mark
            """\
            sites:
              - name: A
                url: https://a.example/
               bad indent: x
            """,
            4, 4, "YAML syntax error",
        ),
        (
            """\
            sites:
              - name: "A
                url: https://a.example/
            """,
            4, 1, "YAML syntax error: while scanning a quoted scalar (started at line 2, column 11)",
        ),
        ("sites: [a\n", 2, 1, "YAML syntax error"),
        ("sites: []\n---\nsites: []\n", 2, 1, "YAML syntax error: expected a single document"),
    ],
)
def test_errors_name_file_line_and_column(tmp_path, text, line, column, fragment):
    err, path = errors_of(tmp_path, text)
    assert (err.line, err.column) == (line, column), str(err)
    assert fragment in err.reason, str(err)
    assert str(err).startswith(f"{path}:{line}:{column}: ")


def test_all_problems_are_reported_in_line_order(tmp_path):
    err, path = errors_of(
        tmp_path,
        """\
        sites:
          - name: A
            url: ftp://a.example/
            feds: []
          - name: A
            url: https://b.example/
          - url: https://c.example/
        """,
    )
    assert [p.line for p in err.problems] == [3, 4, 5, 7]
    lines = str(err).splitlines()
    assert len(lines) == 4
    assert all(line.startswith(path + ":") for line in lines)
    assert "duplicate site name 'A' (first at line 2)" in lines[2]


def test_unreadable_file(tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(SitesFileError) as info:
        load_sites(missing)
    assert info.value.line is None
    assert str(info.value).startswith(f"{missing}: cannot read")


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("sites:\n  - name: Caf\xe9\n".encode("latin-1"))
    with pytest.raises(SitesFileError, match="not UTF-8"):
        load_sites(path)


def test_unsafe_tags_are_refused(tmp_path):
    err, _ = errors_of(
        tmp_path,
        """\
        sites:
          - name: !!python/object/apply:os.system ["echo hi"]
            url: https://a.example/
        """,
    )
    assert err.line == 2
    err, _ = errors_of(
        tmp_path,
        """\
        sites:
          - name: A
            url: https://a.example/
            delay: !!python/object/apply:time.sleep [1]
        """,
    )
    assert (err.line, err.column) == (4, 12)
    assert "'delay' must be a number, got a list" in err.reason


def test_error_is_a_value_error():
    assert issubclass(SitesFileError, ValueError)


def test_requisites_flag_must_be_a_boolean():
    with pytest.raises(SitesFileError) as err:
        parse_sites("sites:\n  - name: A\n    url: https://a.example/\n    requisites: sometimes\n", "s.yaml")
    assert "requisites" in str(err.value) and "true or false" in str(err.value)
