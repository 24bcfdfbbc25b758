"""Extract clean text and metadata in worker processes, score the topic, hash the text."""

from __future__ import annotations

import codecs
import logging
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from scrapy.exceptions import DropItem, NotConfigured

from archive.extract.boilerplate import TEMPLATE_AGREEMENT
from archive.extract.core import TEMPLATE_SOURCE
from crawler.items import ArticleItem
from crawler.pool import ExtractionPool
from crawler.state import CrawlState
from crawler.worker import extract_article, warm_up

if TYPE_CHECKING:
    from archive.extract import SiteBoilerplate

logger = logging.getLogger(__name__)


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


class ExtractPipeline:
    """Run `archive.extract.extract` on each ArticleItem in worker processes (crawler.pool.ExtractionPool).

    The reactor only awaits a future, so fetching never waits on parsing. The workers
    parse each page once and also read its requisites (`item.requisite_kinds`) and
    rel=canonical from that parse into the item, for the spider. Pages that
    are not articles (or whose clean text is shorter than EXTRACT_MIN_TEXT_LENGTH) are
    dropped (`extract/not_article`). The topic query is the crawl's (CrawlState's plan).
    A per-site boilerplate learner (archive.extract.SiteBoilerplate) is loaded from the
    archive database when the spider opens (the pipeline opens the crawl's archive), fed
    every article's segments, handed to the workers as each site's current furniture set,
    and saved when the spider closes. The same learner finds where each site's body sits
    (its layout); the workers compare that region with the other body candidates, and once
    it has agreed with the general extractor on a few pages it is the site's template:
    its pages are read from that region alone, one in eight still checked by the general
    path (EXTRACT_SITE_TEMPLATES; stats `extract/template_pages`, `extract/template_checks`,
    `extract/template_disagreed`).

    Settings: EXTRACT_ENABLED (True; False disables the pipeline: raw capture only),
    EXTRACT_WORKERS (cpu count, at most 4), EXTRACT_MIN_TEXT_LENGTH (400),
    ARCHIVE_STORIES (True: story signatures computed in the workers), EXTRACT_BOILERPLATE
    (True: learn furniture and layouts), EXTRACT_SITE_TEMPLATES (True:
    use a checked layout as the site's template), EXTRACT_MAX_PENDING (0: 4 per worker; pages in flight to
    the workers, the rest wait and hold back downloading).
    """

    def __init__(self, state: CrawlState, stats, *, workers: int, min_length: int, boilerplate: bool,
                 max_pending: int = 0, templates: bool = True, story_signatures: bool = True) -> None:
        self.state = state
        self.stats = stats
        self.workers = workers
        self.max_pending = max_pending
        self.min_length = min_length
        self.use_boilerplate = boilerplate
        self.use_templates = templates
        self.story_signatures = story_signatures
        self.pool: ExtractionPool | None = None
        self.query: str | None = None
        self.learner: SiteBoilerplate | None = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("EXTRACT_ENABLED", True):
            raise NotConfigured("EXTRACT_ENABLED is off")
        return cls(
            CrawlState.from_crawler(crawler),
            crawler.stats,
            workers=max(1, settings.getint("EXTRACT_WORKERS", 1)),
            min_length=settings.getint("EXTRACT_MIN_TEXT_LENGTH", 400),
            boilerplate=settings.getbool("EXTRACT_BOILERPLATE", True),
            max_pending=settings.getint("EXTRACT_MAX_PENDING", 0),
            templates=settings.getbool("EXTRACT_SITE_TEMPLATES", True),
            story_signatures=settings.getbool("ARCHIVE_STORIES", True),
        )

    async def open_spider(self) -> None:
        self.state.open()  # the learner's table; CloseSpider when the archive cannot open
        plan = self.state.crawl_plan
        self.query = plan.topic if plan is not None and plan.topic else None
        self.pool = ExtractionPool(self.workers, initializer=warm_up, max_pending=self.max_pending)
        await self.pool.start()  # workers warm up while discovery runs
        if self.use_boilerplate:
            from archive.extract import SiteBoilerplate

            self.learner = SiteBoilerplate()
            self.learner.load(self.state.engine, self.state.registry.names)

    async def close_spider(self) -> None:
        if self.pool is not None:
            pool, self.pool = self.pool, None
            await pool.close()
        engine = self.state.engine
        if self.learner is not None and engine is not None:
            try:
                self.learner.save(engine)
            except Exception as exc:  # noqa: BLE001 - losing learned furniture must not lose the crawl
                self.stats.inc_value("extract/boilerplate_save_failed")
                logger.error("Could not save the boilerplate learner: %r", exc)

    def _furniture(self, site: str):
        if self.learner is None:
            return None
        return self.learner.furniture(site) or None

    def _plan(self, site: str) -> tuple[str | None, bool]:
        if self.learner is None:
            return None, False
        layout, template = self.learner.plan(site)
        return layout, template and self.use_templates

    def _learn(self, site: str, layout: str | None, page) -> None:
        result = page.result
        assert self.learner is not None
        self.learner.observe(site, result.segments, forms=page.segment_forms)
        if result.body_source == TEMPLATE_SOURCE:
            self.stats.inc_value("extract/template_pages")
            return
        self.learner.observe_layout(site, result.body_region, layout=layout, agreement=result.layout_agreement)
        if result.layout_agreement is not None:
            self.stats.inc_value("extract/template_checks")
            if result.layout_agreement < TEMPLATE_AGREEMENT:
                self.stats.inc_value("extract/template_disagreed")

    async def process_item(self, item):
        if not isinstance(item, ArticleItem):
            return item
        assert self.pool is not None, "open_spider starts the pool"
        declared = item.declared_charset
        non_ascii = not item.html.isascii()
        layout, template = self._plan(item.site)
        try:
            page = await self.pool.run(
                extract_article, item.html, item.url, self.query, self.min_length,
                self._furniture(item.site), declared, item.requisite_kinds, layout, template,
                self.story_signatures,
            )
        except BrokenProcessPool:
            self.stats.inc_value("extract/worker_crashed")
            self.stats.inc_value(f"site/{item.site}/extract_failed")
            logger.error("An extraction worker died on %s; it is replaced", item.url)
            raise DropItem(f"extraction worker crashed on {item.url}") from None
        except Exception as exc:  # a bug or a pathological page: count it, keep crawling
            self.stats.inc_value("extract/error")
            self.stats.inc_value(f"site/{item.site}/extract_failed")
            logger.warning("Extraction failed for %s: %r", item.url, exc)
            raise DropItem(f"extraction failed for {item.url}: {exc!r}") from exc
        finally:
            item.html = b""
        item.requisites, item.rel_canonical = page.requisites, page.rel_canonical
        result = page.result
        if result is None:
            self.stats.inc_value("extract/not_article")
            self.stats.inc_value(f"site/{item.site}/not_article")
            raise DropItem(f"not an article ({page.reason}): {item.url}", log_level="DEBUG")
        if declared and non_ascii and _codec(result.encoding) != _codec(declared):
            self.stats.inc_value("extract/charset_fixed")
            logger.info("Charset fixed for %s: declared %s, decoded as %s", item.url, declared, result.encoding)
        if self.learner is not None:
            self._learn(item.site, layout, page)
        self.stats.inc_value("extract/articles")
        item.result, item.score, item.content_hash = result, page.score, page.content_hash
        item.story_signature = page.story_signature
        return item
