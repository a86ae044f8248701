"""Give a benchmark site a user with 20 todos and 20 messages; print its cookie and SQL counts.

    python -m bench.seed  (with the site's environment: DISPATCHER_INSTANCE_PATH, key)

Run in its own process, through the site's own pages (in-process, CSRF off), so the
benchmark process never imports the site. Prints one JSON object: the session cookie
of the logged-in user, and the SQL statements each measured page sends.
"""

from __future__ import annotations

import json
import sys

from werkzeug.test import Client

from bench.serving import PASSWORD
from dispatcher import create_dispatcher
from tests.sqlcount import counting_statements

COOKIE_NAME = "dispatcher_session"
ROWS = 20
# (label, path, logged in?)
PAGES = [
    ("/ anonymous landing", "/", False),
    ("/todo/ logged in, 20 todos", "/todo/", True),
    ("/message/ logged in, 20 messages", "/message/", True),
    ("/healthz", "/healthz", False),
]


def must(response, status: int) -> None:
    """Stop the benchmark when seeding did not do what it should."""
    if response.status_code != status:
        sys.exit(f"{response.request.path}: {response.status_code}, expected {status}")


def seed(client: Client, username: str) -> None:
    """Register ``username``, add the todos and post the messages."""
    form = {"username": username, "password": PASSWORD, "confirm": PASSWORD}
    must(client.post("/auth/register", data=form), 302)
    for number in range(ROWS):
        due = f"2026-12-{number % 28 + 1:02d}" if number % 2 else ""
        must(client.post("/todo/add", data={"title": f"Todo number {number}", "due": due}), 302)
        must(client.post("/message/", data={"content": f"Message number {number}"}), 302)
    # Read the flashes and store a CSRF token in the session: the cookie replayed by
    # the load generator is then the one a browser settles on, never rewritten.
    for _label, path, _logged_in in PAGES:
        must(client.get(path), 200)


def count_statements(client: Client, anonymous: Client) -> dict[str, int]:
    """How many SQL statements each page sends (the second time it is asked for)."""
    counts = {}
    for label, path, logged_in in PAGES:
        visitor = client if logged_in else anonymous
        must(visitor.get(path), 200)
        with counting_statements() as statements:
            must(visitor.get(path), 200)
        counts[label] = len(statements)
    return counts


def main() -> None:
    """Seed, count, and print the cookie and the counts as JSON."""
    site = create_dispatcher({"WTF_CSRF_ENABLED": False, "SESSION_COOKIE_SECURE": False})
    client, anonymous = Client(site), Client(site)
    seed(client, sys.argv[1] if len(sys.argv) > 1 else "bench")
    counts = count_statements(client, anonymous)
    cookie = client.get_cookie(COOKIE_NAME)
    print(json.dumps({"cookie": f"{COOKIE_NAME}={cookie.value}", "statements": counts}))


if __name__ == "__main__":
    main()
