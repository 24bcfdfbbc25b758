"""The extraction pool (ProcessPoolExecutor on the event loop): results, errors, a dying worker."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures.process import BrokenProcessPool

import pytest

from crawler.pool import ExtractionPool


def test_results_errors_and_worker_death():
    async def scenario():
        pool = ExtractionPool(2, max_pending=3)
        await pool.start()
        try:
            assert await asyncio.gather(*(pool.run(len, "x" * n) for n in range(10))) == list(range(10))
            with pytest.raises(ValueError):
                await pool.run(int, "not a number")
            # the call that kills its worker fails (after one retry on a fresh pool); the calls
            # in flight beside it get one retry too (which the culprit's retry may break again)
            results = await asyncio.gather(pool.run(os._exit, 3), *(pool.run(len, "ab") for _ in range(2)),
                                           return_exceptions=True)
            assert isinstance(results[0], BrokenProcessPool)
            assert all(r == 2 or isinstance(r, BrokenProcessPool) for r in results[1:])
            assert await asyncio.gather(*(pool.run(len, "abc") for _ in range(4))) == [3] * 4  # recovered
        finally:
            await pool.close()
        assert pool.executor is None

    asyncio.run(asyncio.wait_for(scenario(), timeout=60))
