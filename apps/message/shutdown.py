"""Ending every open stream of this process at once when the server is told to stop."""

from __future__ import annotations

import threading

# Set when the server is told to stop (gunicorn.conf.py's post_worker_init hook, or
# mod_wsgi's shutdown event): the broker wakes every stream, and each one ends.
STOPPING = threading.Event()


def end_streams() -> None:
    """End every open stream of this process within a second; safe in a signal handler.

    It only sets a flag that nobody waits on, so it cannot block on a lock the
    interrupted thread holds; the broker's thread sees it and wakes the streams.
    """
    STOPPING.set()


def end_streams_when_mod_wsgi_stops() -> None:
    """Under mod_wsgi, which has no signal of ours to hook: its own shutdown event."""
    try:
        import mod_wsgi  # type: ignore[import-not-found]  # only exists inside mod_wsgi
    except ImportError:
        return
    # The pip package of the same name (mod_wsgi-express) imports outside Apache too.
    subscribe_shutdown = getattr(mod_wsgi, "subscribe_shutdown", None)
    if subscribe_shutdown is not None:
        subscribe_shutdown(lambda *args, **kwargs: end_streams())
