"""Pages per second: this site against a one-line Flask hello, under the same gunicorn.

    python bench/pages.py [--seconds 5] [--rounds 3] [--connections 32]

Starts gunicorn (gthread, 2 workers x 4 threads) three times: with the plain app
(``bench/plain_app.py``), with ``dispatcher:application`` on fresh SQLite files, and
with the same site plus two empty pages (``bench/floor_site.py``, what a page costs
before it shows anything). Seeds a user with 20 todos and 20 messages, then loads
each page in turn with ``wrk -t2 -c32 -d5s``, round after round (interleaved, so a
busy moment of the machine hits every page alike), each run on an idle server; a run
that one worker served almost alone is run again. Logged-in runs send the seeded
user's session signed just before the run, as a browser holds it (see
``serving.signed_now``). Prints each page's median rate,
its ratio to the hello of the same round (median over rounds) and the SQL statements
it sends.
Nothing here is a test: rates vary with the machine; the ratios are what to compare.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import load
from bench.serving import ROOT
from bench.serving import Served
from bench.serving import gunicorn
from bench.serving import is_lopsided
from bench.serving import signed_now
from bench.serving import site_environment

HELLO = "plain Flask hello"
# A run that one gunicorn worker served almost alone is repeated at most this often.
LOAD_ATTEMPTS = 3
# label -> (path, logged in?); the labels are bench/seed.py's.
PAGES = {
    "/ anonymous landing": ("/", False),
    "/todo/ logged in, 20 todos": ("/todo/", True),
    "/message/ logged in, 20 messages": ("/message/", True),
    "/healthz": ("/healthz", False),
}
# The same machinery with nothing to show (bench/floor_site.py), on its own server.
EMPTY_PAGES = {
    "empty page, anonymous": ("/bench/empty", False),
    "empty page, logged in": ("/todo/bench/empty", True),
}


def seed(environment: dict[str, str]) -> dict:
    """Run bench/seed.py against the site's databases: the cookie and the SQL counts."""
    output = subprocess.run(
        [sys.executable, "-m", "bench.seed"],
        cwd=ROOT,
        env={**environment, "FLASK_REQUEST_LOG": "false"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output)


def page_targets(servers: dict[str, Served], cookie: str) -> dict[str, tuple[Served, str, dict]]:
    """Every page by label: the server showing it, its path, and its request headers."""
    targets = {}
    for server, pages in (("site", PAGES), ("floor", EMPTY_PAGES)):
        for label, (path, logged_in) in pages.items():
            targets[label] = (servers[server], path, {"Cookie": cookie} if logged_in else {})
    return targets


def check_pages(servers: dict[str, Served], cookie: str) -> None:
    """Every page answers 200 with its rows: a cookie the site refused would time a redirect."""
    expected = {
        "/todo/": "Todo number 19",
        "/message/": "Message number 19",
        "/todo/bench/empty": "empty for bench",
    }
    for server, path, headers in page_targets(servers, cookie).values():
        request = urllib.request.Request(server.url + path, headers=headers)
        with urllib.request.urlopen(request, timeout=120) as response:
            body = response.read().decode()
            if response.status != 200 or response.url != server.url + path:
                raise SystemExit(f"{path} answered {response.status} at {response.url}")
        if expected.get(path, "") not in body:
            raise SystemExit(f"{path} does not show {expected[path]!r}")


@dataclass(frozen=True)
class Measured:
    """One target in one round: its rate, and the server CPU each request took."""

    rate: float
    cpu_per_request: float


def measure(label: str, server: Served, path: str, headers: dict, arguments) -> Measured:
    """Load one page; a run that one worker served almost alone is run again (twice at most)."""
    for attempt in range(1, LOAD_ATTEMPTS + 1):
        measured, lopsided = measure_once(server, path, signed_now(headers), arguments)
        if not lopsided:
            break
        print(f"  {label}: one worker held almost every connection ({attempt})", file=sys.stderr)
    return measured


def measure_once(server: Served, path: str, headers: dict, arguments) -> tuple[Measured, bool]:
    """One wrk run on an idle server: what it measured, and whether it was lopsided."""
    server.wait_until_idle()
    cpu_before, workers_before = server.cpu_seconds(), server.worker_cpu_seconds()
    load_spec = load.Load(server.url + path, headers, arguments.connections, arguments.seconds)
    result = load.run(load_spec)
    cpu = server.cpu_seconds() - cpu_before
    workers = server.worker_cpu_seconds()
    if result.errors:
        raise SystemExit(f"{server.url}{path}: {result.errors} failed requests")
    used = [after - before for after, before in zip(workers, workers_before, strict=True)]
    return Measured(result.rate, cpu / (result.rate * arguments.seconds)), is_lopsided(used)


def measure_round(servers: dict[str, Served], cookie: str, arguments) -> dict[str, Measured]:
    """One measurement per target: the hello first, then every page, then the empty ones."""
    measured = {}
    targets = {HELLO: (servers["hello"], "/", {}), **page_targets(servers, cookie)}
    for label, (server, path, headers) in targets.items():
        measured[label] = measure(label, server, path, headers, arguments)
        print(
            f"  {label:36} {measured[label].rate:8.0f} req/s "
            f"{measured[label].cpu_per_request * 1000:6.2f} ms CPU/request",
            file=sys.stderr,
        )
    return measured


def report(rounds: list[dict[str, Measured]], statements: dict[str, int]) -> None:
    """The table: medians of the rates, of the ratios to the same round's hello, of CPU."""
    print("| page | req/s | ratio to hello | server CPU per request | CPU ratio | SQL statements |")
    print("|---|---|---|---|---|---|")
    for label in [HELLO, *PAGES, *EMPTY_PAGES]:
        rate = statistics.median(each[label].rate for each in rounds)
        ratio = statistics.median(each[label].rate / each[HELLO].rate for each in rounds)
        cpu = statistics.median(each[label].cpu_per_request for each in rounds)
        cpu_ratio = statistics.median(
            each[HELLO].cpu_per_request / each[label].cpu_per_request for each in rounds
        )
        count = statements.get(label, "")
        print(
            f"| {label} | {rate:,.0f} | {ratio:.2f} | {cpu * 1000:.2f} ms "
            f"| {cpu_ratio:.2f} | {count} |"
        )


def main() -> None:
    """Start both servers, seed, measure every round, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    arguments = parser.parse_args()
    if not load.WRK:
        print(load.FALLBACK_NOTE, file=sys.stderr)
    with site_environment() as environment:
        seeded = seed(environment)
        with (
            gunicorn("bench.plain_app:app", environment) as hello,
            gunicorn("dispatcher:application", environment) as site,
            gunicorn("bench.floor_site:application", environment) as floor,
        ):
            servers = {"hello": hello, "site": site, "floor": floor}
            check_pages(servers, seeded["cookie"])
            warm_up = argparse.Namespace(**{**vars(arguments), "seconds": 1})
            print("warming up", file=sys.stderr)
            measure_round(servers, seeded["cookie"], warm_up)
            rounds = []
            for number in range(1, arguments.rounds + 1):
                print(f"round {number}", file=sys.stderr)
                rounds.append(measure_round(servers, seeded["cookie"], arguments))
    report(rounds, seeded["statements"])


if __name__ == "__main__":
    main()
