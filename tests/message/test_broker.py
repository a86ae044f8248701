"""The per-process broker: it wakes waiting streams, reads once for all, and goes away."""

import http.client
import threading
import time
from urllib.parse import urlsplit

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text

from apps.message import broker as broker_module
from apps.message.broker import change_broker
from apps.message.models import db
from tests.conftest import LiveServer


@pytest.fixture
def broker(app):
    """The app's broker, reading often; on PostgreSQL only NOTIFY wakes it in time."""
    app.config.update(MESSAGE_STREAM_POLL_SECONDS=0.05, MESSAGE_STREAM_SAFETY_POLL_SECONDS=60)
    with app.app_context():
        broker = change_broker(app)
    yield broker
    # Its thread ends once the last stream has: before the test's databases go.
    wait_for(lambda: not broker_threads())


def broker_threads():
    return [thread for thread in threading.enumerate() if thread.name == "message-broker"]


def wait_for(condition, seconds=5):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.02)


def post_later(add_message, content, seconds=0.3):
    """Post from another thread after a moment, as another request would."""
    poster = threading.Timer(seconds, add_message, args=(content,))
    poster.start()
    return poster


def test_a_post_wakes_a_waiting_stream(broker, add_message):
    with broker.open_stream():
        poster = post_later(add_message, "wake up")
        started = time.monotonic()
        events = broker.events_after(0, timeout=10)
        poster.join()
    assert [event.id for event in events] == [1]
    assert '"content":"wake up"' in events[0].text
    assert time.monotonic() - started < 5  # woken by the post, not by the timeout


def test_a_stream_further_behind_than_memory_reads_the_database(broker, add_message, monkeypatch):
    monkeypatch.setattr(broker_module, "RECENT_CHANGES", 3)
    with broker.open_stream():
        # Posted before the listener's first read, changes would count as "before it",
        # never in memory, and the ids below would differ.
        wait_for(lambda: broker.has_read)
        for number in range(5):
            add_message(f"message {number}")
        wait_for(lambda: broker.events_after(4, timeout=0))
        assert [event.id for event in broker.events_after(2, timeout=0)] == [3, 4, 5]
        assert broker.events_after(1, timeout=0) is None


def test_the_listener_ends_with_the_last_stream_and_comes_back(broker, add_message):
    with broker.open_stream():
        assert len(broker_threads()) == 1
    wait_for(lambda: not broker_threads())
    with broker.open_stream():
        poster = post_later(add_message, "after a restart")
        assert [event.id for event in broker.events_after(0, timeout=10)] == [1]
        poster.join()
    wait_for(lambda: not broker_threads())


def stream_reads():
    return (
        REGISTRY.get_sample_value("dispatcher_stream_database_reads_total", {"app": "message"}) or 0
    )


def open_stream(server):
    """A held stream over real HTTP (the retry hint has arrived); closing it hangs up."""
    address = urlsplit(server.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    connection.request("GET", "/stream")
    # The response owns the socket now: keeping it keeps the stream open.
    response = connection.getresponse()
    assert response.readline() == b"retry: 2000\n"
    return response


def reads_per_second(seconds=1.0):
    before = stream_reads()
    time.sleep(seconds)
    return (stream_reads() - before) / seconds


def test_database_reads_do_not_grow_with_the_number_of_open_streams(app):
    app.config.update(
        MESSAGE_STREAM_POLL_SECONDS=0.1,
        MESSAGE_STREAM_MAX_SECONDS=30,
        MESSAGE_STREAM_HEARTBEAT_SECONDS=0.5,
        MESSAGE_STREAM_MAX_OPEN=30,
    )
    with LiveServer(app) as server:
        streams = [open_stream(server)]
        time.sleep(0.3)
        with_one = reads_per_second()
        streams += [open_stream(server) for _ in range(19)]
        time.sleep(0.3)
        with_twenty = reads_per_second()
        for stream in streams:
            stream.close()
    with app.app_context():
        polling = db.engine.dialect.name == "sqlite"
    if polling:  # one read per poll (ten a second) for the whole process
        assert 3 <= with_one <= 15
    else:  # PostgreSQL: only a NOTIFY, or the safety poll every 10 s, makes it read
        assert with_one <= 1
    # A poll per stream would make twenty times as many.
    assert with_twenty <= with_one * 1.5 + 2


@pytest.mark.postgresql
def test_a_lost_listen_connection_is_made_again_and_nothing_is_missed(app, broker, add_message):
    with broker.open_stream():
        wait_for(lambda: broker.listener_pid is not None)
        lost = broker.listener_pid
        with app.app_context():
            db.session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": lost})
            db.session.commit()
        add_message("while the listener was away")
        wait_for(lambda: broker.listener_pid not in (None, lost))  # listening again
        add_message("after it came back")
        wait_for(lambda: len(broker.events_after(0, timeout=0) or []) == 2, seconds=10)
