"""Live updates as Server-Sent Events, read from the database so every worker sees every post.

Each client polls the database on its own: nothing is kept in process memory, so a
message posted through another worker process or another host reaches every stream.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

from flask import current_app
from flask import request

from apps.common.db import MAX_ROW_ID

from .models import Message
from .models import db
from .models import messages_after
from .models import newest_message_id

STREAM_DEFAULTS = {
    "MESSAGE_STREAM_POLL_SECONDS": 1,
    "MESSAGE_STREAM_HEARTBEAT_SECONDS": 15,
    # Then the stream ends and EventSource reconnects with Last-Event-ID: a sync
    # worker is not held forever, and nothing is lost in between.
    "MESSAGE_STREAM_MAX_SECONDS": 300,
    # Streams held open per process; None: worked out from the server (see budget.py).
    "MESSAGE_STREAM_MAX_OPEN": None,
}
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
RETRY_MILLISECONDS = 2000
# A stream over the budget, or met while the server stops, comes back after this long.
BUSY_RETRY_MILLISECONDS = 3000
BATCH_SIZE = 100


def resume_point() -> int:
    """The last id the client has: ``Last-Event-ID``, else ``?last_id=``, else the newest now."""
    for raw in (request.headers.get("Last-Event-ID"), request.args.get("last_id")):
        if raw is None:
            continue
        try:
            return min(max(int(raw), 0), MAX_ROW_ID)
        except ValueError:
            continue
    return newest_message_id()


def format_event(message: Message) -> str:
    """One SSE event; ``json.dumps`` escapes line breaks, so ``data`` stays one line."""
    data = json.dumps(message.as_event_data(), separators=(",", ":"))
    return f"id: {message.id}\nevent: message\ndata: {data}\n\n"


def poll_new_events(last_id: int) -> tuple[list[str], int]:
    """Events for the messages after ``last_id``, and the id of the last one sent."""
    try:
        messages = messages_after(last_id, BATCH_SIZE)
        events = [format_event(message) for message in messages]
        return events, messages[-1].id if messages else last_id
    finally:
        # End the read transaction: an open one would keep SQLite's WAL snapshot (no
        # new rows visible) and hold a pooled connection while the stream sleeps.
        db.session.remove()


# Set when the server is told to stop (gunicorn.conf.py's post_worker_init hook): every
# stream ends at its next poll, so the worker can exit instead of waiting for them.
STOPPING = threading.Event()


def end_streams() -> None:
    """End every open stream of this process within one poll; safe in a signal handler.

    It only sets a flag that nobody waits on, so it cannot block on a lock the
    interrupted thread holds.
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


def missed_events(last_id: int) -> str:
    """The answer to a stream request that will not be held open: what the client missed,
    and when to come back. EventSource reconnects by itself, with ``Last-Event-ID``."""
    events, _ = poll_new_events(last_id)
    return f"retry: {BUSY_RETRY_MILLISECONDS}\n\n" + "".join(events)


def message_events(last_id: int) -> Iterator[str]:
    """The stream: a retry hint, then new messages and heartbeats until the time is up.

    Nothing here blocks except the database and ``time.sleep``, which gevent patches.
    A client that goes away makes the server's next write fail; the server then
    closes this generator (GeneratorExit at ``yield``), freeing its thread or greenlet.
    """
    config = current_app.config
    poll = float(config["MESSAGE_STREAM_POLL_SECONDS"])
    heartbeat = float(config["MESSAGE_STREAM_HEARTBEAT_SECONDS"])
    max_seconds = float(config["MESSAGE_STREAM_MAX_SECONDS"])
    yield f"retry: {RETRY_MILLISECONDS}\n\n"
    started = last_write = time.monotonic()
    while True:
        events, last_id = poll_new_events(last_id)
        now = time.monotonic()
        if events:
            yield "".join(events)
            last_write = now
        elif now - last_write >= heartbeat:
            # A comment line: EventSource ignores it, proxies see a live connection.
            yield ": heartbeat\n\n"
            last_write = now
        if now - started >= max_seconds or STOPPING.is_set():
            return
        if len(events) < BATCH_SIZE:
            time.sleep(poll)
