"""Logins per second: one client at a time against 8 at once, under the same gunicorn.

    python bench/logins.py [--seconds 10] [--rounds 3] [--clients 8]

Serves ``dispatcher:application`` with gunicorn (gthread, 2 workers x 4 threads) on
fresh SQLite files, registers a user, fetches the login form once (its cookie and
CSRF token), then POSTs that form with the right password over and over: with one
connection, then with ``--clients`` connections, round after round. Every answer
must be the 302 of a successful login; anything else counts as an error. The
scrypt check dominates a login, so with the hash outside any write transaction the
two cores hash in parallel and 8 clients get about twice the logins of one.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import load
from bench.serving import PASSWORD
from bench.serving import ROOT
from bench.serving import gunicorn
from bench.serving import site_environment

USERNAME = "bench"


def register(environment: dict[str, str]) -> None:
    """Create the account that logs in (bench/seed.py, which also adds rows)."""
    subprocess.run(
        [sys.executable, "-m", "bench.seed", USERNAME],
        cwd=ROOT,
        env={**environment, "FLASK_REQUEST_LOG": "false"},
        check=True,
        stdout=subprocess.DEVNULL,
    )


def login_form(site_url: str) -> tuple[str, str]:
    """The session cookie and the url-encoded form of a login with the right password."""
    with urllib.request.urlopen(site_url + "/auth/login", timeout=120) as response:
        page = response.read().decode()
        cookie = response.headers["Set-Cookie"].split(";", 1)[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = {"username": USERNAME, "password": PASSWORD, "csrf_token": token}
    return cookie, urllib.parse.urlencode(form)


def measure(url: str, cookie: str, form: str, clients: int, seconds: float) -> load.Result:
    """Logins per second with ``clients`` connections at once."""
    return load.run(load.Load(url, {"Cookie": cookie}, clients, seconds, form=form))


def report(results: dict[int, list[load.Result]], clients: int) -> None:
    """The table: median logins/s, errors, worst p99, and the speed-up over one client."""
    print("| clients | logins/s | errors | p99 |")
    print("|---|---|---|---|")
    for count, runs in results.items():
        rate = statistics.median(run.rate for run in runs)
        errors = sum(run.errors for run in runs)
        p99 = max(run.p99 for run in runs)
        print(f"| {count} | {rate:.1f} | {errors} | {p99 * 1000:.0f} ms |")
    if not all(run.rate for runs in results.values() for run in runs):
        raise SystemExit("A run finished no login at all: give it more --seconds.")
    ratios = [many.rate / one.rate for one, many in zip(results[1], results[clients], strict=True)]
    print(f"\n{clients} clients / 1 client: {statistics.median(ratios):.2f}x (median of rounds)")


def main() -> None:
    """Serve the site, register, measure each round, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    arguments = parser.parse_args()
    if not load.WRK:
        print(load.FALLBACK_NOTE, file=sys.stderr)
    results: dict[int, list[load.Result]] = {1: [], arguments.clients: []}
    with site_environment() as environment:
        register(environment)
        with gunicorn("dispatcher:application", environment) as site:
            cookie, form = login_form(site.url)
            url = site.url + "/auth/login"
            for number in range(1, arguments.rounds + 1):
                for clients in results:
                    site.wait_until_idle()
                    result = measure(url, cookie, form, clients, arguments.seconds)
                    results[clients].append(result)
                    print(f"round {number}, {clients} clients: {result}", file=sys.stderr)
    report(results, arguments.clients)


if __name__ == "__main__":
    main()
