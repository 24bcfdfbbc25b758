"""Accept an Engine, a Connection, an open Archive or a database URL wherever a query needs a database."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa


def engine_of(source: Any) -> sa.Engine:
    """The Engine behind ``source`` (an Engine, an ``Archive``, or anything with ``.engine``)."""
    if isinstance(source, sa.Engine):
        return source
    if isinstance(source, sa.Connection):
        return source.engine
    engine = getattr(source, "engine", None)
    if isinstance(engine, sa.Engine):
        return engine
    raise TypeError(f"expected an Engine, a Connection or an Archive, got {type(source).__name__}")


@contextlib.contextmanager
def connection(source: Any) -> Iterator[sa.Connection]:
    """A read connection on ``source`` (reused as is when it is already a Connection)."""
    if isinstance(source, sa.Connection):
        yield source
        return
    from archive.db.engine import connect

    with connect(engine_of(source)) as conn:
        yield conn
