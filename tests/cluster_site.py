"""The site of the cluster tests: three hosts on PostgreSQL and nginx, built per test."""

import contextlib
import http.client
import itertools
import os
import subprocess
import sys
import time
import uuid

import psycopg
from sqlalchemy import create_engine
from sqlalchemy import text

from tests.cluster import Host
from tests.cluster import Nginx
from tests.cluster import shared_environment
from tests.cluster_client import Visitor
from tests.conftest import ENVIRONMENT_PREFIXES
from tests.conftest import ROOT
from tests.conftest import TEST_DATABASE_URL

HOSTS = {
    "A": {"worker_class": "gthread", "workers": 1, "threads": 2},
    "B": {"worker_class": "gevent", "workers": 1},
    "C": {"worker_class": "sync", "workers": 2},
}
DATABASE_APPS = ("auth", "todo", "message")
POOL_SIZE, MAX_OVERFLOW = 2, 1
FIRST_KEY = "cluster key one"
TEST_SETTINGS = {
    "FLASK_SECRET_KEY": FIRST_KEY,
    "FLASK_TRUSTED_HOSTS": '["127.0.0.1"]',
    "FLASK_DATABASE_POOL_SIZE": str(POOL_SIZE),
    "FLASK_DATABASE_MAX_OVERFLOW": str(MAX_OVERFLOW),
    # Frequent heartbeats: a closed stream frees its worker quickly. Sync workers must
    # end a stream before gunicorn's 30 s timeout (docs/deploying.md).
    "FLASK_MESSAGE_STREAM_HEARTBEAT_SECONDS": "0.5",
    "FLASK_MESSAGE_STREAM_MAX_SECONDS": "20",
    "GUNICORN_GRACEFUL_TIMEOUT": "5",
}


class Cluster:
    """The hosts by name, nginx in front, and the environment they all share."""

    def __init__(self, hosts, nginx, environment, application_name):
        self.hosts, self.nginx, self.environment = hosts, nginx, environment
        # Every connection the hosts open carries this name (see connections_named).
        self.application_name = application_name
        self.edge = nginx.url
        self.urls = {name: host.url for name, host in hosts.items()}

    def visitor(self, cookie=None):
        """A new browser, holding ``cookie`` if given."""
        return Visitor(self.nginx.certificate, cookie)

    def start(self):
        """Start every host at once, then wait for each."""
        for host in self.hosts.values():
            host.start(self.environment)
        for host in self.hosts.values():
            host.wait_until_serving()

    def stop(self):
        """Stop every host at once (SIGTERM), then wait for each."""
        for host in self.hosts.values():
            if host.process is not None and host.process.poll() is None:
                host.process.terminate()
        for host in self.hosts.values():
            host.stop()

    def restart(self, **settings):
        """A deploy: every host stopped, then started again with ``settings`` changed."""
        self.stop()
        self.environment.update(settings)
        self.start()


def connection_budget():
    """The most connections the hosts may open: every worker's pools plus its listener."""
    workers = sum(settings["workers"] for settings in HOSTS.values())
    return workers * len(DATABASE_APPS) * (POOL_SIZE + MAX_OVERFLOW) + workers


def connections_named(application_name):
    """How many PostgreSQL connections carry ``application_name`` right now."""
    url = TEST_DATABASE_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as connection:
        query = "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s"
        return connection.execute(query, (application_name,)).fetchone()[0]


@contextlib.contextmanager
def running_cluster(databases, tmp_path):
    """Three hosts and nginx, sharing one environment; the schema made once, beforehand."""
    application_name = f"cluster_{uuid.uuid4().hex[:8]}"
    # The machine's environment without any FLASK_* or per-app variable of the caller.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(ENVIRONMENT_PREFIXES)}
    environment = {**inherited, **shared_environment(), **TEST_SETTINGS}
    environment["DISPATCHER_INSTANCE_PATH"] = str(tmp_path / "instance-deploy")
    for name in DATABASE_APPS:
        url = f"{databases.url(name)}&application_name={application_name}"
        environment[f"{name.upper()}_DATABASE_URL"] = url
    # The one-time schema step of a deploy, run once, never by the hosts.
    command = [sys.executable, "dispatcher.py", "init-db"]
    subprocess.run(command, cwd=ROOT, env=environment, check=True, capture_output=True)
    hosts = {name: Host(name, tmp_path, **settings) for name, settings in HOSTS.items()}
    built = Cluster(hosts, Nginx(tmp_path, hosts.values()), environment, application_name)
    try:
        built.nginx.start()
        built.start()
        yield built
    finally:
        built.stop()
        built.nginx.stop()


def add_todos_until(visitor, edge, prefix, stop_at, outcomes):
    """One client adding todos through nginx, one after the other, until ``stop_at``."""
    token = visitor.csrf_token(edge, "/todo/")
    for number in itertools.count():
        if time.monotonic() >= stop_at:
            return
        title = f"{prefix}-{number}"
        try:
            answer = visitor.post(edge, "/todo/add", {"title": title}, token)
            # A 302 anywhere but the list (the login page, say) would be a wrong answer.
            status = answer.status
            if status == 302 and answer.headers["Location"] != "/todo/":
                status = f"302 to {answer.headers['Location']}"
        except http.client.IncompleteRead:
            # The host died between its answer's headers and its body: nginx had begun
            # passing the answer on, so it can only close the connection, not send a 502.
            status = "cut short"
        except (OSError, http.client.HTTPException) as error:
            status = repr(error)  # no answer at all: nginx stopped answering
        outcomes.append((time.monotonic(), title, status))


def peak_connections_until(cluster, moment):
    """The most connections the hosts held at once, sampled until ``moment``."""
    peak = 0
    while time.monotonic() < moment:
        peak = max(peak, connections_named(cluster.application_name))
        time.sleep(0.2)
    return peak


def stored_todo_titles(cluster):
    """How often each todo title is in the database."""
    engine = create_engine(cluster.environment["TODO_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT title, count(*) FROM todo GROUP BY title"))
            return dict(rows.all())
    finally:
        engine.dispose()


def wait_for_a_request_through_nginx(cluster, host, seconds=15):
    """Whether nginx sends ``host`` a request again (passive health checks: fail_timeout)."""
    served = host.requests_served()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert cluster.visitor().get(cluster.edge, "/healthz").status == 200
        if host.requests_served() > served:
            return True
        time.sleep(0.1)
    return False
