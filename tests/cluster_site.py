"""The site of the cluster tests: three hosts on PostgreSQL and nginx, built per test."""

import contextlib
import os
import subprocess
import sys
import uuid

import psycopg

from tests.cluster import Host
from tests.cluster import Nginx
from tests.cluster import shared_environment
from tests.cluster_client import Visitor
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
    environment = {**os.environ, **shared_environment(), **TEST_SETTINGS}
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
