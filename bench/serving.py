"""What every benchmark shares: a throwaway site and gunicorn with fixed settings."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from flask.sessions import SecureCookieSessionInterface

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# The same settings for every target; the tables were measured with these.
GUNICORN_SETTINGS = ["--workers", "2", "--worker-class", "gthread", "--threads", "4"]
PASSWORD = "correct horse battery"
SECRET_KEY = "benchmark"
TICKS = os.sysconf("SC_CLK_TCK")
# Two workers sharing a run evenly each do about half of it; one doing less than this
# share held few of wrk's connections (see Served.wait_until_idle).
LOPSIDED_SHARE = 0.25


def worker_pids(master: int) -> list[int]:
    """A gunicorn master's workers: its children."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes have used so far."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / TICKS


@dataclass(frozen=True)
class Served:
    """A running gunicorn: where it answers, and the CPU its processes have used."""

    url: str
    pid: int

    def cpu_seconds(self) -> float:
        """User and system CPU time of the master and its workers so far."""
        return cpu_seconds([self.pid, *worker_pids(self.pid)])

    def worker_cpu_seconds(self) -> list[float]:
        """Each worker's user and system CPU time so far, in the order of their pids."""
        return [cpu_seconds([pid]) for pid in sorted(worker_pids(self.pid))]

    def wait_until_idle(self, quiet: float = 0.2, at_most: float = 5.0) -> None:
        """Return once the server has used no CPU for ``quiet`` seconds.

        wrk opens all its connections at once, and each gthread worker's main thread
        races the others to accept them. A worker still finishing the last run's
        requests wakes late and loses every race: the other worker then holds all the
        connections and serves the whole run on one core. Started back to back, runs
        of a page that reads SQLite fell into that state about half the time, at a
        third of the rate (bench/README.md). Waiting makes it rare, not impossible:
        ``is_lopsided`` tells a run that still fell into it.
        """
        deadline = time.monotonic() + at_most
        used = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(quiet)
            used, before = self.cpu_seconds(), used
            if used == before:
                return


def is_lopsided(worker_cpu: list[float]) -> bool:
    """Whether one worker did almost none of a run's work (it held almost no connection)."""
    return len(worker_cpu) > 1 and min(worker_cpu) < LOPSIDED_SHARE * sum(worker_cpu)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def signed_now(headers: dict[str, str]) -> dict[str, str]:
    """``headers`` with the session in their ``Cookie`` (if any) signed again, just now.

    A browser keeps the cookie each response sends back, and the site signs an unchanged
    session again once its cookie is a minute old (apps/common/sessions.py): a browser
    pays for that once a minute. wrk replays the cookie it was given, so a minute after
    seeding every request it sends would be signed again and answered with a new
    ``Set-Cookie``, which cost 0.1 ms per request in-process. Signing the same session
    with the benchmark's key before each run gives wrk the cookie a browser would hold.
    """
    if "Cookie" not in headers:
        return headers
    app = Flask(__name__)
    app.secret_key = SECRET_KEY
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    name, value = headers["Cookie"].split("=", 1)
    return {**headers, "Cookie": f"{name}={serializer.dumps(serializer.loads(value))}"}


@contextmanager
def site_environment() -> Iterator[dict[str, str]]:
    """A fresh instance folder with every schema created, as a deployment would have it."""
    with tempfile.TemporaryDirectory() as instance:
        environment = {
            **os.environ,
            "DISPATCHER_INSTANCE_PATH": instance,
            "FLASK_SECRET_KEY": SECRET_KEY,
            "PYTHONPATH": str(ROOT),
        }
        for name in ("portal", "auth", "todo", "message"):
            environment.pop(f"{name.upper()}_DATABASE_URL", None)
        command = [sys.executable, "dispatcher.py", "init-db"]
        subprocess.run(command, cwd=ROOT, env=environment, check=True, stdout=subprocess.DEVNULL)
        yield environment


@contextmanager
def gunicorn(target: str, environment: dict[str, str]) -> Iterator[Served]:
    """Serve ``target`` with gunicorn on a free port; yield where and which process.

    An explicit empty config file keeps the project's gunicorn.conf.py out of it, so
    the plain app and the site run with exactly the same settings. The site's
    request log (on by default) goes to /dev/null: it is formatted and written as in
    production, but the terminal stays readable.
    """
    port = free_port()
    command = [
        str(BIN / "gunicorn"), "--config", str(ROOT / "bench" / "gunicorn_bench.conf.py"),
        "--bind", f"127.0.0.1:{port}", *GUNICORN_SETTINGS, "--log-level", "warning", target,
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=environment, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, process)
        yield Served(f"http://127.0.0.1:{port}", process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_for_port(port: int, process: subprocess.Popen) -> None:
    """Return once something accepts connections on ``port``; fail if the server died."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("gunicorn did not start")
