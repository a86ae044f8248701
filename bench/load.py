"""Load generation: Debian's ``wrk`` when installed, else a (slower) Python client that says so."""

from __future__ import annotations

import http.client
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

WRK = shutil.which("wrk")
FALLBACK_NOTE = (
    "wrk is not installed (apt-get install wrk): using a Python client, whose own cost "
    "on the same cores makes every rate lower and the ratios less trustworthy."
)
UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


@dataclass(frozen=True)
class Load:
    """How to load a server: a URL, headers, an optional form to POST, and the shape."""

    url: str
    headers: dict[str, str]
    connections: int
    seconds: float
    form: str | None = None


@dataclass(frozen=True)
class Result:
    """What a run measured: answers per second, failed answers, and the 99th percentile."""

    rate: float
    errors: int
    p99: float


def run(load: Load) -> Result:
    """Measure ``load`` with wrk, or with the Python client when wrk is missing."""
    return run_wrk(load) if WRK else run_python(load)


def run_wrk(load: Load) -> Result:
    """``wrk -t2 -cN -dS --latency``; a POST goes through a small Lua script."""
    threads = min(2, load.connections)
    command = [
        WRK,
        f"-t{threads}",
        f"-c{load.connections}",
        f"-d{max(1, round(load.seconds))}s",
        "--latency",
    ]
    # A slow answer is slow, not failed: the default 2 s would count it as a timeout.
    command.append("--timeout=60s")
    for name, value in load.headers.items():
        command += ["-H", f"{name}: {value}"]
    with tempfile.TemporaryDirectory() as folder:
        if load.form is not None:
            script = Path(folder) / "post.lua"
            body = load.form.replace("\\", "\\\\").replace('"', '\\"')
            script.write_text(
                f'wrk.method = "POST"\nwrk.body = "{body}"\n'
                'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
            )
            command += ["-s", str(script)]
        output = subprocess.run(
            [*command, load.url], capture_output=True, text=True, check=True
        ).stdout
    return parse_wrk(output)


def parse_wrk(output: str) -> Result:
    """Requests/sec, non-2xx/3xx answers plus socket errors, and p99 from wrk's report."""
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    failed = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = int(failed.group(1)) if failed else 0
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                        output)  # fmt: skip
    if sockets:
        errors += sum(int(number) for number in sockets.groups())
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s|m)", output)
    return Result(rate, errors, float(p99.group(1)) * UNITS[p99.group(2)] if p99 else float("nan"))


def run_python(load: Load) -> Result:
    """Keep-alive connections, one thread each, for ``load.seconds``."""
    parts = urllib.parse.urlsplit(load.url)
    latencies: list[float] = []
    errors: list[int] = []
    stop = time.monotonic() + load.seconds

    def client() -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        headers = dict(load.headers)
        if load.form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        while time.monotonic() < stop:
            started = time.perf_counter()
            method = "GET" if load.form is None else "POST"
            connection.request(method, parts.path or "/", body=load.form, headers=headers)
            response = connection.getresponse()
            response.read()
            latencies.append(time.perf_counter() - started)
            if response.status >= 400:
                errors.append(response.status)
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(load.connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    p99 = statistics.quantiles(latencies, n=100)[98] if len(latencies) > 1 else float("nan")
    return Result(len(latencies) / elapsed, len(errors), p99)
