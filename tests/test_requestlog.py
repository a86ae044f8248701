"""One JSON line per request, with a request id echoed to the client, and no secrets."""

import json
import logging
import re
from pathlib import Path

import pytest
from werkzeug.test import Client

from apps.common import requestlog
from apps.common.requestlog import LOGGER_NAME
from apps.todo import create_app as create_todo_app
from tests.conftest import PASSWORD
from tests.conftest import app_test_config
from tests.conftest import create_tables
from tests.conftest import dispose_engines
from tests.conftest import registered_client


class Lines(logging.Handler):
    """Collects the request lines, parsed."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict] = []
        self.raw: list[str] = []
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.raw.append(record.getMessage())
        self.lines.append(json.loads(record.getMessage()))


@pytest.fixture
def logged():
    """Every request line written while the test runs."""
    handler = Lines()
    logger = logging.getLogger(LOGGER_NAME)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def test_a_request_is_one_line_with_app_endpoint_user_status_and_duration(site, logged):
    client = registered_client(site, "alice")
    logged.lines.clear()
    response = client.get("/todo/?show=open")
    assert response.status_code == 200
    [line] = logged.lines
    assert line["app"] == "todo"
    assert line["endpoint"] == "todo.index"
    assert line["method"] == "GET"
    assert line["path"] == "/todo/"
    assert line["status"] == 200
    assert line["user_id"] == 1
    assert line["duration_ms"] > 0
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert len(line["request_id"]) == 32
    # Compact: no space after a comma or a colon.
    assert logged.raw[-1] == json.dumps(line, separators=(",", ":"))


def test_an_anonymous_404_names_no_user_and_no_endpoint(site, logged):
    response = Client(site).get("/no/such/page")
    assert response.status_code == 404
    [line] = logged.lines
    assert (line["app"], line["endpoint"], line["status"], line["user_id"]) == (
        "portal",
        None,
        404,
        None,
    )


def test_a_sane_request_id_from_the_proxy_is_kept(site, logged):
    response = Client(site).get("/", headers={"X-Request-ID": "3f2a-nginx.id:7"})
    assert response.headers["X-Request-ID"] == "3f2a-nginx.id:7"
    assert logged.lines[0]["request_id"] == "3f2a-nginx.id:7"


@pytest.mark.parametrize(
    "header", ["a" * 129, "has space", '"quoted"', "-leading-dash", "line\\nbreak", "ünï"]
)
def test_an_odd_request_id_is_replaced_by_a_new_one(site, logged, header):
    response = Client(site).get("/", headers={"X-Request-ID": header})
    assert response.headers["X-Request-ID"] != header
    assert len(response.headers["X-Request-ID"]) == 32
    assert logged.lines[0]["request_id"] == response.headers["X-Request-ID"]


def test_no_password_token_or_cookie_value_is_ever_logged(site, logged):
    client = registered_client(site, "bob")
    client.post(
        "/auth/login?next=/todo/%3Ftoken%3Dsecret-in-query",
        data={"username": "bob", "password": PASSWORD},
    )
    cookie = client.get_cookie("dispatcher_session").value
    everything = "\n".join(logged.raw)
    assert len(logged.lines) == 2
    for secret in (PASSWORD, cookie, "secret-in-query", "test secret key"):
        assert secret not in everything


def test_an_app_alone_logs_the_same_way(databases, logged):
    app = create_todo_app(app_test_config(databases, "todo"))
    create_tables(app)
    response = app.test_client().get("/", headers={"X-Request-ID": "alone-1"})
    dispose_engines(app)
    assert response.headers["X-Request-ID"] == "alone-1"
    assert [(line["app"], line["status"]) for line in logged.lines] == [("todo", 401)]


def test_request_log_can_be_turned_off(databases, logged):
    app = create_todo_app(app_test_config(databases, "todo", REQUEST_LOG=False))
    response = app.test_client().get("/", headers={"X-Request-ID": "quiet-1"})
    assert response.headers["X-Request-ID"] == "quiet-1"
    assert logged.lines == []


def test_the_record_names_the_request_log_as_where_it_came_from(site, logged):
    Client(site).get("/")
    [record] = logged.records
    assert (record.name, record.levelno) == (LOGGER_NAME, logging.INFO)
    assert Path(record.pathname) == Path(requestlog.__file__)
    # A function of the request log, and the line it starts on.
    assert getattr(requestlog, record.funcName).__code__.co_firstlineno == record.lineno


def test_a_logger_level_set_by_the_operator_silences_the_lines(site, logged):
    logger = logging.getLogger(LOGGER_NAME)
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        response = Client(site).get("/")
    finally:
        logger.setLevel(level)
    assert response.status_code == 200
    assert logged.lines == []


def test_each_request_without_an_id_gets_a_new_one_shaped_like_nginx_s(site, logged):
    client = Client(site)
    ids = [client.get("/").headers["X-Request-ID"] for _ in range(3)]
    assert len(set(ids)) == 3
    assert all(re.fullmatch(r"[0-9a-f]{32}", request_id) for request_id in ids)
