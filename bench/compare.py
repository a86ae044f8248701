"""Requests per second: this project against a plain Flask app under the same server.

    python bench/compare.py [--requests 3000] [--clients 8]

Starts gunicorn (gthread, 2 workers x 4 threads) on a free 127.0.0.1 port for each
target in turn, sends the same number of keep-alive GET requests from several client
threads, and prints each rate and the ratio. Nothing here is a test: numbers vary
with the machine, the ratio is what to compare.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(target: str, port: int, environment: dict[str, str]) -> subprocess.Popen:
    """gunicorn with the same settings for every target."""
    # An explicit empty config, so the project's gunicorn.conf.py does not apply to both.
    command = [
        str(BIN / "gunicorn"), "--config", str(ROOT / "bench" / "gunicorn_bench.conf.py"),
        "--bind", f"127.0.0.1:{port}", "--workers", "2", "--worker-class", "gthread",
        "--threads", "4", "--log-level", "warning", target,
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=environment)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"{target} did not start")


def hammer(port: int, path: str, requests: int, clients: int) -> float:
    """Send ``requests`` GETs over ``clients`` keep-alive connections; return requests/s."""
    per_client = requests // clients
    errors: list[int] = []

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for _ in range(per_client):
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                errors.append(response.status)
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{len(errors)} requests failed, e.g. status {errors[0]}")
    return per_client * clients / elapsed


def measure(target: str, path: str, arguments: argparse.Namespace, environment: dict) -> float:
    """Start ``target``, warm it up, and measure it."""
    port = free_port()
    process = start_gunicorn(target, port, environment)
    try:
        hammer(port, path, arguments.clients * 20, arguments.clients)
        return hammer(port, path, arguments.requests, arguments.clients)
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> None:
    """Measure both targets and print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=8)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as instance:
        environment = {
            **os.environ,
            "DISPATCHER_INSTANCE_PATH": instance,
            "FLASK_SECRET_KEY": "benchmark",
            "PYTHONPATH": str(ROOT),
        }
        subprocess.run([sys.executable, "dispatcher.py", "init-db"], cwd=ROOT, env=environment,
                       check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        plain = measure("bench.plain_app:app", "/", arguments, environment)
        project = measure("dispatcher:application", "/", arguments, environment)
    print(f"plain Flask app, GET /          {plain:8.0f} requests/s")
    print(f"dispatcher, portal GET /        {project:8.0f} requests/s")
    print(f"ratio (dispatcher / plain)      {project / plain:8.2f}")


if __name__ == "__main__":
    main()
