"""The extraction processes: a ProcessPoolExecutor awaited on the reactor's asyncio loop."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

logger = logging.getLogger(__name__)


def _ready() -> bool:
    return True


class ExtractionPool:
    """`await pool.run(function, *args)` runs in one of `workers` spawned processes.

    At most `max_pending` calls are in flight (0: 4 per worker); the others wait, which
    backs pressure up into Scrapy's scraper and bounds the memory their arguments hold.
    A worker that dies breaks the executor (every call in flight fails): the executor is
    replaced and each of those calls is tried once more; a call that fails twice (the one
    that kills its worker, or one in flight when it did so again) raises BrokenProcessPool.
    """

    def __init__(self, workers: int, initializer=None, max_pending: int = 0,
                 start_method: str = "spawn") -> None:
        self.size = max(1, workers)
        self.initializer = initializer
        self.context = multiprocessing.get_context(start_method)
        self._slots = asyncio.Semaphore(max_pending or 4 * self.size)
        self.executor: ProcessPoolExecutor | None = None

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.size, mp_context=self.context, initializer=self.initializer)

    async def start(self) -> None:
        """Start the workers (they warm up in the background; nothing waits for them)."""
        self.executor = self._new_executor()
        for _ in range(self.size):
            self.executor.submit(_ready)

    async def run(self, function, *args):
        async with self._slots:
            loop = asyncio.get_running_loop()
            for attempt in (1, 2):
                executor = self.executor
                if executor is None:
                    executor = self.executor = self._new_executor()
                try:
                    return await loop.run_in_executor(executor, function, *args)
                except BrokenProcessPool:
                    if self.executor is executor:  # the first call to notice replaces it
                        logger.warning("An extraction worker died; starting a new pool")
                        self.executor = self._new_executor()
                        executor.shutdown(wait=False, cancel_futures=True)
                    if attempt == 2:
                        raise
            raise AssertionError("unreachable")  # pragma: no cover

    async def close(self) -> None:
        executor, self.executor = self.executor, None
        if executor is not None:
            await asyncio.get_running_loop().run_in_executor(None, executor.shutdown)
