"""`scrapy crawl` that validates a spider's arguments once, before anything starts.

A spider class may define `check_arguments(**spargs)` returning its validated arguments
or raising UsageError; the message is printed as a one-line usage error (exit code 2)
instead of a traceback, no request is ever sent, and the spider receives the validated
arguments as `arguments=` (so the sites file is read once). `-a sites=demo` starts the
built-in demo web (crawler.demo.DemoServer) for the length of the crawl and crawls the
sites file it writes.
"""

from __future__ import annotations

from contextlib import ExitStack

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from crawler.arguments import DEMO


class Command(ScrapyCrawlCommand):
    def run(self, args, opts):
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
                                  articles=settings.getint("TOPIC_DEMO_FILLER", 0))
                opts.spargs["sites"] = demo.start()
                stack.callback(demo.stop)
            opts.spargs["arguments"] = check(**opts.spargs)
            super().run(args, opts)
