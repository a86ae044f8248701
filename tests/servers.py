"""Real servers for the tests: start one from its documented command, use the site, stop it.

Every helper has a deadline, and every process started here is stopped in a ``finally``.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.conftest import ROOT
from tests.conftest import browser_like_opener
from tests.conftest import free_port
from tests.conftest import register_over_http

BIN = Path(sys.executable).parent
# The tests speak plain http on loopback, where a Secure cookie would never come back.
PLAIN_HTTP = {"FLASK_SESSION_COOKIE_SECURE": "false"}


def fetch(url: str, timeout: float = 10) -> tuple[int, str]:
    """GET a page (following redirects) and return its status and text."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read().decode()


def wait_until_serving(process: subprocess.Popen, url: str, seconds: float = 30) -> tuple[int, str]:
    """Poll ``url`` until the server answers; fail at once if the server has exited."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}")
        try:
            # The first answer may be slow (the app loads on it; mod_wsgi's daemon
            # processes load it while Apache already accepts): wait for it up to the end.
            return fetch(url, timeout=max(deadline - time.monotonic(), 1))
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise AssertionError(f"no answer from {url} within {seconds}s")


class Server:
    """A server subprocess on a loopback port, its output in a log file."""

    def __init__(self, command: list[str], environment: dict[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [part.replace("{port}", str(self.port)) for part in command]
        environment = {k: v.replace("{port}", str(self.port)) for k, v in environment.items()}
        self.log_path = log_path
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own process group, so that a kill reaches whatever it forked.
                start_new_session=True,
            )

    def log(self) -> str:
        """What the server printed so far, for assertion messages."""
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(
        self,
        stop_signal: int = signal.SIGTERM,
        seconds: float = 10,
        open_streams: Sequence[EventStream] = (),
    ) -> bool:
        """Send ``stop_signal``; True if the server exited within ``seconds`` (else killed).

        ``open_streams`` are read to their end meanwhile and hung up on, as a browser
        does when the server ends its stream (it reconnects to another server).
        """
        if self.process.poll() is not None:
            return True
        if stop_signal == signal.SIGKILL:
            self.kill_group()
            return True
        self.process.send_signal(stop_signal)
        for stream in open_streams:
            with contextlib.suppress(AssertionError, OSError, http.client.HTTPException):
                while True:
                    stream.next_block()
            stream.close()
        try:
            self.process.wait(timeout=seconds)
            return True
        except subprocess.TimeoutExpired:
            self.kill_group()
            return False

    def kill_group(self) -> None:
        """SIGKILL the server and whatever it forked (workers, Apache children), its group."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@contextlib.contextmanager
def serving(
    command: list[str], environment: dict[str, str], tmp_path: Path, plain_http: bool = True
) -> Iterator[Server]:
    """Start ``command`` (``{port}`` filled in), wait for /healthz to answer, stop it after."""
    if plain_http:
        environment = {**environment, **PLAIN_HTTP}
    server = Server(command, environment, tmp_path / "server.log")
    try:
        wait_until_serving(server.process, server.url + "/healthz")
        yield server
    finally:
        server.stop(signal.SIGKILL if server.process.poll() is None else signal.SIGTERM)


