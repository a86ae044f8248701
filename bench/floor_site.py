"""The site with two empty pages: what a page costs before it shows anything.

``bench/pages.py`` serves this beside ``dispatcher:application``. Each empty page
answers a few bytes through every layer a real page passes (the dispatcher, the
security headers, the session, CSRF, the request log and, logged in, the check that
the session still holds), so the table shows how much of a page's cost is that
machinery and how much is the page. Nothing in the site itself links to them.
"""

from __future__ import annotations

from flask import Flask
from flask import g

from apps.common.identity import login_required
from dispatcher import application

EMPTY_PATH = "/bench/empty"


def add_empty_pages(site: Flask) -> None:
    """``/bench/empty`` on the portal (anyone) and ``/todo/bench/empty`` (logged in)."""
    apps = {name: mount.app for name, mount in site.extensions["mount_table"].items()}
    apps["portal"].add_url_rule(EMPTY_PATH, "bench_empty", lambda: "empty")
    apps["todo"].add_url_rule(
        EMPTY_PATH, "bench_empty", login_required(lambda: f"empty for {g.user.username}")
    )


add_empty_pages(application)
