"""The reading room's routes: search, article, stories, story, topic (see archive.serve)."""

from __future__ import annotations

import difflib
import functools
import logging
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import sqlalchemy as sa
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from archive.errors import ArchiveError, DatabaseUnavailable, RecordNotFound
from archive.query.articles import AmbiguousReference, article, text_lines
from archive.query.filters import FilterError, Filters
from archive.query.search import search
from archive.stories.read import stories, story, story_of

logger = logging.getLogger(__name__)

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
PAGE_SIZE = 20
MAX_PAGE = 500
MAX_PARAM = 500
MARK = ("\ue000", "\ue001")  # private-use characters: never in the escaped output
_HASH = re.compile(r"[0-9a-f]{6,64}")
DEFAULT_REPLAY = "http://localhost:8080/archive/"


# --- templates ---


def highlight(text: str | None) -> Markup:
    """Escape ``text``, then turn the search's marker characters into <mark> elements."""
    escaped = str(escape(text or ""))
    return Markup(escaped.replace(MARK[0], "<mark>").replace(MARK[1], "</mark>"))


def plain(text: str | None) -> str:
    return (text or "").replace(MARK[0], "").replace(MARK[1], "")


def web_href(url: str | None) -> str | None:
    """``url`` if it is an http(s) URL (safe to put in an href), else None."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


@functools.lru_cache(maxsize=1)
def templates() -> Environment:
    env = Environment(loader=FileSystemLoader(str(HERE / "templates")),
                      autoescape=select_autoescape(["html"], default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(hl=highlight, plain=plain, href=web_href, when=when)
    env.globals.update(query_string=lambda **kw: urlencode(
        [(k, v) for k, vs in kw.items() for v in (vs if isinstance(vs, (list, tuple)) else [vs])
         if v not in (None, "")]))
    return env


def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = templates().get_template(name).render(standalone=False, **context)
    return HTMLResponse(html, status_code=status)


# --- input ---


def _param(request: Request, name: str) -> str | None:
    value = request.query_params.get(name)
    if value is None:
        return None
    if len(value) > MAX_PARAM:
        raise HTTPException(400, f"{name} is too long (at most {MAX_PARAM} characters)")
    return value.strip() or None


def _page(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise HTTPException(400, f"page must be a whole number from 1 to {MAX_PAGE}")
    return int(raw)


def _filters(request: Request) -> Filters:
    sites = [s.strip() for s in request.query_params.getlist("site") if s.strip()]
    if any(len(s) > MAX_PARAM for s in sites) or len(sites) > 50:
        raise HTTPException(400, "too many or too long site names")
    return Filters.make(site=sites, since=_param(request, "since"), until=_param(request, "until"),
                        topic=_param(request, "topic"), lang=_param(request, "lang"))


def _form(request: Request) -> dict[str, Any]:
    return {"q": request.query_params.get("q", "")[:MAX_PARAM],
            "site": [s for s in request.query_params.getlist("site") if s][:50],
            **{k: request.query_params.get(k, "")[:MAX_PARAM]
               for k in ("since", "until", "topic", "lang")}}


# --- pages ---


def search_page(request: Request) -> HTMLResponse:
    engine = request.app.state.engine
    query, page = _param(request, "q"), _page(request)
    filters = _filters(request)
    hits, more = [], False
    if query:
        found = search(engine, query, filters, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE,
                       highlight=MARK)
        hits, more = found[:PAGE_SIZE], len(found) > PAGE_SIZE
    return render("search.html", form=_form(request), query=query, hits=hits, page=page, more=more,
                  offset=(page - 1) * PAGE_SIZE)


def article_page(request: Request) -> HTMLResponse:
    ref = request.path_params["ref"].lower()
    if not _HASH.fullmatch(ref):
        raise HTTPException(400, "an article is named by its content hash (6 to 64 hex digits)")
    engine = request.app.state.engine
    view = article(engine, ref)
    try:
        story_id = story_of(engine, view.content_hash)
    except RecordNotFound:
        story_id = None
    texts = _texts(engine, {h for hist in view.history for d in hist.diffs
                            for h in (d.from_hash, d.to_hash)})
    diffs = [{"url": hist.url, "from": d.from_hash, "to": d.to_hash,
              "table": side_by_side(texts.get(d.from_hash, ""), texts.get(d.to_hash, ""),
                                    d.from_hash[:12], d.to_hash[:12])}
             for hist in view.history for d in hist.diffs]
    replay = request.app.state.replay_base
    captures = [{"c": c, "replay": (f"{replay}{c.fetched_at:%Y%m%d%H%M%S}/{c.url}"
                                    if web_href(c.url) else None)} for c in view.captures]
    return render("article.html", view=view, story_id=story_id, diffs=diffs, captures=captures,
                  paragraphs=[p for p in view.text.split("\n") if p.strip()])


def stories_page(request: Request) -> HTMLResponse:
    engine = request.app.state.engine
    page = _page(request)
    found = stories(engine, _filters(request), query=_param(request, "q"), limit=PAGE_SIZE + 1,
                    offset=(page - 1) * PAGE_SIZE)
    return render("stories.html", form=_form(request), found=found[:PAGE_SIZE], page=page,
                  more=len(found) > PAGE_SIZE)


def story_page(request: Request) -> HTMLResponse:
    story_id = request.path_params["story_id"]
    if story_id > 2**62:
        raise HTTPException(404, f"no story {story_id}")
    view = story(request.app.state.engine, story_id)
    texts = _texts(request.app.state.engine, {h for d in view.diffs for h in (d["from_hash"], d["to_hash"])})
    diffs = [{**d, "table": side_by_side(texts.get(d["from_hash"], ""), texts.get(d["to_hash"], ""),
                                         d["from_hash"][:12], d["to_hash"][:12])} for d in view.diffs]
    return render("story.html", view=view, diffs=diffs)


def topic_view(request: Request) -> HTMLResponse:
    from archive.serve.topic import topic_page

    query = _param(request, "q")
    if not query:
        return render("topic.html", page=None, form=_form(request))
    page = topic_page(request.app.state.engine, query, _filters(request))
    return render("topic.html", page=page, form=_form(request))


def side_by_side(old: str, new: str, old_label: str, new_label: str) -> Markup:
    """A side-by-side diff table, sentence per line (difflib escapes the text itself;
    the labels are hash prefixes)."""
    table = difflib.HtmlDiff().make_table(
        text_lines(old), text_lines(new), str(escape(old_label)), str(escape(new_label)),
        context=True, numlines=1)
    return Markup(table)


def _texts(engine: sa.Engine, hashes: set[str]) -> dict[str, str]:
    from archive.db.models import articles

    if not hashes:
        return {}
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(articles.c.content_hash, articles.c.text)
                                 .where(articles.c.content_hash.in_(sorted(hashes)))).all())


# --- errors ---


async def http_error(request: Request, exc: Exception) -> HTMLResponse:
    assert isinstance(exc, HTTPException)
    return render("error.html", status=exc.status_code, status_code=exc.status_code,
                  message=exc.detail)


async def archive_error(request: Request, exc: Exception) -> HTMLResponse:
    if isinstance(exc, (FilterError, AmbiguousReference)):
        status = 400
    elif isinstance(exc, RecordNotFound):
        status = 404
    elif isinstance(exc, DatabaseUnavailable):  # e.g. the file was damaged or replaced
        logger.error("serve: database error on %s: %s", request.url.path, exc)
        return render("error.html", status=503, status_code=503,
                      message=f"the archive database is not available: {exc}")
    else:
        status = 400
    return render("error.html", status=status, status_code=status, message=str(exc))


async def database_error(request: Request, exc: Exception) -> HTMLResponse:
    assert isinstance(exc, sa.exc.DBAPIError)
    reason = " ".join(str(exc.orig if exc.orig is not None else exc).split())
    logger.error("serve: database error on %s: %s", request.url.path, reason)
    return render("error.html", status=503, status_code=503,
                  message=f"the archive database is not available: {reason}")


# --- the application ---


def read_only(engine: sa.Engine) -> sa.Engine:
    """Make every new connection of ``engine`` read-only, and drop the pooled ones."""

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("PRAGMA query_only = ON")
        else:
            cursor.execute("SET default_transaction_read_only = on")
        cursor.close()
        if engine.dialect.name != "sqlite":
            dbapi_connection.commit()

    engine.dispose()
    return engine


def create_app(engine: sa.Engine, *, replay_base: str = DEFAULT_REPLAY) -> Starlette:
    """The reading room over ``engine`` (made read-only here). ``replay_base``: pywb's
    collection address, e.g. http://localhost:8080/archive/ (see `archive replay`)."""
    app = Starlette(
        routes=[
            Route("/", search_page),
            Route("/article/{ref}", article_page),
            Route("/stories", stories_page),
            Route("/story/{story_id:int}", story_page),
            Route("/topic", topic_view),
            Mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static"),
        ],
        exception_handlers={
            HTTPException: http_error,
            ArchiveError: archive_error,
            sa.exc.DBAPIError: database_error,
        },
    )
    app.state.engine = read_only(engine)
    app.state.replay_base = replay_base if replay_base.endswith("/") else replay_base + "/"
    return app
