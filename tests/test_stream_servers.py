"""The message board's live stream under real gunicorn workers, each a subprocess."""

import contextlib
import http.client
import json
import subprocess
import time
import urllib.request

import pytest

from apps.message import create_app
from apps.message.models import db
from apps.message.models import post_message
from tests.conftest import ROOT
from tests.conftest import free_port
from tests.test_servers import BIN
from tests.test_servers import wait_until_serving

pytestmark = pytest.mark.server

# Poll often and send a heartbeat twice a second, so a closed client is noticed quickly.
STREAM_ENVIRONMENT = {
    "FLASK_MESSAGE_STREAM_POLL_SECONDS": "0.1",
    "FLASK_MESSAGE_STREAM_HEARTBEAT_SECONDS": "0.5",
}


class EventStream:
    """One GET /message/stream, read block by block; every read has a deadline."""

    def __init__(self, port):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        self.connection.request("GET", "/message/stream")
        self.response = self.connection.getresponse()

    def next_block(self):
        """The fields of the next block of lines (message, heartbeat or retry hint)."""
        fields = {}
        while (line := self.response.readline().decode()) != "\n":
            if not line:
                raise AssertionError("the stream ended")
            name, _, value = line.rstrip("\n").partition(": ")
            fields[name] = value
        return fields

    def next_message(self, seconds=5):
        """The id and data of the next message event, skipping heartbeats."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            fields = self.next_block()
            if fields.get("event") == "message":
                return int(fields["id"]), json.loads(fields["data"])
        raise AssertionError(f"no message on the stream within {seconds}s")

    def close(self):
        self.response.close()
        self.connection.close()


def open_stream(port):
    """A stream the server has started: its headers and retry hint have arrived."""
    stream = EventStream(port)
    try:
        assert stream.response.status == 200
        assert stream.response.getheader("Content-Type").startswith("text/event-stream")
        assert stream.next_block() == {"retry": "2000"}
    except BaseException:
        stream.close()
        raise
    return stream


@contextlib.contextmanager
def gunicorn(environment, tmp_path, **settings):
    """Run gunicorn on a free port with GUNICORN_* ``settings``; yield the port."""
    port = free_port()
    environment = {**environment, **STREAM_ENVIRONMENT}
    environment.update({f"GUNICORN_{name.upper()}": str(value) for name, value in settings.items()})
    command = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"]
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=log)
        try:
            assert wait_until_serving(process, f"http://127.0.0.1:{port}/healthz")[0] == 200
            yield port
        finally:
            stop(process)


def stop(process, seconds=15):
    """Stop gunicorn; its workers finish first, so open streams must have ended."""
    process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=seconds)
        raise AssertionError(f"gunicorn did not stop within {seconds}s") from None


@contextlib.contextmanager
def open_streams(port, count):
    """``count`` streams open at once, all closed on the way out."""
    streams = []
    try:
        for _ in range(count):
            streams.append(open_stream(port))
        yield streams
    finally:
        for stream in streams:
            stream.close()


def post_from_another_process(database_url, content, author_id=7):
    """Post straight into the server's database, as a worker elsewhere would; return the id."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url})
    try:
        with app.app_context():
            message_id = post_message(author_id, f"user {author_id}", content).id
            db.session.commit()
    finally:
        with app.app_context():
            db.engine.dispose()
    return message_id


def healthz_seconds(port, timeout=5):
    """GET /healthz; assert it answers 200 and return how long it took."""
    started = time.monotonic()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=timeout) as response:
        assert response.status == 200
        response.read()
    return time.monotonic() - started


@pytest.mark.parametrize("worker_class", ["gthread", "gevent"])
def test_posts_from_another_process_reach_an_open_stream(
    server_environment,
    tmp_path,
    worker_class,
):
    database_url = server_environment["MESSAGE_DATABASE_URL"]
    with (
        gunicorn(server_environment, tmp_path, workers=2, worker_class=worker_class) as port,
        open_streams(port, 1) as (stream,),
    ):
        first_id = post_from_another_process(database_url, "first through gunicorn")
        first = stream.next_message()
        # The stream stays open and keeps polling: a later post arrives on it too.
        second_id = post_from_another_process(database_url, "second, stream still open", 8)
        second = stream.next_message()
    assert first[0] == first[1]["id"] == first_id
    assert first[1]["content"] == "first through gunicorn"
    assert first[1]["author_name"] == "user 7"
    assert second[0] == second[1]["id"] == second_id > first_id
    assert second[1]["content"] == "second, stream still open"


def test_open_streams_do_not_block_the_site_under_gevent(
    server_environment,
    tmp_path,
):
    settings = {"workers": 1, "worker_class": "gevent"}
    with (
        gunicorn(server_environment, tmp_path, **settings) as port,
        open_streams(port, 3) as streams,
    ):
        # One process holds all three streams; a plain page is still served at once.
        assert healthz_seconds(port) < 2
        for stream in streams:
            assert stream.next_block() == {"": "heartbeat"}


def test_closed_streams_free_their_gthread_threads(
    server_environment,
    tmp_path,
):
    settings = {"workers": 1, "worker_class": "gthread", "threads": 2}
    with gunicorn(server_environment, tmp_path, **settings) as port:
        # Both threads are busy with the streams: a third request has to wait.
        with open_streams(port, 2), pytest.raises(TimeoutError):
            healthz_seconds(port, timeout=1.5)
        # Each closed stream's next heartbeat write fails, which frees its thread for
        # the next two streams (they could not even start otherwise) ...
        with open_streams(port, 2):
            pass
        # ... and for a plain page once those are closed as well.
        assert healthz_seconds(port) < 5
