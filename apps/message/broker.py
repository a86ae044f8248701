"""One listener per worker process: it learns of new changes and wakes every open stream.

Streams wait on the broker instead of each reading the database. On SQLite (one host)
the broker reads the change log once per interval for the whole process, however many
streams are open. On PostgreSQL (several hosts) every change sends ``NOTIFY`` in its own
transaction and one ``LISTEN`` connection wakes the broker at once, with a slow poll as a
safety net; a lost connection is made again, and nothing is missed because the broker
reads by change id, not from the notifications.

The broker keeps the newest changes in memory, so a post reaches a thousand streams with
one read. It starts with the first stream of its process (after any fork: it is keyed by
process id) and its thread ends when the last stream has gone.
"""

from __future__ import annotations

import bisect
import contextlib
import logging
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

from flask import Flask

from apps.common.db import reading_only
from apps.common.metrics import STREAM_READS

from .changes import BATCH_SIZE
from .changes import Event
from .changes import changes_after
from .changes import newest_change_id
from .models import CHANGES_CHANNEL
from .models import db
from .shutdown import STOPPING

logger = logging.getLogger(__name__)
# Changes kept in memory: a stream further behind reads the database itself.
RECENT_CHANGES = 1000


class ChangeBroker:
    """The newest changes of one app's change log, and the streams waiting for more."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.poll_seconds = float(app.config["MESSAGE_STREAM_POLL_SECONDS"])
        self.safety_poll_seconds = float(app.config["MESSAGE_STREAM_SAFETY_POLL_SECONDS"])
        self.app_name = app.config["APP_NAME"]
        # PostgreSQL: where the LISTEN connection goes (made in an app context, by the view).
        engine = db.engine
        self.conninfo = None
        if engine.dialect.name == "postgresql":
            url = engine.url.set(drivername="postgresql")
            self.conninfo = url.render_as_string(hide_password=False)
        self._condition = threading.Condition()
        self._events: list[Event] = []
        self._ids: list[int] = []
        # Every change after this id is in _events; None until the first read.
        self._complete_after: int | None = None
        self._streams = 0
        self._thread: threading.Thread | None = None
        # PostgreSQL's process id of the LISTEN connection, while there is one.
        self.listener_pid: int | None = None

    @contextlib.contextmanager
    def open_stream(self) -> Iterator[None]:
        """Count a stream as open while it runs, starting the listener if it is the first."""
        with self._condition:
            self._streams += 1
            if self._thread is None:
                self._complete_after = None
                self._events, self._ids = [], []
                self._thread = threading.Thread(target=self._run, name="message-broker")
                self._thread.daemon = True
                self._thread.start()
        try:
            yield
        finally:
            with self._condition:
                self._streams -= 1

    @property
    def has_read(self) -> bool:
        """Whether the listener has read the change log since it started."""
        return self._complete_after is not None

    def events_after(self, last_id: int, timeout: float) -> list[Event] | None:
        """The changes after ``last_id``, waiting up to ``timeout`` seconds for one.

        ``None`` when they are no longer all in memory: the caller reads the database.
        """
        deadline = time.monotonic() + timeout
        with self._condition:
            while True:
                if self._complete_after is not None:
                    if last_id < self._complete_after:
                        return None
                    first = bisect.bisect_right(self._ids, last_id)
                    if first < len(self._events):
                        return self._events[first:]
                remaining = deadline - time.monotonic()
                if remaining <= 0 or STOPPING.is_set():
                    return []
                self._condition.wait(remaining)

    def _still_wanted(self) -> bool:
        """Whether a stream is still open; if none is, the thread is done (under the lock)."""
        with self._condition:
            if STOPPING.is_set():
                self._condition.notify_all()
            if self._streams > 0:
                return True
            self._thread = None
            return False

    def _run(self) -> None:
        """The listener thread: runs until the last stream of the process has ended."""
        with reading_only():
            if self.conninfo is None:
                self._poll()
            else:
                self._listen(self.conninfo)

    def _poll(self) -> None:
        """SQLite: one read of the change log per interval for the whole process."""
        while self._still_wanted():
            self._read_changes()
            time.sleep(self.poll_seconds)

    def _listen(self, conninfo: str) -> None:
        """PostgreSQL: wake on ``NOTIFY``, read at least every safety interval, reconnect."""
        import psycopg

        while True:
            try:
                with psycopg.connect(conninfo, autocommit=True) as connection:
                    connection.execute(f"LISTEN {CHANGES_CHANNEL}")
                    self.listener_pid = connection.info.backend_pid
                    self._wait_for_notifications(connection)
                    return  # the last stream has gone
            except psycopg.OperationalError:
                self.listener_pid = None
                logger.warning("lost the LISTEN connection; connecting again", exc_info=True)
                time.sleep(self.poll_seconds)
                if not self._still_wanted():
                    return

    def _wait_for_notifications(self, connection: Any) -> None:
        """Read the changes (those from before LISTEN too), then again after each NOTIFY."""
        self._read_changes()
        last_read = time.monotonic()
        while self._still_wanted():
            # A short wait, so that a stop or the last stream leaving is seen within it.
            notified = list(connection.notifies(timeout=self.poll_seconds, stop_after=1))
            if notified or time.monotonic() - last_read >= self.safety_poll_seconds:
                self._read_changes()
                last_read = time.monotonic()

    def _read_changes(self) -> None:
        """Read the new changes into memory and wake the streams waiting for them."""
        try:
            with self.app.app_context():
                try:
                    if self._complete_after is None:
                        self._remember([], start_after=newest_change_id())
                    else:
                        while self._remember(changes_after(self._newest_id())) == BATCH_SIZE:
                            pass
                finally:
                    db.session.remove()
        except Exception:
            # A database that is down for a while must not end the listener: log it and
            # try again at the next interval; the streams wait meanwhile.
            logger.exception("could not read the message change log")

    def _newest_id(self) -> int:
        """The newest change in memory (only this thread changes it, so no lock)."""
        return self._ids[-1] if self._ids else (self._complete_after or 0)

    def _remember(self, events: list[Event], start_after: int | None = None) -> int:
        """Keep new events, forgetting the oldest past RECENT_CHANGES, and wake the streams."""
        STREAM_READS.labels(self.app_name).inc()
        with self._condition:
            if start_after is not None:
                self._complete_after = start_after
            self._events.extend(events)
            self._ids.extend(event.id for event in events)
            extra = len(self._events) - RECENT_CHANGES
            if extra > 0:
                self._complete_after = self._ids[extra - 1]
                del self._events[:extra]
                del self._ids[:extra]
            if events or start_after is not None:
                # Only then: waking a thousand idle streams every poll costs a core.
                self._condition.notify_all()
        return len(events)


def change_broker(app: Flask) -> ChangeBroker:
    """This process's broker for ``app``, made on first use (never shared across a fork)."""
    key = f"message_change_broker:{os.getpid()}"
    broker = app.extensions.get(key)
    if broker is None:
        broker = app.extensions.setdefault(key, ChangeBroker(app))
    return broker
