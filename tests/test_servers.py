"""The site under every documented WSGI server, each started with docs/deploying.md's command.

Each test starts the real server from a fresh instance folder on a free 127.0.0.1 port,
then the same flow: every mount answers; register, add a todo, post a message that an
open stream receives, the 404 page, /healthz; 8 open streams leave the landing page
answering within 1 s; the stop signal ends the server within 10 s, streams still open.
"""

import signal
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.conftest import browser_like_opener
from tests.conftest import free_port
from tests.conftest import register_over_http
from tests.servers import BIN
from tests.servers import check_streams_spare_the_site_and_stop
from tests.servers import fetch
from tests.servers import serving
from tests.servers import use_the_site
from tests.servers import wait_until_serving

__all__ = ["BIN", "wait_until_serving"]  # tests/test_stream_servers.py imports these here

pytestmark = pytest.mark.server

# One page per mount; /todo/ sends an anonymous visitor to the login page, followed here.
PAGES = {"/": "Home", "/auth/login": "Account", "/todo/": "Account", "/message/": "Messages"}


def serve_and_check_everything(command, environment, tmp_path, stop_signal=signal.SIGTERM):
    """Start ``command`` and run the whole flow against it."""
    with serving(command, environment, tmp_path) as server:
        for path, current_app_title in PAGES.items():
            status, page = fetch(server.url + path)
            assert status == 200, path
            assert f'aria-current="page">{current_app_title}</a>' in page, path
        use_the_site(server.url)
        check_streams_spare_the_site_and_stop(server, stop_signal)


@pytest.mark.parametrize("worker_class", ["sync", "gthread", "gevent"])
def test_gunicorn(server_environment, tmp_path, worker_class):
    """``GUNICORN_WORKER_CLASS=... gunicorn -c gunicorn.conf.py``"""
    environment = {
        **server_environment,
        "GUNICORN_BIND": "127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_WORKER_CLASS": worker_class,
    }
    command = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py"]
    serve_and_check_everything(command, environment, tmp_path)


def test_waitress(server_environment, tmp_path):
    """``waitress-serve --listen=127.0.0.1:8000 dispatcher:application``"""
    command = [str(BIN / "waitress-serve"), "--listen=127.0.0.1:{port}", "dispatcher:application"]
    serve_and_check_everything(command, server_environment, tmp_path)


def test_uwsgi(server_environment, tmp_path):
    """``UWSGI_HTTP=127.0.0.1:8000 uwsgi --ini deploy/uwsgi.ini``"""
    environment = {**server_environment, "UWSGI_HTTP": "127.0.0.1:{port}"}
    command = [str(BIN / "uwsgi"), "--ini", "deploy/uwsgi.ini"]
    serve_and_check_everything(command, environment, tmp_path)


def test_cheroot(server_environment, tmp_path):
    """``cheroot --bind 127.0.0.1:8000 dispatcher:application``"""
    command = [str(BIN / "cheroot"), "--bind", "127.0.0.1:{port}", "dispatcher:application"]
    serve_and_check_everything(command, server_environment, tmp_path)


def test_granian(server_environment, tmp_path):
    """``granian --interface wsgi --host 127.0.0.1 --port 8000 dispatcher:application``"""
    command = [
        *(str(BIN / "granian"), "--interface", "wsgi"),
        *("--host", "127.0.0.1", "--port", "{port}", "dispatcher:application"),
    ]
    serve_and_check_everything(command, server_environment, tmp_path)


@pytest.mark.parametrize(
    "options",
    [["--server", "gevent"], ["--threaded"], ["--processes", "4"]],
    ids=["gevent", "werkzeug-threaded", "werkzeug-processes"],
)
def test_python_dispatcher_py_run(server_environment, tmp_path, options):
    """``python dispatcher.py run --port 8000 [--server gevent | --processes N]``;
    Ctrl-C (SIGINT) is how this development server is stopped."""
    command = [sys.executable, "dispatcher.py", "run", "--port", "{port}", *options]
    serve_and_check_everything(command, server_environment, tmp_path, signal.SIGINT)


def test_flask_run(server_environment, tmp_path):
    """``flask --app dispatcher run --port 8000``"""
    command = [str(BIN / "flask"), "--app", "dispatcher", "run", "--port", "{port}"]
    serve_and_check_everything(command, server_environment, tmp_path, signal.SIGINT)


def test_the_quick_start_command_makes_the_tables_and_serves_a_working_site():
    """``python dispatcher.py`` on an empty instance folder: no init-db beforehand."""
    port = free_port()
    command = [sys.executable, "dispatcher.py", "run", "--port", str(port)]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(process, base + "/healthz")
        opener = browser_like_opener()
        landing = register_over_http(opener, base, "newcomer")
        assert ">newcomer</a>" in landing
        with opener.open(base + "/todo/", timeout=10) as response:
            assert "Your todos" in response.read().decode()
    finally:
        process.terminate()
        process.wait(timeout=30)
