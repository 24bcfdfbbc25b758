"""The reference pipeline for bench/bench_crawl.py: a plain Scrapy CrawlSpider + trafilatura +
warcio + SQLite, written the way the libraries' documentation shows, with no tuning.

    python bench/baseline_crawl.py SITES_YAML OUT_DIR [--requisites] [--concurrency 64]

Starts at each site's home page and follows every link on the site's host (robots.txt
obeyed, no delays); every response goes to one WARC file (warcio's WARCWriter, gzip per
record); every HTML page goes through `trafilatura.extract` (JSON with metadata), and text of at least
MIN_TEXT chars is inserted into an SQLite table, one commit per article. With
--requisites, an article page's <img src>, <script src> and <link href> are fetched and
archived too (one request per URL, Scrapy's duplicate filter; other hosts such as a CDN
are left to Scrapy's offsite filter, which drops them). Prints one JSON line:
{"articles": N, "pages": M, "requests": R}.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

import trafilatura
import yaml
from scrapy.crawler import CrawlerProcess
from scrapy.linkextractors import LinkExtractor
from scrapy.spiders import CrawlSpider, Rule
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

MIN_TEXT = 400  # the crawler's EXTRACT_MIN_TEXT_LENGTH


class BaselineSpider(CrawlSpider):
    name = "baseline"

    def __init__(self, sites: str, out: str, requisites: bool = False, **kwargs) -> None:
        urls = [site["url"] for site in yaml.safe_load(Path(sites).read_text())["sites"]]
        self.start_urls = urls
        self.allowed_domains = sorted({urlsplit(url).hostname or "" for url in urls})
        self.rules = (Rule(LinkExtractor(), callback="parse_page",
                           follow=True),)
        super().__init__(**kwargs)
        self.requisites = LinkExtractor(tags=("img", "script", "link"), attrs=("src", "href"),
                                        deny_extensions=()) \
            if requisites else None
        out_dir = Path(out)
        out_dir.mkdir(parents=True, exist_ok=True)
        self.warc_file = open(out_dir / "baseline.warc.gz", "wb")  # noqa: SIM115 - closed in closed()
        self.warc = WARCWriter(self.warc_file, gzip=True)
        self.db = sqlite3.connect(out_dir / "baseline.sqlite")
        self.db.execute("CREATE TABLE IF NOT EXISTS articles (url TEXT PRIMARY KEY, title TEXT, "
                        "date TEXT, text TEXT, warc_offset INTEGER)")
        self.articles = self.pages = 0

    def _archive(self, response) -> int:
        headers = [(k.decode("latin-1"), b", ".join(v).decode("latin-1")) for k, v in response.headers.items()]
        http = StatusAndHeaders(f"{response.status} OK", headers, protocol="HTTP/1.1")
        offset = self.warc.out.tell()
        record = self.warc.create_warc_record(response.url, "response", payload=BytesIO(response.body),
                                              http_headers=http)
        self.warc.write_record(record)
        return offset

    def parse_page(self, response):
        offset = self._archive(response)
        if not hasattr(response, "text"):
            return
        self.pages += 1
        found = trafilatura.extract(response.text, url=response.url, output_format="json", with_metadata=True)
        doc = json.loads(found) if found else {}
        text = doc.get("text") or ""
        if len(text) < MIN_TEXT:
            return
        self.db.execute("INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?)",
                        (response.url, doc.get("title"), doc.get("date"), text, offset))
        self.db.commit()
        self.articles += 1
        if self.requisites is not None:
            for link in self.requisites.extract_links(response):
                yield response.follow(link.url, callback=self.parse_requisite)

    def parse_requisite(self, response):
        self._archive(response)

    def closed(self, reason) -> None:
        self.warc_file.close()
        self.db.close()
        print(json.dumps({"articles": self.articles, "pages": self.pages,
                          "requests": self.crawler.stats.get_value("downloader/request_count", 0)}),
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sites")
    parser.add_argument("out")
    parser.add_argument("--requisites", action="store_true")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--timeout", type=int, default=600)
    args = parser.parse_args()
    process = CrawlerProcess(settings={
        "CONCURRENT_REQUESTS": args.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": max(1, args.concurrency // 4),
        "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "ROBOTSTXT_OBEY": True,
        "COOKIES_ENABLED": False, "TELNETCONSOLE_ENABLED": False, "LOG_LEVEL": "INFO",
        "CLOSESPIDER_TIMEOUT": args.timeout, "USER_AGENT": "baseline-bench (loopback only)",
    })
    process.crawl(BaselineSpider, sites=args.sites, out=args.out, requisites=args.requisites)
    process.start()


if __name__ == "__main__":
    sys.exit(main())
