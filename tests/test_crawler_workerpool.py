"""The asyncio-native extraction pool: results, exceptions, a dying worker replaced."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures.process import BrokenProcessPool

import pytest

from crawler.workerpool import AsyncProcessPool


def test_results_errors_and_worker_death():
    async def scenario():
        pool = AsyncProcessPool(2, max_pending=3)
        await pool.start()
        try:
            assert await asyncio.gather(*(pool.run(len, "x" * n) for n in range(10))) == list(range(10))
            with pytest.raises(ValueError):
                await pool.run(int, "not a number")
            with pytest.raises(BrokenProcessPool):
                await pool.run(os._exit, 3)
            await asyncio.sleep(0.2)
            assert await pool.run(len, "abc") == 3  # the dead worker was replaced
        finally:
            await pool.close()
        assert not pool.workers

    asyncio.run(asyncio.wait_for(scenario(), timeout=60))
