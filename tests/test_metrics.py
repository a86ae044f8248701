"""``/metrics``: off by default, the series each app feeds, the allow-list, gunicorn."""

import http.client
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from werkzeug.test import Client

from apps.common.metrics import open_stream
from tests.conftest import PASSWORD
from tests.conftest import ROOT
from tests.conftest import LiveServer
from tests.conftest import browser_like_opener
from tests.conftest import create_test_site
from tests.conftest import free_port
from tests.conftest import register_over_http
from tests.conftest import registered_client
from tests.servers import wait_until_serving

BIN = Path(sys.executable).parent


def sample(name, **labels):
    """The current value of a series in this process (0 when never set)."""
    return REGISTRY.get_sample_value(name, labels) or 0


def test_metrics_are_off_unless_enabled(site):
    response = Client(site).get("/metrics")
    assert response.status_code == 404
    assert "dispatcher_requests_total" not in response.get_data(as_text=True)


def test_requests_are_counted_by_app_method_endpoint_and_status(databases):
    site = create_test_site(databases, METRICS_ENABLED=True)
    labels = {"app": "message", "method": "GET", "endpoint": "message.index", "status": "200"}
    before = sample("dispatcher_requests_total", **labels)
    latency_before = sample("dispatcher_request_duration_seconds_count", app="message")
    client = Client(site)
    assert client.get("/message/").status_code == 200
    assert sample("dispatcher_requests_total", **labels) == before + 1
    assert sample("dispatcher_request_duration_seconds_count", app="message") == latency_before + 1
    scrape = client.get("/metrics")
    assert scrape.status_code == 200
    assert (
        'dispatcher_requests_total{app="message",endpoint="message.index",method="GET"'
        in scrape.text
    )


def test_logins_and_account_deletions_are_counted(databases):
    auth_limits = {"LOGIN_FAILURE_LIMIT_PER_USER": 1}
    site = create_test_site(databases, METRICS_ENABLED=True, auth=auth_limits)
    outcomes = ("success", "failure", "throttled")
    before = {outcome: sample("dispatcher_logins_total", outcome=outcome) for outcome in outcomes}
    deletions = sample("dispatcher_account_deletions_total")
    client = registered_client(site, "carol")
    for password, status in [(PASSWORD, 302), ("wrong", 400), ("wrong", 429)]:
        form = {"username": "carol", "password": password}
        assert client.post("/auth/login", data=form).status_code == status
    leaving = registered_client(site, "erin")
    assert leaving.post("/auth/delete", data={"password": PASSWORD}).status_code == 302
    after = {outcome: sample("dispatcher_logins_total", outcome=outcome) for outcome in outcomes}
    assert after == {outcome: before[outcome] + 1 for outcome in outcomes}
    assert sample("dispatcher_account_deletions_total") == deletions + 1


def test_open_streams_rise_and_fall_with_the_block():
    before = sample("dispatcher_open_streams", app="message")
    with open_stream("message"):
        assert sample("dispatcher_open_streams", app="message") == before + 1
    assert sample("dispatcher_open_streams", app="message") == before


@pytest.mark.parametrize(
    ("allowed", "status"),
    [(["10.0.0.0/8"], 403), (["127.0.0.1"], 200), ("10.1.2.3, 127.0.0.0/24", 200), ([], 200)],
)
def test_the_allow_list_refuses_other_addresses(databases, allowed, status):
    site = create_test_site(databases, METRICS_ENABLED=True, METRICS_ALLOWED_ADDRESSES=allowed)
    response = Client(site).get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.status_code == status


def scrape_until(url, pattern, seconds=10):
    """Scrape until ``pattern`` shows up (each request is counted as it ends)."""
    deadline = time.monotonic() + seconds
    while True:
        with urllib.request.urlopen(url, timeout=10) as response:
            text = response.read().decode()
        if re.search(pattern, text) or time.monotonic() > deadline:
            return text
        time.sleep(0.2)


@pytest.mark.server
def test_one_scrape_covers_both_gunicorn_workers(server_environment, tmp_path):
    port = free_port()
    folder = tmp_path / "prometheus"
    folder.mkdir()
    environment = {
        **server_environment,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
        "FLASK_METRICS_ENABLED": "true",
        # Plain http here: a Secure cookie would never come back, nor its CSRF token.
        "FLASK_SESSION_COOKIE_SECURE": "false",
    }
    command = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(process, base + "/healthz")
        opener = browser_like_opener()
        register_over_http(opener, base, "dave")  # auth, then the start page
        # Several requests per mount, new connections each: both workers take some.
        for _ in range(6):
            for path in ("/", "/todo/", "/message/", "/auth/"):
                with opener.open(base + path, timeout=10) as response:
                    assert response.status == 200
        text = scrape_until(
            base + "/metrics",
            r'app="portal",method="GET",endpoint="portal.index",status="200"} 7\.0',
        )
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert len(list(folder.glob("counter_*.db"))) >= 2  # each worker wrote its own numbers
    for app, endpoint, count in [
        ("portal", "portal.index", 7),  # six visits, and the start page after registering
        ("todo", "todo.index", 6),
        ("message", "message.index", 6),
        ("auth", "auth.index", 6),
    ]:
        labels = f'app="{app}",endpoint="{endpoint}",method="GET",status="200"'
        assert f"dispatcher_requests_total{{{labels}}} {count}.0" in text, text
    assert 'dispatcher_request_duration_seconds_count{app="todo"} 6.0' in text
    assert urllib.parse.quote(PASSWORD) not in text


def test_open_streams_are_counted_while_they_are_open(databases):
    site = create_test_site(
        databases,
        METRICS_ENABLED=True,
        message={"MESSAGE_STREAM_HEARTBEAT_SECONDS": 0.1, "MESSAGE_STREAM_POLL_SECONDS": 0.05},
    )
    before = sample("dispatcher_open_streams", app="message")
    with LiveServer(site) as server:
        address = urllib.parse.urlsplit(server.url)
        stream = http.client.HTTPConnection(address.hostname, address.port, timeout=5)
        stream.request("GET", "/message/stream")
        response = stream.getresponse()
        assert response.readline() == b"retry: 2000\n"
        assert sample("dispatcher_open_streams", app="message") == before + 1
        response.close()
        stream.close()
        # The closed stream notices at its next heartbeat and gives its count back.
        deadline = time.monotonic() + 5
        while sample("dispatcher_open_streams", app="message") != before:
            assert time.monotonic() < deadline, "the closed stream is still counted"
            time.sleep(0.05)
