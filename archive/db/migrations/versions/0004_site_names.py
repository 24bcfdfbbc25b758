"""captures.site and articles.first_site hold the configured site's NAME (archive.sites).

Before, the index stored a site's name only for URLs on exactly the host of the site's
``url`` (or a subdomain of that exact host) and the bare host otherwise, so for a site at
``https://www.example.com/`` the pages on ``example.com`` and ``news.example.com`` were
stored under those host names, and ``search --site "The Example Times"`` missed them.

What a host means is recorded in the database itself: each crawl's ``crawls.sites``
lists the sites (name, url) that crawl was given. The upgrade maps every stored value
with archive.sites.SiteRegistry, the rule the live crawl and ``reindex`` now use:

- captures: by the sites of the capture's own crawl; captures without a crawl, or whose
  crawl lists no site for the host, by the sites of all crawls (the latest crawl
  that names a site for the host wins);
- articles.first_site: by the sites of all crawls, the same way.

A value that is already a site name is kept. A host that no crawl's sites cover cannot
be given a name: it stays as it is (the bare host, what the index stores for a URL of no
configured site) and the upgrade logs how many rows kept a host. The work is one UPDATE
per distinct (crawl, value) pair, not per row. Offline (``--sql``) it writes only a
comment saying it must run online. The downgrade changes nothing: the schema
is the same and a name is a valid value for the old code, which never parsed it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

import json
import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from archive.sites import SiteRegistry

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

logger = logging.getLogger("alembic.runtime.migration")

crawls = sa.table("crawls", sa.column("crawl_id"), sa.column("sites"), sa.column("started_at"))
captures = sa.table("captures", sa.column("crawl_id"), sa.column("site"))
articles = sa.table("articles", sa.column("first_site"))


def _sites(value) -> list:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return [s for s in value or [] if isinstance(s, dict)]


class _Names:
    """Site name for a stored value (a name or a host), per crawl and over all crawls."""

    def __init__(self, rows) -> None:
        self.by_crawl: dict[str, SiteRegistry] = {}
        self.latest_first: list[SiteRegistry] = []
        for crawl_id, sites, _ in sorted(rows, key=lambda r: str(r[2] or ""), reverse=True):
            registry = SiteRegistry(_sites(sites))
            self.by_crawl[crawl_id] = registry
            self.latest_first.append(registry)
        self.known_names = {name for r in self.latest_first for name in r.names}

    def name(self, value: str, crawl_id: str | None = None) -> str | None:
        own = self.by_crawl.get(crawl_id) if crawl_id else None
        if own is not None:
            if value in own.names:
                return value
            found = own.site_for_host(value)
            if found:
                return found
        if value in self.known_names:
            return value
        for registry in self.latest_first:
            found = registry.site_for_host(value)
            if found:
                return found
        return None


def upgrade() -> None:
    if context.is_offline_mode():
        # The mapping needs the rows (crawls.sites); offline SQL cannot carry it.
        op.execute("-- 0004 converts captures.site / articles.first_site to site names: "
                   "run this upgrade online (archive opens and upgrades the database itself)")
        return
    bind = op.get_bind()
    names = _Names(bind.execute(sa.select(crawls.c.crawl_id, crawls.c.sites, crawls.c.started_at)).all())
    unknown: dict[str, int] = {}
    pairs = bind.execute(
        sa.select(captures.c.crawl_id, captures.c.site, sa.func.count())
        .where(captures.c.site.is_not(None))
        .group_by(captures.c.crawl_id, captures.c.site)
    ).all()
    for crawl_id, value, count in pairs:
        name = names.name(value, crawl_id)
        if name is None:
            unknown[value] = unknown.get(value, 0) + count
        elif name != value:
            crawl_match = captures.c.crawl_id.is_(None) if crawl_id is None else captures.c.crawl_id == crawl_id
            bind.execute(captures.update().where(crawl_match, captures.c.site == value).values(site=name))
    values = bind.execute(
        sa.select(articles.c.first_site, sa.func.count())
        .where(articles.c.first_site.is_not(None))
        .group_by(articles.c.first_site)
    ).all()
    for value, count in values:
        name = names.name(value)
        if name is None:
            unknown[value] = unknown.get(value, 0) + count
        elif name != value:
            bind.execute(articles.update().where(articles.c.first_site == value).values(first_site=name))
    if unknown:
        shown = ", ".join(f"{host} ({count})" for host, count in sorted(unknown.items())[:10])
        logger.warning("0004: %d row(s) keep a host name as their site: no crawl's sites cover %s%s",
                       sum(unknown.values()), shown, " ..." if len(unknown) > 10 else "")


def downgrade() -> None:
    """Nothing to undo: the columns are unchanged and the old code reads a name as any text."""
