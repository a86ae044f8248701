"""What open board pages cost: 1,000 and 2,000 live streams on gunicorn gevent, 2 workers.

    python bench/streams.py [--streams 1000 2000] [--idle-seconds 10]

Starts the site under the project's gunicorn.conf.py (gevent worker, 2 workers) on
SQLite files in a temporary folder, then for each stream count: opens that many
``GET /message/stream`` connections from one asyncio client, and prints the workers' CPU
while the streams sit idle, the database reads the live streams made per second (from
``/metrics``), the landing page's median latency against the same with no stream open,
and how long a post takes to reach every stream. Nothing here is a test: the numbers
vary with the machine (the client shares it), the ratios are what to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.serving import ROOT
from bench.serving import cpu_seconds
from bench.serving import free_port
from bench.serving import worker_pids

BIN = Path(sys.executable).parent
CONTENT = "hello to every open page"


def start_site(folder: Path, port: int) -> tuple[subprocess.Popen, dict[str, str]]:
    """The site's databases made, then gunicorn gevent with 2 workers; returns it and its env."""
    environment = {
        **os.environ,
        "FLASK_SECRET_KEY": "bench",
        "FLASK_METRICS_ENABLED": "true",
        "PROMETHEUS_MULTIPROC_DIR": str(folder / "metrics"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKER_CLASS": "gevent",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_WORKER_CONNECTIONS": "1500",
    }
    for name in ("auth", "todo", "message"):
        environment[f"{name.upper()}_DATABASE_URL"] = f"sqlite:///{folder / name}.sqlite"
    (folder / "metrics").mkdir()
    subprocess.run(
        [sys.executable, "dispatcher.py", "init-db"],
        cwd=ROOT,
        env=environment,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    with open(folder / "gunicorn.log", "wb") as log:
        command = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py"]
        server = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            get(port, "/healthz")
            return server, environment
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the site did not start: " + (folder / "gunicorn.log").read_text()[-2000:])


def get(port: int, path: str) -> str:
    """GET ``path`` and return the body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        return connection.getresponse().read().decode()
    finally:
        connection.close()


def stream_reads(port: int) -> float:
    """The live streams' database reads so far, every worker added up (from /metrics)."""
    found = re.findall(
        r'^dispatcher_stream_database_reads_total\{app="message"\} (\S+)$',
        get(port, "/metrics"),
        re.MULTILINE,
    )
    return sum(float(value) for value in found)


def landing_median(port: int, count: int = 200) -> float:
    """The median seconds of ``count`` GET / one after another on one connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    times = []
    for _ in range(count):
        started = time.perf_counter()
        connection.request("GET", "/")
        connection.getresponse().read()
        times.append(time.perf_counter() - started)
    connection.close()
    return statistics.median(times)


async def hold_stream(port: int, count: int, ready: asyncio.Event, opened: list, arrived: dict):
    """One open board page: its stream, read until cancelled; ``ready`` once all are open."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /message/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    await writer.drain()
    try:
        while line := await reader.readline():
            if line.startswith(b"retry: 2000"):
                opened.append(writer)
                if len(opened) == count:
                    ready.set()
            elif CONTENT.encode() in line:
                arrived[writer] = time.monotonic()
    finally:
        writer.close()


def post(environment: dict[str, str]) -> None:
    """Post one message straight into the database, as another worker would."""
    from apps.message import create_app
    from apps.message.models import db
    from apps.message.models import post_message

    app = create_app(
        {"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": environment["MESSAGE_DATABASE_URL"]}
    )
    with app.app_context():
        post_message(1, "bench", CONTENT)
        db.session.commit()
        db.engine.dispose()


def idle_figures(port: int, pids: list[int], seconds: float) -> tuple[float, float]:
    """CPU share of one core and stream database reads per second, over ``seconds``."""
    cpu, reads = cpu_seconds(pids), stream_reads(port)
    time.sleep(seconds)
    return (cpu_seconds(pids) - cpu) / seconds, (stream_reads(port) - reads) / seconds


async def measure(port: int, pids: list[int], environment: dict, count: int, idle: float):
    """Open ``count`` streams, measure them idle, post once, and report."""
    ready, opened, arrived = asyncio.Event(), [], {}
    tasks = [
        asyncio.create_task(hold_stream(port, count, ready, opened, arrived)) for _ in range(count)
    ]
    await asyncio.wait_for(ready.wait(), timeout=120)
    await asyncio.sleep(1)
    cpu, reads = await asyncio.to_thread(idle_figures, port, pids, idle)
    landing = await asyncio.to_thread(landing_median, port)
    await asyncio.to_thread(post, environment)
    posted = time.monotonic()  # committed
    while len(arrived) < count and time.monotonic() - posted < 30:
        await asyncio.sleep(0.05)
    reach = max(arrived.values()) - posted if len(arrived) == count else float("inf")
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return cpu, reads, landing, reach, len(arrived)


def main() -> None:
    """Run the measurements and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, nargs="+", default=[1000, 2000])
    parser.add_argument("--idle-seconds", type=float, default=10)
    options = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        server, environment = start_site(Path(folder), port)
        try:
            pids = worker_pids(server.pid)
            base_cpu, base_reads = idle_figures(port, pids, options.idle_seconds)
            base_landing = landing_median(port)
            print(
                "| open streams | worker CPU (% of a core) | stream DB reads/s "
                "| landing median (ms) | vs none | post reaches all (s) |"
            )
            print("|---|---|---|---|---|---|")
            print(
                f"| 0 | {base_cpu:.1%} | {base_reads:.1f} | {base_landing * 1000:.2f} | 1.00 | - |"
            )
            for count in options.streams:
                cpu, reads, landing, reach, got = asyncio.run(
                    measure(port, pids, environment, count, options.idle_seconds)
                )
                print(
                    f"| {count} | {cpu:.1%} | {reads:.1f} | {landing * 1000:.2f} "
                    f"| {landing / base_landing:.2f} | {reach:.2f} ({got}/{count}) |"
                )
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
