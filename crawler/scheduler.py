"""A JOBDIR that survives `kill -9`: Scrapy's scheduler, with its job state checked before use."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from scrapy.core.scheduler import Scheduler
from scrapy.utils.job import job_dir

logger = logging.getLogger(__name__)

#: Present in JOBDIR while a crawl is using it; a clean close removes it.
RUNNING_MARK = "crawl.running"
#: What Scrapy's scheduler and dupefilter keep in JOBDIR, consistent only after a clean close.
SCHEDULER_STATE = ("requests.queue", "requests.seen")


class ResumableScheduler(Scheduler):
    """Scrapy's Scheduler, plus: a JOBDIR left by a crawl that never closed is not trusted.

    Scrapy writes a job's disk-queue bookkeeping (`requests.queue/active.json` and each
    queue's `info.json`) only when the scheduler closes, but appends to the dupefilter's
    `requests.seen` all along. After `kill -9` the next run therefore finds every URL the
    crawl had met marked as seen and no queue to take them from: it fetched nothing and
    ended "finished". The requests that were in flight at the kill (downloading, or
    downloaded and not yet parsed) are lost from both files either way.

    So this scheduler marks JOBDIR while a crawl runs (`crawl.running`, removed by a clean
    close). A run that finds the mark drops the queue and the seen-requests file, with one
    warning and the stat `jobdir/unclean_resume`, and discovers again from the start
    requests; the archive's own record of what was captured (crawler.state,
    crawler.middlewares.recheck) keeps it from fetching the archived articles again in
    full. A job stopped cleanly (Ctrl-C, CLOSESPIDER_*) resumes exactly as in Scrapy.
    """

    jobdir: str | None = None

    @classmethod
    def from_crawler(cls, crawler):
        directory = job_dir(crawler.settings)  # before the dupefilter opens requests.seen
        unclean = directory is not None and discard_unclean_state(Path(directory))
        scheduler = super().from_crawler(crawler)
        scheduler.jobdir = directory
        if unclean:
            crawler.stats.set_value("jobdir/unclean_resume", 1)
        return scheduler

    def open(self, spider):
        if self.jobdir is not None:
            Path(self.jobdir, RUNNING_MARK).write_text(f"{os.getpid()}\n", encoding="ascii")
        return super().open(spider)

    def close(self, reason):
        result = super().close(reason)  # writes active.json and closes requests.seen
        if self.jobdir is not None:
            Path(self.jobdir, RUNNING_MARK).unlink(missing_ok=True)
        return result


def discard_unclean_state(directory: Path) -> bool:
    """Remove the scheduler state of a crawl that did not close; True when there was one."""
    mark = directory / RUNNING_MARK
    if not mark.exists():
        return False
    found = [name for name in SCHEDULER_STATE if (directory / name).exists()]
    logger.warning(
        "JOBDIR %s was left by a crawl that did not close (killed?): its request queue and "
        "seen-requests file are not in step, so they are dropped (%s) and discovery starts "
        "again; URLs already archived are re-checked or skipped, not fetched again in full",
        directory, ", ".join(found) or "nothing to drop")
    for name in found:
        path = directory / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    mark.unlink()
    return True
