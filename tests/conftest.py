"""Fixtures every test module shares: clean environment, fresh databases, live servers.

Set ``TEST_DATABASE_URL`` (for example
``postgresql+psycopg://postgres@127.0.0.1:5432/test``) to run the same tests on
PostgreSQL: each test then gets its own schema per app instead of SQLite files.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask import has_app_context
from flask import has_request_context
from sqlalchemy import Engine
from sqlalchemy import event
from werkzeug.serving import make_server
from werkzeug.test import Client

from apps.common.schema import create_current_schema
from dispatcher import create_dispatcher

APP_NAMES = ("portal", "auth", "todo", "message")
ENVIRONMENT_PREFIXES = ("FLASK_", "DISPATCHER_", *(f"{name.upper()}_" for name in APP_NAMES))
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
ROOT = Path(__file__).resolve().parents[1]
SECRET_KEY = "test secret key"
PASSWORD = "correct horse battery"
# A multipart body whose one part has no name: every POST route must answer 400.
NAMELESS_PART = b"--B\r\nContent-Disposition: form-data\r\n\r\nx\r\n--B--\r\n"
NAMELESS_PART_TYPE = "multipart/form-data; boundary=B"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without PostgreSQL, leave its own tests out and say so in one line.

    Hosts on separate machines cannot share SQLite files, so the cluster tests need
    ``TEST_DATABASE_URL``, as do the tests of PostgreSQL's own parts (LISTEN/NOTIFY);
    CI's PostgreSQL run sets it and runs them.
    """
    if TEST_DATABASE_URL is not None:
        return
    needs = [item for item in items if item.get_closest_marker("cluster")]
    needs += [item for item in items if item.get_closest_marker("postgresql")]
    if not needs:
        return
    items[:] = [item for item in items if item not in needs]
    config.hook.pytest_deselected(items=needs)
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(
            f"{len(needs)} cluster and PostgreSQL tests deselected:"
            " they need PostgreSQL (TEST_DATABASE_URL)."
        )


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """No FLASK_* or per-app variable leaks in; each test has its own instance folder."""
    for key in list(os.environ):
        if key.startswith(ENVIRONMENT_PREFIXES):
            monkeypatch.delenv(key)
    monkeypatch.setenv("DISPATCHER_INSTANCE_PATH", str(tmp_path / "instance"))


@pytest.fixture(autouse=True)
def leak_detector() -> Iterator[None]:
    """Fail any test that leaves an app or request context pushed."""
    yield
    assert not has_request_context(), "a test left a request context pushed"
    assert not has_app_context(), "a test left an app context pushed"


ENGINES_USED: weakref.WeakSet[Engine] = weakref.WeakSet()


@event.listens_for(Engine, "engine_connect")
def remember_engine(connection: Any) -> None:
    """Note every engine a test connects with, so it can be closed after the test."""
    ENGINES_USED.add(connection.engine)


@pytest.fixture(autouse=True)
def close_connections() -> Iterator[None]:
    """Close every pooled connection a test opened, before its databases are dropped."""
    yield
    for engine in list(ENGINES_USED):
        engine.dispose()
    ENGINES_USED.clear()


class Databases:
    """Hands out an empty database per app name: a SQLite file or a PostgreSQL schema."""

    def __init__(self, folder: Any) -> None:
        self.folder = folder
        self.schemas: list[str] = []

    def url(self, name: str) -> str:
        """A URL for a new, empty database for app ``name``."""
        if TEST_DATABASE_URL is None:
            return f"sqlite:///{self.folder / f'{name}-{uuid.uuid4().hex[:8]}.sqlite'}"
        schema = f"test_{uuid.uuid4().hex[:12]}_{name}"
        self.run_sql(f'CREATE SCHEMA "{schema}"')
        self.schemas.append(schema)
        return f"{TEST_DATABASE_URL}?options=-csearch_path%3D{schema}"

    def drop_all(self) -> None:
        """Drop the schemas this test created."""
        for schema in self.schemas:
            self.run_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    @staticmethod
    def run_sql(statement: str) -> None:
        import psycopg

        url = TEST_DATABASE_URL.replace("postgresql+psycopg://", "postgresql://")  # type: ignore[union-attr]
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(statement)  # type: ignore[arg-type]


@pytest.fixture
def databases(tmp_path: Any) -> Iterator[Databases]:
    """Fresh, empty databases for this test only."""
    handed_out = Databases(tmp_path)
    yield handed_out
    for engine in list(ENGINES_USED):
        engine.dispose()
    handed_out.drop_all()


def app_test_config(databases: Databases, name: str, **overrides: Any) -> dict[str, Any]:
    """The test config for app ``name`` alone, with its own empty database."""
    return {
        "TESTING": True,
        "SECRET_KEY": SECRET_KEY,
        "WTF_CSRF_ENABLED": False,
        "SQLALCHEMY_DATABASE_URI": databases.url(name),
        **overrides,
    }


def site_test_config(databases: Databases, **overrides: Any) -> dict[str, Any]:
    """The test config for the whole dispatcher: shared keys plus one database per app."""
    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": SECRET_KEY,
        "WTF_CSRF_ENABLED": False,
    }
    for name in APP_NAMES:
        config[name] = {"SQLALCHEMY_DATABASE_URI": databases.url(name), **overrides.pop(name, {})}
    config.update(overrides)
    return config


