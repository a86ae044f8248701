"""The site under real WSGI servers, each started on a free 127.0.0.1 port."""

import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.conftest import browser_like_opener
from tests.conftest import free_port
from tests.conftest import register_over_http

pytestmark = pytest.mark.server

BIN = Path(sys.executable).parent
# One page per mount; /todo/ sends an anonymous visitor to the login page, followed here.
PAGES = {"/": "Home", "/auth/login": "Account", "/todo/": "Account", "/message/": "Messages"}


def fetch(url):
    """GET a page (following redirects) and return its status and text."""
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode()


def wait_until_serving(process, url, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}")
        try:
            return fetch(url)
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise AssertionError(f"no answer from {url} within {seconds}s")


def serve_and_visit_every_mount(command, environment):
    port = free_port()
    command = [part.replace("{port}", str(port)) for part in command]
    process = subprocess.Popen(
        command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_until_serving(process, base + "/healthz")[0] == 200
        for path, current_app_title in PAGES.items():
            status, page = fetch(base + path)
            assert status == 200, path
            assert f'aria-current="page">{current_app_title}</a>' in page, path
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stderr.close()


@pytest.mark.parametrize("worker_class", ["sync", "gthread", "gevent"])
def test_gunicorn_serves_every_mount(server_environment, worker_class):
    environment = {
        **server_environment,
        "GUNICORN_BIND": "127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_WORKER_CLASS": worker_class,
    }
    command = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--bind", "127.0.0.1:{port}"]
    serve_and_visit_every_mount(command, environment)


def test_waitress_serves_every_mount(server_environment):
    command = [str(BIN / "waitress-serve"), "--listen=127.0.0.1:{port}", "dispatcher:application"]
    serve_and_visit_every_mount(command, server_environment)


@pytest.mark.parametrize("server", ["werkzeug", "gevent"])
def test_python_dispatcher_py_serves_every_mount(server_environment, server):
    command = [sys.executable, "dispatcher.py", "run", "--port", "{port}", "--server", server]
    serve_and_visit_every_mount(command, server_environment)


def test_flask_run_serves_every_mount(server_environment):
    command = [str(BIN / "flask"), "--app", "dispatcher", "run", "--port", "{port}"]
    serve_and_visit_every_mount(command, server_environment)


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
