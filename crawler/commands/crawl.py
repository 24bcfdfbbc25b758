"""`scrapy crawl` that validates a spider's arguments once, before anything starts.

A spider class may define `check_arguments(**spargs)` returning its validated arguments
or raising UsageError; the message is printed as a one-line usage error (exit code 2)
instead of a traceback, no request is ever sent, and the spider receives the validated
arguments as `arguments=` (so the sites file is read once). `-a sites=demo` starts the
built-in demo web (crawler.demo.DemoServer) for the length of the crawl and crawls the
sites file it writes. It also sets, from the command line and the sites file, what the
settings cannot know in advance: USER_AGENT around `-s ARCHIVE_CONTACT=` given alone,
and each site's `delay`/`concurrency` into DOWNLOAD_SLOTS. A crawl that could not open
its archive or its Redis frontier (finish reason `archive_unavailable` /
`frontier_unavailable`), that stopped on a full disk (`archive_disk_full`), or that
ended with index writes the database never took (`archive/index_incomplete`: the
next run catches up from the WARC files) exits 1, so that schedulers and node
supervisors see it.
"""

from __future__ import annotations

from contextlib import ExitStack

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from crawler.arguments import DEMO


class Command(ScrapyCrawlCommand):
    def process_options(self, args, opts):
        super().process_options(args, opts)
        settings = self.settings
        assert settings is not None
        contact_priority = settings.getpriority("ARCHIVE_CONTACT") or 0
        if contact_priority > (settings.getpriority("USER_AGENT") or 0):
            # `-s ARCHIVE_CONTACT=...` alone: the identifying User-Agent is rebuilt around it.
            from crawler import user_agent

            settings.set("USER_AGENT", user_agent(settings["ARCHIVE_CONTACT"]), priority=contact_priority)

    def _create_crawler(self, spidercls):
        crawler = super()._create_crawler(spidercls)
        self._crawlers = [*getattr(self, "_crawlers", []), crawler]
        return crawler

    def run(self, args, opts):
        self._run(args, opts)
        if self.exitcode == 0 and any(map(_failed, getattr(self, "_crawlers", []))):
            self.exitcode = 1

    def _run(self, args, opts):
        assert self.settings is not None and self.crawler_process is not None
        spidercls = None
        if len(args) == 1:
            try:
                spidercls = self.crawler_process.spider_loader.load(args[0])
            except KeyError:
                spidercls = None
        check = getattr(spidercls, "check_arguments", None)
        if check is None:
            super().run(args, opts)
            return
        with ExitStack() as stack:
            if opts.spargs.get("sites") == DEMO:
                from crawler.demo import DemoServer

                settings = self.settings
                demo = DemoServer(timeout=settings.getfloat("TOPIC_DEMO_TIMEOUT", 60),
                                  articles=settings.getint("TOPIC_DEMO_FILLER", 0),
                                  port=settings.getint("TOPIC_DEMO_PORT", 0))
                opts.spargs["sites"] = demo.start()
                stack.callback(demo.stop)
                # the demo web is on loopback, which the address policy refuses otherwise
                allowed = [*settings.getlist("ARCHIVE_ALLOWED_NETWORKS", []), "127.0.0.0/8"]
                settings.set("ARCHIVE_ALLOWED_NETWORKS", allowed, priority="cmdline")
            arguments = opts.spargs["arguments"] = check(**opts.spargs)
            sites = getattr(arguments, "sites", ())
            if sites:  # each site's delay and concurrency, for the downloader's per-host slots
                from crawler.sites import download_slots

                slots = self.settings.getdict("DOWNLOAD_SLOTS")
                priority = max(self.settings.getpriority("DOWNLOAD_SLOTS") or 0, 30)  # >= "spider"
                self.settings.set("DOWNLOAD_SLOTS", download_slots(sites, slots), priority=priority)
            super().run(args, opts)


def _failed(crawler) -> bool:
    """The crawl could not start, or could not archive (and index) what it fetched."""
    from crawler.extensions.archive_session import DISK_FULL, INDEX_INCOMPLETE
    from crawler.frontier import FRONTIER_UNAVAILABLE
    from crawler.state import ARCHIVE_UNAVAILABLE

    stats = crawler.stats
    return stats is not None and (
        stats.get_value("finish_reason") in (ARCHIVE_UNAVAILABLE, FRONTIER_UNAVAILABLE, DISK_FULL)
        or bool(stats.get_value("archive/open_failed"))
        or bool(stats.get_value("archive/disk_full"))
        or bool(stats.get_value(INDEX_INCOMPLETE))
    )
