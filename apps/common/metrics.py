"""Prometheus metrics: the series every app feeds, and the ``/metrics`` WSGI app.

prometheus_client keeps the numbers. Under gunicorn (or any pre-forking server) set
``PROMETHEUS_MULTIPROC_DIR`` to an empty folder before the server starts: every
worker then writes its numbers there and one scrape adds them up (gunicorn.conf.py's
``child_exit`` hook forgets a dead worker's open streams).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING
from typing import Any

from prometheus_client import REGISTRY
from prometheus_client import CollectorRegistry
from prometheus_client import Counter
from prometheus_client import Gauge
from prometheus_client import Histogram
from prometheus_client import make_wsgi_app
from prometheus_client import multiprocess
from werkzeug.wrappers import Response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse
    from _typeshed.wsgi import WSGIApplication
    from _typeshed.wsgi import WSGIEnvironment

REQUESTS = Counter(
    "dispatcher_requests_total",
    "Requests answered, by app, method, endpoint and status.",
    ["app", "method", "endpoint", "status"],
)
REQUEST_SECONDS = Histogram(
    "dispatcher_request_duration_seconds",
    "Time to answer a request (a stream: to its first byte), by app.",
    ["app"],
)
OPEN_STREAMS = Gauge(
    "dispatcher_open_streams",
    "Event streams open right now, by app.",
    ["app"],
    multiprocess_mode="livesum",
)
STREAM_READS = Counter(
    "dispatcher_stream_database_reads_total",
    "Database reads made for live streams (each process's broker, and catch-ups), by app.",
    ["app"],
)
LOGINS = Counter(
    "dispatcher_logins_total",
    "Login attempts by outcome: success, failure (answered 400) or throttled (429).",
    ["outcome"],
)
ACCOUNT_DELETIONS = Counter("dispatcher_account_deletions_total", "Accounts deleted.")


def observe_request(
    app: str, method: str, endpoint: str | None, status: int, seconds: float
) -> None:
    """Count one answered request and its duration."""
    REQUESTS.labels(app, method, endpoint or "none", str(status)).inc()
    REQUEST_SECONDS.labels(app).observe(seconds)


@contextmanager
def open_stream(app: str) -> Iterator[None]:
    """Count a stream as open for as long as the ``with`` block runs."""
    gauge = OPEN_STREAMS.labels(app)
    gauge.inc()
    try:
        yield
    finally:
        gauge.dec()


def record_login(outcome: str) -> None:
    """Count a login attempt: ``success``, ``failure`` or ``throttled``."""
    LOGINS.labels(outcome).inc()


def record_account_deletion() -> None:
    """Count a deleted account."""
    ACCOUNT_DELETIONS.inc()


def metrics_wsgi_app(config: dict[str, Any]) -> WSGIApplication:
    """prometheus_client's WSGI app, for every worker's numbers, behind the allow-list."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = REGISTRY
    allowed = allowed_networks(config.get("METRICS_ALLOWED_ADDRESSES") or [])
    return AllowList(make_wsgi_app(registry), allowed)


def allowed_networks(addresses: str | Iterable[str]) -> list[ipaddress._BaseNetwork]:
    """Addresses or networks (``10.0.0.0/8``), as a list or a comma-separated string."""
    if isinstance(addresses, str):
        addresses = addresses.split(",")
    return [ipaddress.ip_network(item.strip(), strict=False) for item in addresses if item.strip()]


class AllowList:
    """WSGI middleware: 403 for clients outside ``networks`` (an empty list allows all).

    ``REMOTE_ADDR`` is the client's address, corrected by ProxyFix when configured.
    """

    def __init__(self, wsgi_app: WSGIApplication, networks: list[ipaddress._BaseNetwork]) -> None:
        self.wsgi_app = wsgi_app
        self.networks = networks

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Answer the scrape, or 403."""
        if self.networks and not self.allows(environ.get("REMOTE_ADDR", "")):
            return Response("Forbidden\n", 403, mimetype="text/plain")(environ, start_response)
        return self.wsgi_app(environ, start_response)

    def allows(self, address: str) -> bool:
        """Whether ``address`` is in one of the allowed networks."""
        try:
            client = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(client in network for network in self.networks)
