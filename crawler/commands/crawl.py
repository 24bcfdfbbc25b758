"""`scrapy crawl` that lets a spider reject bad -a arguments before anything starts.

A spider class may define `check_arguments(**spargs)` raising UsageError; the message
is printed as a one-line usage error (exit code 2) instead of a traceback, and no
request is ever sent.
"""

from __future__ import annotations

from scrapy.commands.crawl import Command as ScrapyCrawlCommand


class Command(ScrapyCrawlCommand):
    def run(self, args, opts):
        if len(args) == 1:
            try:
                spidercls = self.crawler_process.spider_loader.load(args[0])
            except KeyError:
                spidercls = None
            check = getattr(spidercls, "check_arguments", None)
            if check is not None:
                check(**opts.spargs)
        super().run(args, opts)
