"""How many live streams one process holds open at once, so open pages never starve the site.

A WSGI server gives each request a thread, a process or a greenlet until it returns. An
open stream never returns by itself, so a threaded server with four threads and four open
board pages answers nothing else. The budget keeps the rest for pages: a stream request
over it gets what it missed at once and is closed, and the browser comes back a few
seconds later (EventSource reconnects by itself), so the page still updates.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

from flask import Flask

# Threaded servers whose thread count the app cannot see: most run 4 to 10 threads.
UNKNOWN_THREADED_BUDGET = 2
GEVENT_BUDGET = 1000
# Werkzeug's threaded server starts a new thread for every connection.
WERKZEUG_THREADED_BUDGET = 100


class StreamBudget:
    """A counter of the streams open in this process, with a ceiling."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.open = 0
        self._lock = threading.Lock()

    def try_open(self) -> bool:
        """Count one more open stream, unless the budget is spent."""
        with self._lock:
            if self.open >= self.limit:
                return False
            self.open += 1
            return True

    def close(self) -> None:
        """A stream has ended: its slot is free again."""
        with self._lock:
            self.open -= 1


def is_gevent_patched() -> bool:
    """Whether gevent has made sockets cooperative in this process (greenlets, not threads)."""
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and monkey.is_module_patched("socket")


def uwsgi_threads() -> int | None:
    """uWSGI's ``threads`` option, when running under uWSGI."""
    try:
        import uwsgi  # type: ignore[import-not-found]  # only exists inside uWSGI
    except ImportError:
        return None
    return int(uwsgi.opt.get("threads", b"1") or 1)


def default_limit(environ: dict[str, Any]) -> int:
    """The budget this server can afford: half its threads, many greenlets, or none."""
    if is_gevent_patched():
        return GEVENT_BUDGET
    threads = uwsgi_threads()
    if threads is not None:
        return threads // 2
    if not environ.get("wsgi.multithread"):
        # One request per process at a time: a held stream would block the process.
        return 0
    if str(environ.get("SERVER_SOFTWARE", "")).startswith("Werkzeug"):
        return WERKZEUG_THREADED_BUDGET
    return UNKNOWN_THREADED_BUDGET


def stream_budget(app: Flask, environ: dict[str, Any]) -> StreamBudget:
    """This process's budget for ``app``'s streams, made on the first stream request.

    Keyed by process id: a budget counted before a fork (gunicorn ``--preload``) must
    not be shared by the children.
    """
    key = f"message_stream_budget:{os.getpid()}"
    budget = app.extensions.get(key)
    if budget is None:
        limit = app.config.get("MESSAGE_STREAM_MAX_OPEN")
        budget = StreamBudget(default_limit(environ) if limit is None else int(limit))
        budget = app.extensions.setdefault(key, budget)
    return budget
