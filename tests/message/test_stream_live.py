"""The live stream over real HTTP, on Werkzeug's threaded server, while others post."""

import http.client
import json
import threading
import time
from urllib.parse import urlsplit

import pytest

from apps.message import create_app

from .conftest import session_cookie

pytestmark = pytest.mark.server


class StreamReader:
    """An EventSource in a few lines: one HTTP connection, read event by event."""

    def __init__(self, server, headers=None):
        address = urlsplit(server.url)
        self.connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
        self.connection.request("GET", "/stream", headers=headers or {})
        self.response = self.connection.getresponse()

    def next_block(self):
        """The fields of the next block of lines (event, comment or retry hint)."""
        fields = {}
        while (line := self.response.readline().decode()) not in ("\n", ""):
            name, _, value = line.rstrip("\n").partition(": ")
            fields[name] = value
        return fields

    def next_message(self):
        """The id and data of the next message event, skipping heartbeats."""
        while True:
            fields = self.next_block()
            if fields.get("event") == "message":
                return int(fields["id"]), json.loads(fields["data"])

    def close(self):
        self.response.close()
        self.connection.close()


def post_message(server, app, content, user_id=1):
    """Post through the live server as another browser would; returns the status."""
    address = urlsplit(server.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    body = f"content={content}"
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": session_cookie(app, user_id),
    }
    connection.request("POST", "/", body=body, headers=headers)
    status = connection.getresponse().status
    connection.close()
    return status


def test_a_reader_sees_a_message_another_client_posts(app, live_message):
    reader = StreamReader(live_message)
    try:
        assert reader.response.status == 200
        assert reader.next_block() == {"retry": "2000"}
        assert post_message(live_message, app, "hello+live", user_id=4) == 302
        message_id, data = reader.next_message()
    finally:
        reader.close()
    assert message_id == 1
    assert data["id"] == 1
    assert data["content"] == "hello live"
    assert data["author_name"] == "user 4"


def test_a_post_through_another_worker_reaches_the_stream(app, live_message):
    # A second app on the same database: what another process or host would be.
    other_worker = create_app(dict(app.config))
    client = other_worker.test_client()
    with client.session_transaction() as session:
        session["user_id"] = 2
        session["session_version"] = 1
    reader = StreamReader(live_message)
    try:
        reader.next_block()
        assert client.post("/", data={"content": "from elsewhere"}).status_code == 302
        _, data = reader.next_message()
    finally:
        reader.close()
        with other_worker.app_context():
            other_worker.extensions["sqlalchemy"].engine.dispose()
    assert data["content"] == "from elsewhere"


def test_reconnecting_with_last_event_id_loses_nothing(app, live_message):
    reader = StreamReader(live_message)
    assert post_message(live_message, app, "first") == 302
    seen, _ = reader.next_message()
    reader.close()
    for content in ("while+away+1", "while+away+2"):
        assert post_message(live_message, app, content) == 302
    reader = StreamReader(live_message, headers={"Last-Event-ID": str(seen)})
    try:
        missed = [reader.next_message()[1]["content"] for _ in range(2)]
    finally:
        reader.close()
    assert missed == ["while away 1", "while away 2"]


def test_a_client_that_disconnects_frees_its_thread(live_message):
    before = set(threading.enumerate())
    reader = StreamReader(live_message)
    reader.next_block()
    reader.next_block()  # a heartbeat: the stream is running
    serving = [thread for thread in threading.enumerate() if thread not in before]
    assert serving, "the server handles the stream in a thread of its own"

    reader.close()

    deadline = time.monotonic() + 5
    while any(thread.is_alive() for thread in serving) and time.monotonic() < deadline:
        time.sleep(0.05)
    # The stream would otherwise run for MESSAGE_STREAM_MAX_SECONDS (30 s here).
    assert not any(thread.is_alive() for thread in serving)
