"""`archive serve`: a read-only reading room over the archive, and `archive report`.

Server-rendered HTML: Starlette (routing, static files, test client) with
Jinja2 templates (autoescaping on for every template), run by uvicorn. Chosen
over Datasette because the pages are joins across our own query layer (search,
stories, coverage) on both SQLite and PostgreSQL, which Datasette serves only
through plugins, and over Flask because Starlette's sync endpoints run in a
thread pool and its TestClient needs no server. Every asset is local: one CSS
file and server-drawn SVG charts, no JavaScript and no CDN.

Safety: archived text is data. Jinja2 escapes every value; search highlights
use private-use marker characters that are replaced by ``<mark>`` only after
escaping; links to archived URLs are emitted only for http(s) URLs; archived
pages are never served by this application (the replay link goes to pywb).
The database connection is set read-only (SQLite ``query_only``, PostgreSQL
``default_transaction_read_only``).
"""

from archive.serve.app import create_app
from archive.serve.topic import TopicPage, render_report, topic_page

__all__ = ["TopicPage", "create_app", "render_report", "topic_page"]
