"""Instructions per request: this site's pages against a Flask hello, counted by Callgrind.

    python bench/instructions.py [--requests 200]

Rates on a shared machine move between identical runs (``bench/README.md``: the same
code gave ``/healthz`` 0.44 of the hello in one run and 0.53 in the next), so a change
worth a few percent cannot be seen in them. The instructions a request executes do not
move: Valgrind's Callgrind counts them, the same from run to run whatever else the
machine is doing. Each page runs in its own process under Callgrind: the site (the
one ``bench/pages.py`` serves, with its empty pages) and the seeded user, 20 requests to
warm up, then ``--requests`` requests straight through the WSGI callable, the only part
counted (``--toggle-collect``: counting is on inside ``functools.reduce``, which runs
them). No server and no client take part, so the ratios leave out gunicorn's own work
(about as much as the hello's): they are lower than ``pages.py``'s, and they are what to
compare between two versions of the code. Needs ``valgrind`` (Debian's package) and a
Python whose symbols name its C functions, as a pyenv or python.org build does; Debian's
own ``/usr/bin/python3`` has none, and Callgrind would count nothing (this says so).
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.pages import EMPTY_PAGES
from bench.pages import HELLO
from bench.pages import PAGES
from bench.pages import seed
from bench.serving import ROOT
from bench.serving import signed_now
from bench.serving import site_environment

# Requests before counting starts: every cache the page has is filled by then.
WARM_UP = 20
COOKIE_VARIABLE = "BENCH_COOKIE"
# label -> (WSGI callable, path, logged in?)
TARGETS = {
    HELLO: ("bench.plain_app:app", "/", False),
    **{label: ("bench.floor_site:application", *page) for label, page in PAGES.items()},
    **{label: ("bench.floor_site:application", *page) for label, page in EMPTY_PAGES.items()},
}


def count(label: str, requests: int, environment: dict[str, str]) -> int:
    """The instructions ``requests`` requests of ``label`` executed, under Callgrind."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        command = [
            "valgrind", "--tool=callgrind", "--collect-atstart=no",
            "--toggle-collect=functools_reduce", f"--callgrind-out-file={out}",
            sys.executable, "-m", "bench.instructions", "--serve", label, str(requests),
        ]  # fmt: skip
        # A fixed hash seed: dicts and sets then collide alike in every run.
        environment = {**environment, "PYTHONHASHSEED": "0"}
        done = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"{label}: exited with {done.returncode}\n{done.stderr[-2000:]}")
        summaries = [line for line in out.read_text().splitlines() if line.startswith("summary:")]
    total = int(summaries[0].split()[1]) if summaries else 0
    if total == 0:
        raise SystemExit(
            f"{label}: Callgrind counted nothing: {sys.executable} does not name its C "
            "function functools_reduce (a Python without symbols, such as Debian's)"
        )
    return total


def serve(label: str, requests: int) -> None:
    """In the counted process: warm the page up, then serve it inside ``functools.reduce``."""
    from werkzeug.test import EnvironBuilder
    from werkzeug.utils import import_string

    target, path, logged_in = TARGETS[label]
    application = import_string(target)
    # Signed now, as bench/pages.py does before each run: the cookie a browser holds.
    headers = signed_now({"Cookie": os.environ[COOKIE_VARIABLE]}) if logged_in else {}
    environ = EnvironBuilder(path=path, headers=headers).get_environ()

    def start_response(status: str, response_headers: list, exc_info: object = None) -> None:
        if not status.startswith("200"):
            raise SystemExit(f"{label}: {path} answered {status}")
        # The site signs a session again once its cookie is a minute old; from then on
        # every counted request would pay for that, which a browser pays once a minute.
        if logged_in and any(name == "Set-Cookie" for name, _ in response_headers):
            raise SystemExit(f"{label}: the cookie aged past a minute; count fewer requests")

    def one_request() -> None:
        body = application(dict(environ), start_response)
        b"".join(body)  # Read the whole page, as a server would send it.
        getattr(body, "close", lambda: None)()

    for _ in range(WARM_UP):
        one_request()
    # Callgrind counts only inside functools.reduce (see count).
    functools.reduce(lambda _done, _next: one_request(), range(requests), None)


def main() -> None:
    """Seed the site, count every page (one process per core at a time), print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--serve", nargs=2, metavar=("LABEL", "REQUESTS"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve:
        serve(arguments.serve[0], int(arguments.serve[1]))
        return
    if not shutil.which("valgrind"):
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    with site_environment() as environment:
        environment = {**environment, COOKIE_VARIABLE: seed(environment)["cookie"]}
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            totals = pool.map(lambda label: count(label, arguments.requests, environment), TARGETS)
            counts = dict(zip(TARGETS, totals, strict=True))
    hello = counts[HELLO] / arguments.requests
    print("| page | instructions per request | ratio to hello |")
    print("|---|---|---|")
    for label, total in counts.items():
        per_request = total / arguments.requests
        print(f"| {label} | {per_request:,.0f} | {hello / per_request:.2f} |")


if __name__ == "__main__":
    main()