class EventStream:
    """One GET of the message stream, read block by block; every read has a deadline.

    With ``reconnect``, it comes back as EventSource does when the server ends the
    stream (over its stream budget, say): after the ``retry`` hint, with
    ``Last-Event-ID``, on the same URL.
    """

    def __init__(
        self,
        url: str,
        timeout: float = 5,
        tls: ssl.SSLContext | None = None,
        path: str | None = None,
        reconnect: bool = False,
    ) -> None:
        self.parts = urllib.parse.urlsplit(url)
        self.path = path or self.parts.path.rstrip("/") + "/message/stream"
        self.timeout, self.tls, self.reconnect = timeout, tls, reconnect
        self.last_event_id: str | None = None
        self.retry_seconds = 0.0
        self.connect()

    def connect(self) -> None:
        """Send the GET (with ``Last-Event-ID`` once an event was seen) and read the headers."""
        host, port = self.parts.hostname, self.parts.port
        if self.parts.scheme == "https":
            self.connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                host, port, timeout=self.timeout, context=self.tls
            )
        else:
            self.connection = http.client.HTTPConnection(host, port, timeout=self.timeout)
        headers = {} if self.last_event_id is None else {"Last-Event-ID": self.last_event_id}
        try:
            self.connection.request("GET", self.path, headers=headers)
            self.response = self.connection.getresponse()
        except BaseException:
            self.connection.close()
            raise

    def next_block(self) -> dict[str, str]:
        """The fields of the next block of lines (an event, a heartbeat or a retry hint)."""
        fields: dict[str, str] = {}
        while (line := self.response.readline().decode()) != "\n":
            if not line:
                if not self.reconnect:
                    raise AssertionError("the stream ended")
                self.close()
                time.sleep(self.retry_seconds)
                self.connect()
                continue
            name, _, value = line.rstrip("\n").partition(": ")
            fields[name] = value
        if "id" in fields:
            self.last_event_id = fields["id"]
        if "retry" in fields:
            self.retry_seconds = int(fields["retry"]) / 1000
        return fields

    def next_message(self, seconds: float = 5) -> dict[str, Any]:
        """The data of the next ``message`` event, skipping heartbeats and hints."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            fields = self.next_block()
            if fields.get("event") == "message":
                return json.loads(fields["data"])
        raise AssertionError(f"no message on the stream within {seconds}s")

    def close(self) -> None:
        """Hang up, as a closed browser tab does."""
        self.response.close()
        self.connection.close()


@contextlib.contextmanager
def open_streams(url: str, count: int) -> Iterator[list[EventStream]]:
    """``count`` stream requests answered (headers in) at once, all closed on the way out."""
    streams: list[EventStream] = []
    try:
        for _ in range(count):
            streams.append(EventStream(url))
            assert streams[-1].response.status == 200
            if streams[-1].response.getheader("Content-Length") is not None:
                # Over the server's stream budget: a whole answer, which a browser reads
                # and hangs up on, to come back after the retry hint.
                streams[-1].response.read()
                streams[-1].close()
        yield streams
    finally:
        for stream in streams:
            stream.close()


def csrf_token(page: str) -> str:
    """The CSRF token of the first form on ``page``."""
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)


def post_form(opener: Any, url: str, form_url: str, fields: dict[str, str]) -> str:
    """Submit a form as a browser does: the token from ``form_url``'s page, redirects followed."""
    with opener.open(form_url, timeout=10) as response:
        fields = {**fields, "csrf_token": csrf_token(response.read().decode())}
    with opener.open(url, data=urllib.parse.urlencode(fields).encode(), timeout=10) as response:
        assert response.status == 200
        return response.read().decode()


def use_the_site(url: str) -> None:
    """Register, add a todo, post a message an open stream receives, a 404 and /healthz."""
    opener = browser_like_opener()
    assert ">server-user</a>" in register_over_http(opener, url, "server-user")
    todo_page = post_form(opener, url + "/todo/add", url + "/todo/", {"title": "Deploy it"})
    assert "Deploy it" in todo_page
    # As the board's script does: the stream URL the page gives, reconnecting when the
    # server ends the stream (a server with no threads to spare answers it at once).
    _, board = fetch(url + "/message/")
    stream_path = re.search(r'data-stream-url="([^"]+)"', board)
    assert stream_path, "the board has no live stream"
    stream = EventStream(url, path=stream_path.group(1), reconnect=True)
    try:
        assert stream.response.status == 200
        board = post_form(opener, url + "/message/", url + "/message/", {"content": "Served!"})
        assert "Served!" in board
        assert stream.next_message(seconds=10)["content"] == "Served!"
    finally:
        stream.close()
    try:
        fetch(url + "/no/such/page")
        raise AssertionError("/no/such/page was found")
    except urllib.error.HTTPError as error:
        assert error.code == 404
        assert "Page not found" in error.read().decode()
        error.close()
    status, body = fetch(url + "/healthz")
    assert status == 200
    assert json.loads(body)["status"] == "ok"


def check_streams_spare_the_site_and_stop(
    server: Server, stop_signal: int = signal.SIGTERM, streams: int = 8
) -> None:
    """With ``streams`` streams open the landing page answers within 1 s; then the
    server stops on ``stop_signal`` within 10 s, open streams and all."""
    with open_streams(server.url, streams) as held:
        status, _ = fetch(server.url + "/", timeout=1)
        assert status == 200
        stopped = server.stop(stop_signal, seconds=10, open_streams=held)
        assert stopped, "no stop within 10 s:\n" + server.log()
