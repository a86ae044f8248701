"""Sweep findings that only show under a real server: raw bytes on a loopback socket."""

import contextlib
import socket
import subprocess

import pytest

from tests.conftest import ROOT
from tests.conftest import LiveServer
from tests.conftest import create_test_site
from tests.conftest import free_port
from tests.test_servers import BIN
from tests.test_servers import wait_until_serving

pytestmark = pytest.mark.server

FORM_HEADERS = b"Host: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n"
OVER_THE_LIMIT = b"text=" + b"x" * (1024 * 1024 + 1)
NEXT_REQUEST = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"


@contextlib.contextmanager
def gunicorn(environment, **variables):
    """gunicorn with the project's gunicorn.conf.py (one gthread worker) on a free port."""
    port = free_port()
    environment = {**environment, "GUNICORN_WORKERS": "1", **variables}
    command = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        assert wait_until_serving(process, f"http://127.0.0.1:{port}/healthz")[0] == 200
        yield port
    finally:
        process.terminate()
        process.wait(timeout=15)


def exchange(port, raw):
    """Send ``raw``, then read until the server closes or goes quiet; the bytes read."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        with contextlib.suppress(OSError):
            connection.sendall(raw)
        return read_until_quiet(connection)


def read_until_quiet(connection, seconds=2.0):
    """Everything the server sends, up to its close or ``seconds`` of silence."""
    connection.settimeout(seconds)
    received = b""
    with contextlib.suppress(TimeoutError, ConnectionResetError):
        while chunk := connection.recv(65536):
            received += chunk
        received += b"<closed>"
    return received


def status_line(answer):
    return answer.split(b"\r\n", 1)[0].decode()


def chunked(body):
    """``body`` as one chunk and the last chunk."""
    return b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"


def post(path, headers, body):
    return b"POST " + path + b" HTTP/1.1\r\n" + FORM_HEADERS + headers + b"\r\n" + body


@pytest.fixture
def gunicorn_port(server_environment):
    with gunicorn(server_environment) as port:
        yield port


@pytest.mark.parametrize(
    "body",
    [b"zz\r\nabc\r\n0\r\n\r\n", b"3\r\nabcXX0\r\n\r\n", b"3;\x01\r\nabc\r\n0\r\n\r\n"],
    ids=["bad size", "missing terminator", "bad extension"],
)
def test_a_malformed_chunked_body_is_a_400_under_gunicorn(gunicorn_port, body):
    raw = post(b"/auth/login", b"Transfer-Encoding: chunked\r\n", body)
    answer = exchange(gunicorn_port, raw)
    assert status_line(answer) == "HTTP/1.1 400 BAD REQUEST"


def test_a_chunked_body_over_the_limit_is_a_413_that_closes(gunicorn_port):
    raw = post(b"/auth/login", b"Transfer-Encoding: chunked\r\n", chunked(OVER_THE_LIMIT))
    answer = exchange(gunicorn_port, raw)
    assert status_line(answer) == "HTTP/1.1 413 REQUEST ENTITY TOO LARGE"
    assert b"\r\nConnection: close\r\n" in answer
    assert answer.endswith(b"<closed>")


def test_a_413_says_connection_close_under_gunicorn(gunicorn_port):
    length = b"Content-Length: %d\r\n" % len(OVER_THE_LIMIT)
    answer = exchange(gunicorn_port, post(b"/auth/login", length, OVER_THE_LIMIT))
    assert status_line(answer) == "HTTP/1.1 413 REQUEST ENTITY TOO LARGE"
    assert b"\r\nConnection: close\r\n" in answer
    assert answer.endswith(b"<closed>")


def test_a_small_post_keeps_the_connection_alive_under_gunicorn(gunicorn_port):
    raw = post(b"/auth/login", b"Content-Length: 4\r\n", b"a=bc") + NEXT_REQUEST
    answer = exchange(gunicorn_port, raw)
    assert b"\r\nConnection: keep-alive\r\n" in answer
    assert answer.count(b"HTTP/1.1 ") == 2


def test_a_413_says_connection_close_under_werkzeug(databases):
    length = b"Content-Length: %d\r\n" % len(OVER_THE_LIMIT)
    with LiveServer(create_test_site(databases)) as server:
        answer = exchange(server.server.server_port, post(b"/auth/login", length, OVER_THE_LIMIT))
    assert b" 413 " in answer.split(b"\r\n", 1)[0]
    assert b"\r\nConnection: close\r\n" in answer


@pytest.mark.parametrize(("proxy_fix", "hsts"), [("0", False), ("1", True)])
def test_gunicorn_trusts_forwarded_proto_only_through_proxy_fix(
    server_environment, proxy_fix, hsts
):
    with gunicorn(server_environment, FLASK_PROXY_FIX_X_PROTO=proxy_fix) as port:
        raw = b"GET /auth/login HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-Proto: https\r\n\r\n"
        answer = exchange(port, raw)
    assert status_line(answer) == "HTTP/1.1 200 OK"
    assert (b"\r\nStrict-Transport-Security: max-age=31536000\r\n" in answer) is hsts
