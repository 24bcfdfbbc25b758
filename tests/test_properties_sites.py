"""Property tests (hypothesis) of the sites file: any text or bytes give sites or a SitesFileError.

Loaded sites survive a round trip through their dict form, and the site registry
(archive.sites) answers for any URL or host without raising.
"""

from __future__ import annotations

import os
import tempfile

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.sites import SiteRegistry, site_domain
from crawler.sites import KNOWN_KEYS, Site, SitesFileError, load_sites, parse_sites

PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30),
    st.sampled_from(["https://example.com/", "http://127.0.0.1:8080/x", "/rss.xml", "news.example.com",
                     "www.Example.com", "https://[::1/", "http://host:99999/", "ftp://x/", "/search?q={query}",
                     "(unclosed", "[a-z]+", "en", "pt-BR", "1.5", "-1", "nan", "yes", "!!python/none"]),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=8)
KEYS = st.one_of(st.sampled_from(KNOWN_KEYS), st.sampled_from(["nmae", "urls", "sites"]), st.text(max_size=8))
SITE_DICTS = st.dictionaries(KEYS, VALUES, max_size=8)
DOCUMENTS = st.one_of(
    st.lists(SITE_DICTS, max_size=4).map(lambda sites: {"sites": sites}),
    st.lists(SITE_DICTS, max_size=4),
    VALUES,
)


def _yaml(document) -> str:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


def _check(text: str) -> list[Site]:
    try:
        sites = parse_sites(text, "sites.yaml")
    except SitesFileError as error:
        assert error.problems and str(error).startswith("sites.yaml")
        assert all(p.line is None or p.line >= 1 for p in error.problems)
        return []
    assert sites
    for site in sites:
        assert Site.from_dict(site.to_dict()) == site
        assert site.host and site.allowed_domains
    assert parse_sites(_yaml({"sites": [s.to_dict() for s in sites]})) == sites
    return sites


@PROPERTY
@given(st.text(max_size=300))
def test_any_text_loads_or_is_a_sites_file_error(text):
    _check(text)


@PROPERTY
@given(DOCUMENTS)
def test_any_yaml_document_loads_or_is_a_sites_file_error(document):
    _check(_yaml(document))


@PROPERTY
@given(st.lists(st.fixed_dictionaries(
    {"name": st.text(min_size=1, max_size=10),
     "url": st.sampled_from(["https://example.com/", "http://news.example.org/", "http://127.0.0.2:8000/"])},
    optional={key: VALUES for key in KNOWN_KEYS[2:]},
), min_size=1, max_size=3), st.text(max_size=40))
def test_nearly_valid_files_and_the_registry(sites, probe):
    loaded = _check(_yaml({"sites": sites}))
    registry = SiteRegistry(site.record() for site in loaded)
    for site in loaded:
        assert registry.site_for(site.url) is not None
    for url in (probe, f"http://{probe}/", f"https://{probe}"):
        registry.site_for(url)
        registry.name_for(url)
    site_domain(probe)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_on_disk_load_or_are_a_sites_file_error(data):
    with tempfile.NamedTemporaryFile("wb", suffix=".yaml", delete=False) as f:
        f.write(data)
    try:
        load_sites(f.name)
    except SitesFileError as error:
        assert error.problems
    finally:
        os.unlink(f.name)
