"""The message board's live stream under real gunicorn workers, each a subprocess."""

import contextlib
import html
import http.client
import json
import re
import subprocess
import threading
import time
import urllib.request

import pytest

from apps.message import create_app
from apps.message.models import db
from apps.message.models import post_message
from tests.conftest import ROOT
from tests.conftest import free_port
from tests.servers import EventStream as ReconnectingStream
from tests.servers import fetch
from tests.servers import serving
from tests.test_servers import BIN
from tests.test_servers import documented
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


# The gunicorn process serving each port, for tests that signal it themselves.
RUNNING: dict[int, subprocess.Popen] = {}


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
        RUNNING[port] = process
        try:
            assert wait_until_serving(process, f"http://127.0.0.1:{port}/healthz")[0] == 200
            yield port
        finally:
            RUNNING.pop(port)
            if process.poll() is None:
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


def held_streams_on_every_worker(port, workers, seconds=10):
    """One held stream per worker: with a budget of one stream each, the first ``workers``
    streams held must be on different processes (the others are answered at once)."""
    held = []
    deadline = time.monotonic() + seconds
    try:
        while len(held) < workers:
            assert time.monotonic() < deadline, "could not hold a stream on every worker"
            state, stream = held_or_answered(port)
            if state == "held":
                held.append(stream)
    except BaseException:
        for stream in held:
            stream.close()
        raise
    return held


@pytest.mark.parametrize("worker_class", ["gthread", "gevent"])
def test_a_post_reaches_the_streams_held_on_both_workers(
    server_environment,
    tmp_path,
    worker_class,
):
    """Each worker's broker hears of the post: on SQLite by its poll, on PostgreSQL by NOTIFY."""
    environment = {**server_environment, "FLASK_MESSAGE_STREAM_MAX_OPEN": "1"}
    database_url = server_environment["MESSAGE_DATABASE_URL"]
    with gunicorn(environment, tmp_path, workers=2, worker_class=worker_class) as port:
        streams = held_streams_on_every_worker(port, workers=2)
        try:
            first_id = post_from_another_process(database_url, "first through gunicorn")
            firsts = [stream.next_message() for stream in streams]
            # The streams stay open: a later post arrives on both too.
            second_id = post_from_another_process(database_url, "second, streams still open", 8)
            seconds = [stream.next_message() for stream in streams]
        finally:
            for stream in streams:
                stream.close()
    for (first_event, first), (second_event, second) in zip(firsts, seconds, strict=True):
        assert first["id"] == first_id
        assert first["content"] == "first through gunicorn"
        assert first["author_name"] == "user 7"
        assert second["id"] == second_id > first_id
        assert second_event > first_event
        assert second["content"] == "second, streams still open"


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


def held_or_answered(port):
    """Open a stream: ``"held"`` when the server keeps it open, ``"answered"`` when it is
    over the budget (the retry hint of a busy server, then the end)."""
    stream = EventStream(port)
    try:
        retry = stream.next_block()
        if retry == {"retry": "2000"}:
            return "held", stream
        assert retry == {"retry": "3000"}
        with pytest.raises(AssertionError, match="the stream ended"):
            stream.next_block()
    finally:
        if retry != {"retry": "2000"}:
            stream.close()
    return "answered", None


def test_streams_over_the_budget_leave_threads_for_pages(server_environment, tmp_path):
    settings = {"workers": 1, "worker_class": "gthread", "threads": 2}
    with gunicorn(server_environment, tmp_path, **settings) as port:
        # The budget is half the threads: one stream is held, the next answered at once.
        state, held = held_or_answered(port)
        assert state == "held"
        assert held_or_answered(port) == ("answered", None)
        assert healthz_seconds(port) < 2
        held.close()
        # A closed page frees its slot at the stream's next heartbeat: a new one is held.
        deadline = time.monotonic() + 5
        while (found := held_or_answered(port))[0] != "held":
            assert time.monotonic() < deadline, "the closed stream kept its slot"
            time.sleep(0.2)
        found[1].close()


def test_sigterm_ends_open_streams_and_gunicorn_exits_at_once(server_environment, tmp_path):
    settings = {"workers": 1, "worker_class": "gevent"}
    with (
        gunicorn(server_environment, tmp_path, **settings) as port,
        open_streams(port, 3) as streams,
    ):
        process = RUNNING[port]
        started = time.monotonic()
        process.terminate()
        # Each open page sees its stream end (and a browser would reconnect elsewhere).
        for stream in streams:
            with pytest.raises(AssertionError, match="the stream ended"):
                while True:
                    stream.next_block()
            stream.close()
        process.wait(timeout=5)
        assert time.monotonic() - started < 5


def stream_path_of_the_board(url):
    """The stream URL the board page gives its EventSource (it carries ``last_id``)."""
    status, page = fetch(url + "/message/")
    assert status == 200
    return html.unescape(re.search(r'data-stream-url="([^"]+)"', page).group(1))


def landing_seconds(url):
    """GET / once; assert it answers 200 and return how long it took."""
    started = time.monotonic()
    assert fetch(url + "/", timeout=5)[0] == 200
    return time.monotonic() - started


@pytest.mark.parametrize(
    ("name", "settings"),
    [
        ("waitress", {}),  # waitress serves with 4 threads unless told otherwise
        ("gunicorn-gthread", {"GUNICORN_WORKERS": "2", "GUNICORN_THREADS": "4"}),
    ],
)
def test_twenty_reconnecting_pages_spare_the_site_and_all_get_a_post(
    server_environment, tmp_path, name, settings
):
    """Streams past the budget are answered at once and come back every 3 s: the landing
    page keeps answering, and every page still gets the post."""
    command, environment = documented(name, {**server_environment, **settings})
    received: dict[int, float] = {}
    with serving(command, environment, tmp_path) as server:
        path = stream_path_of_the_board(server.url)

        def follow(number):
            stream = ReconnectingStream(server.url, timeout=15, path=path, reconnect=True)
            try:
                if stream.next_message(seconds=30)["content"] == "to all twenty":
                    received[number] = time.monotonic()
            finally:
                stream.close()

        clients = [threading.Thread(target=follow, args=(n,)) for n in range(20)]
        for client in clients:
            client.start()
        landing = [landing_seconds(server.url) for _ in range(5) if not time.sleep(0.4)]
        posted = time.monotonic()
        post_from_another_process(server_environment["MESSAGE_DATABASE_URL"], "to all twenty")
        landing += [landing_seconds(server.url) for _ in range(5) if not time.sleep(0.4)]
        for client in clients:
            client.join(timeout=30)
    assert max(landing) < 1, landing
    assert len(received) == 20
    assert max(received.values()) - posted < 10