class SignedSessionActions:
    """Log in to an app running alone by writing the signed session, as auth would."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def login(self, user_id: int = 1) -> None:
        with self._client.session_transaction() as session:
            session["user_id"] = user_id
            session["session_version"] = 1

    def logout(self) -> None:
        with self._client.session_transaction() as session:
            session.clear()


def create_tables(app: Flask) -> None:
    """Create ``app``'s tables in its (empty) test database, marked as the newest revision."""
    if app.extensions.get("sqlalchemy") is not None:
        create_current_schema(app)


def dispose_engines(app: Flask) -> None:
    """Close pooled connections so the test's databases can be dropped.

    First let a message broker's thread finish: it ends once its last stream has, but
    may still be reading (or, on PostgreSQL, closing its LISTEN connection).
    """
    for thread in threading.enumerate():
        if thread.name == "message-broker":
            thread.join(timeout=10)
    database = app.extensions.get("sqlalchemy")
    if database is not None:
        with app.app_context():
            for engine in database.engines.values():
                engine.dispose()


def create_test_site(databases: Databases, **overrides: Any) -> Flask:
    """The whole site on fresh databases with every table created."""
    site = create_dispatcher(site_test_config(databases, **overrides))
    for mount in site.extensions["mount_table"].values():
        create_tables(mount.app)
    return site


@pytest.fixture
def site(databases: Databases) -> Flask:
    """The dispatcher (the whole site) on fresh databases."""
    return create_test_site(databases)


@pytest.fixture
def server_environment(databases: Databases) -> dict[str, str]:
    """The environment a deployment would set (a secret key, a database per app),
    with every table created by ``python dispatcher.py init-db``."""
    environment = {**os.environ, "FLASK_SECRET_KEY": "server test key"}
    for name in APP_NAMES:
        environment[f"{name.upper()}_DATABASE_URL"] = databases.url(name)
    subprocess.run(
        [sys.executable, "dispatcher.py", "init-db"], cwd=ROOT, env=environment, check=True
    )
    return environment


def mounted_app(site: Flask, name: str) -> Flask:
    """The app mounted as ``name`` in a site built by ``create_dispatcher``."""
    return site.extensions["mount_table"][name].app


def registered_client(site: Flask, username: str) -> Client:
    """A client logged in as a new account, registered through auth (CSRF off in tests)."""
    client = Client(site)
    form = {"username": username, "password": PASSWORD, "confirm": PASSWORD}
    response = client.post("/auth/register", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def register_in_browser(page: Any, base_url: str, username: str) -> None:
    """Create an account through auth's real form (CSRF on); the browser stays logged in."""
    page.goto(base_url + "/auth/register")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=confirm]", PASSWORD)
    page.press("input[name=confirm]", "Enter")
    page.wait_for_url(lambda url: "/auth/register" not in url)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def files_read_whole(app: Any) -> Any:
    """``app`` with files (the static ones) read whole and closed as soon as they are sent.

    Werkzeug's development server drains the socket after a response and only then
    closes the response; when the browser resets the connection during that drain,
    the close is skipped and the open static file leaks (a ``ResourceWarning``, which
    the suite turns into an error). ``wsgi.file_wrapper`` is the server's to give.
    """

    def read_whole(file: Any, buffer_size: int = 8192) -> list[bytes]:
        with file:
            return [file.read()]

    def with_whole_files(environ: dict[str, Any], start_response: Any) -> Any:
        environ["wsgi.file_wrapper"] = read_whole
        return app(environ, start_response)

    return with_whole_files


class LiveServer:
    """The whole site served by Werkzeug's threaded server on a free loopback port."""

    def __init__(self, site: Flask) -> None:
        self.site = site
        self.server = make_server("127.0.0.1", 0, files_read_whole(site), threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.threads_before = set(threading.enumerate())

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.wait_for_request_threads()

    def wait_for_request_threads(self, timeout: float = 10) -> None:
        """Let requests still running (an event stream notices a gone client at its next
        write) finish before the test's databases are dropped."""
        deadline = time.monotonic() + timeout
        for thread in set(threading.enumerate()) - self.threads_before:
            thread.join(max(0, deadline - time.monotonic()))


@pytest.fixture
def live_server(databases: Databases) -> Iterator[LiveServer]:
    """The site on a real socket, as a browser sees it: CSRF on, plain-http cookies."""
    built = create_test_site(
        databases,
        WTF_CSRF_ENABLED=True,
        SESSION_COOKIE_SECURE=False,
        TESTING=False,
        # A frequent heartbeat: a stream finds out within a moment that its page closed.
        message={"MESSAGE_STREAM_HEARTBEAT_SECONDS": 0.2},
    )
    with LiveServer(built) as server:
        yield server


def browser_like_opener() -> urllib.request.OpenerDirector:
    """An HTTP client that keeps cookies and follows redirects, as a browser does."""
    cookies = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))


def register_over_http(opener: urllib.request.OpenerDirector, base_url: str, username: str) -> str:
    """Register through the real form, CSRF token included; return the page it lands on."""
    with opener.open(base_url + "/auth/register", timeout=10) as response:
        form_page = response.read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form_page)
    form = {"username": username, "password": PASSWORD, "confirm": PASSWORD}
    form["csrf_token"] = token.group(1) if token else ""
    body = urllib.parse.urlencode(form).encode()
    with opener.open(base_url + "/auth/register", data=body, timeout=10) as response:
        assert response.status == 200
        return response.read().decode()


def chromium_path() -> str:
    """Debian's Chromium (``apt-get install chromium``), or ``CHROMIUM_PATH``."""
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        pytest.fail("Chromium not found: apt-get install chromium, or set CHROMIUM_PATH.")
    return path


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole run, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser tab with its own cookies."""
    context = browser.new_context()
    context.set_default_timeout(10_000)
    opened = context.new_page()
    yield opened
    context.close()
