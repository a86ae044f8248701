"""Live updates as Server-Sent Events: every post and delete, in the change log's order.

A stream reads what it missed from the database once, then waits on its process's
broker (broker.py), which learns of new changes for every stream at once. Every event's
id is a change id, so ``Last-Event-ID`` resumes on any worker or host without loss.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from flask import current_app
from flask import request

from apps.common.db import MAX_ROW_ID
from apps.common.metrics import STREAM_READS

from .broker import change_broker
from .changes import BATCH_SIZE
from .changes import Event
from .changes import changes_after
from .changes import newest_change_id
from .models import db
from .shutdown import STOPPING

STREAM_DEFAULTS = {
    # How often the broker reads SQLite, and at most how long a stop takes to be seen.
    "MESSAGE_STREAM_POLL_SECONDS": 1,
    # On PostgreSQL, NOTIFY wakes the broker; it reads anyway this often.
    "MESSAGE_STREAM_SAFETY_POLL_SECONDS": 10,
    # A comment line this often: a closed tab's slot is freed at the next one.
    "MESSAGE_STREAM_HEARTBEAT_SECONDS": 5,
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


def resume_point() -> int:
    """The last change the client has: ``Last-Event-ID``, else ``?last_id=``, else the newest."""
    for raw in (request.headers.get("Last-Event-ID"), request.args.get("last_id")):
        if raw is None:
            continue
        try:
            return min(max(int(raw), 0), MAX_ROW_ID)
        except ValueError:
            continue
    try:
        return newest_change_id()
    finally:
        db.session.remove()


def read_changes(last_id: int) -> list[Event]:
    """What a client missed since ``last_id``, read from the database by this request."""
    STREAM_READS.labels(current_app.config["APP_NAME"]).inc()
    try:
        return changes_after(last_id)
    finally:
        # End the read transaction: an open one would keep SQLite's WAL snapshot (no
        # new rows visible) and hold a pooled connection while the stream waits.
        db.session.remove()


def missed_events(last_id: int) -> str:
    """The answer to a stream request that will not be held open: what the client missed,
    and when to come back. EventSource reconnects by itself, with ``Last-Event-ID``."""
    events = read_changes(last_id)
    return f"retry: {BUSY_RETRY_MILLISECONDS}\n\n" + "".join(event.text for event in events)


def message_events(last_id: int) -> Iterator[str]:
    """The stream: a retry hint, what was missed, then changes and heartbeats until time is up.

    Nothing here blocks but the database and the broker's condition, which gevent
    patches. A client that goes away makes the server's next write fail; the server
    then closes this generator (GeneratorExit at ``yield``), freeing its thread.
    """
    config = current_app.config
    heartbeat = float(config["MESSAGE_STREAM_HEARTBEAT_SECONDS"])
    max_seconds = float(config["MESSAGE_STREAM_MAX_SECONDS"])
    broker = change_broker(current_app._get_current_object())
    yield f"retry: {RETRY_MILLISECONDS}\n\n"
    with broker.open_stream():
        started = last_write = time.monotonic()
        events: list[Event] | None = None
        while True:
            if events is None:  # first, and whenever the broker no longer has them all
                events = read_changes(last_id)
            if events:
                last_id = events[-1].id
                text = "".join(event.text for event in events)
                if text:
                    yield text
                    last_write = time.monotonic()
            if len(events) == BATCH_SIZE and not STOPPING.is_set():
                events = None  # more to catch up on, before the time is up
                continue
            now = time.monotonic()
            if now - started >= max_seconds or STOPPING.is_set():
                return
            if now - last_write >= heartbeat:
                # A comment line: EventSource ignores it, proxies see a live connection.
                yield ": heartbeat\n\n"
                last_write = now
            wait = min(last_write + heartbeat, started + max_seconds) - now
            events = broker.events_after(last_id, timeout=max(wait, 0))
