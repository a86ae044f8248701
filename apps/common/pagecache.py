"""Rendered pages kept per process, keyed on everything they show.

The pages people read most (the landing page, the todo list, the board) render the
same HTML again and again: between two changes only the CSRF token differs from one
request to the next. Rendering (the chrome, the forms, twenty rows through Jinja and
WTForms) cost three times what reading the rows did. ``cached_page`` leaves the
reading to the view on every request, so a page is never stale; it renders only when
something the page shows is new: its rows or numbers, the reader, the language, the
URL (with its query) or the path the site is served under.

The one hole is the CSRF token: the page is rendered with ``TOKEN_SLOT`` wherever a
token goes, and each request fills in its own. Text on a page is escaped, so a row
can never write ``<`` and with it the slot; only the template's token fields hold it.
A page is kept as the UTF-8 it is sent as: encoding a page of twenty todos again for
every request took 16 us.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from collections.abc import Hashable
from collections.abc import Iterable
from typing import Any

from flask import current_app
from flask import g
from flask import request
from flask import session
from markupsafe import Markup

from .csrf import csrf_token
from .i18n import current_locale

TOKEN_SLOT = Markup("<csrf-token>")
KEPT_TOKEN_SLOT = TOKEN_SLOT.encode()
# The pages one app keeps per process, in bytes: a page of twenty todos is 28 KB.
MAX_CACHED_BYTES = 8_000_000
# A longer page (a list of hundreds of rows) is rendered each time, never kept.
MAX_KEPT_PAGE_BYTES = MAX_CACHED_BYTES // 16
# Where Flask keeps flashed messages until a page shows them.
FLASHES_KEY = "_flashes"


class PageCache:
    """The most recently shown pages of one app, ``budget`` bytes of them at most; safe
    across threads."""

    def __init__(self, budget: int = MAX_CACHED_BYTES) -> None:
        self.budget = budget
        self.used = 0
        self.pages: OrderedDict[Hashable, bytes] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        """The page kept under ``key``, now the most recently used; or None."""
        with self.lock:
            page = self.pages.get(key)
            if page is not None:
                self.pages.move_to_end(key)
            return page

    def put(self, key: Hashable, page: bytes) -> None:
        """Keep ``page``; past the budget, the least recently used pages go."""
        with self.lock:
            replaced = self.pages.pop(key, None)
            self.used += len(page) - (len(replaced) if replaced is not None else 0)
            self.pages[key] = page
            while self.used > self.budget:
                _, dropped = self.pages.popitem(last=False)
                self.used -= len(dropped)


def page_cache() -> PageCache:
    """The current app's cache, made on first use."""
    cache = current_app.extensions.get("page_cache")
    if cache is None:
        cache = current_app.extensions["page_cache"] = PageCache()
    return cache


def cached_page(render: Callable[[], str], *shown: Hashable) -> str | bytes:
    """``render()``'s page, rendered again only when this request would see another one.

    A GET's page comes back as UTF-8 bytes, the form pages are kept in; any other (not
    a GET, or a flash waiting) as the text ``render`` made. Flask sends both alike.

    ``shown`` is what the page shows beyond who reads it, in which language and at
    which URL: its rows and counts, the day that decides its badges. ``render`` must
    build the page's forms itself, so that their tokens are rendered as the slot.
    """
    if request.method != "GET" or FLASHES_KEY in session:
        # A flash is shown once: the next request's page will not have it. A HEAD
        # request's links back to the page (``current_page``) leave out the query.
        return render()
    # The query as it came: it need not be UTF-8.
    where = (request.script_root, request.path, request.query_string)
    key = (where, current_locale(), g.user, shown)
    cache = page_cache()
    page = cache.get(key)
    if page is None:
        page = render_with_token_slots(render)
        if len(page) <= MAX_KEPT_PAGE_BYTES:
            cache.put(key, page)
    if KEPT_TOKEN_SLOT not in page:
        # No form with a token (the landing page of a visitor who is not logged in):
        # asking for a token would give the visitor a session for nothing.
        return page
    return page.replace(KEPT_TOKEN_SLOT, csrf_token().encode())


def render_with_token_slots(render: Callable[[], str]) -> bytes:
    """``render()``'s page as UTF-8, with ``TOKEN_SLOT`` wherever a CSRF token goes."""
    token = g.pop("csrf_token", None)
    g.csrf_token = TOKEN_SLOT
    try:
        return render().encode()
    finally:
        g.pop("csrf_token", None)
        if token is not None:
            g.csrf_token = token


def rows_key(rows: Iterable[Any]) -> tuple[tuple[Any, ...], ...]:
    """Rows as plain tuples, for ``shown``: two SQLAlchemy Rows compare in Python, and
    finding a page of twenty rows took longer than copying them."""
    return tuple(map(tuple, rows))
