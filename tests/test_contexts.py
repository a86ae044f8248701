"""Application contexts on a stack, apart from request contexts (DESIGN rule 5)."""

import threading

import pytest
from flask import appcontext_pushed
from flask import current_app
from flask import g
from flask import has_request_context
from flask import jsonify
from flask import request
from werkzeug.test import Client

from apps.common.db import current_database
from apps.portal.dashboard import gather_counts
from tests.conftest import browser_like_opener
from tests.conftest import mounted_app
from tests.conftest import register_over_http

MOUNT_PATHS = {"portal": "", "auth": "/auth", "todo": "/todo", "message": "/message"}


def add_context_probe(app, other):
    """A route that pushes ``other``'s app context in the middle of a request."""

    @app.get("/context-probe")
    def context_probe():
        g.marker = "set by " + current_app.config["APP_NAME"]
        before = current_app.config["APP_NAME"]
        own_database = str(current_database().engine.url)
        with other.app_context():
            inside = {
                "app": current_app.config["APP_NAME"],
                "g_is_empty": "marker" not in g,
                "database": str(current_database().engine.url),
                "request_is_still_there": has_request_context() and request.path,
            }
        after = current_app.config["APP_NAME"]
        return jsonify(
            before=before,
            inside=inside,
            after=after,
            marker=g.marker,
            own_database=own_database,
        )


@pytest.mark.parametrize("name", list(MOUNT_PATHS))
def test_a_request_runs_in_the_context_of_the_app_it_entered(site, name):
    app = mounted_app(site, name)

    @app.get("/whoami")
    def whoami():
        return {"app": current_app.config["APP_NAME"], "same_object": current_app == app}

    answer = Client(site).get(MOUNT_PATHS[name] + "/whoami").json
    assert answer == {"app": name, "same_object": True}


def test_pushing_another_apps_context_switches_current_app_g_and_database(site):
    todo_app, message_app = mounted_app(site, "todo"), mounted_app(site, "message")
    add_context_probe(todo_app, message_app)

    seen = Client(site).get("/todo/context-probe").json

    assert seen["before"] == "todo"
    assert seen["inside"]["app"] == "message"
    assert seen["inside"]["g_is_empty"] is True
    assert seen["inside"]["database"] != seen["own_database"]
    with message_app.app_context():
        assert seen["inside"]["database"] == str(current_database().engine.url)
    # The request context is not pushed again: request still describes the todo request.
    assert seen["inside"]["request_is_still_there"] == "/context-probe"
    assert seen["after"] == "todo"
    assert seen["marker"] == "set by todo"


def test_teardown_runs_for_every_pushed_context_in_reverse_order_even_on_error(site):
    todo_app, message_app = mounted_app(site, "todo"), mounted_app(site, "message")
    torn_down = []
    for app in (todo_app, message_app):
        app.teardown_appcontext(
            lambda error, name=app.config["APP_NAME"]: torn_down.append((name, repr(error)))
        )

    with todo_app.app_context():
        with pytest.raises(ZeroDivisionError), message_app.app_context():
            1 / 0  # noqa: B018
        assert current_app.config["APP_NAME"] == "todo"
    assert torn_down == [
        ("message", "ZeroDivisionError('division by zero')"),
        ("todo", "None"),
    ]


def test_without_a_context_current_app_and_the_database_raise_runtime_error():
    with pytest.raises(RuntimeError, match="Working outside of application context"):
        current_app.config  # noqa: B018
    with pytest.raises(RuntimeError, match="Working outside of application context"):
        current_database()


def test_the_dashboard_counts_each_app_in_its_own_context(site):
    portal_app = mounted_app(site, "portal")
    pushed = []

    def record(sender, **extra):
        pushed.append((sender.config["APP_NAME"], has_request_context()))

    with appcontext_pushed.connected_to(record), portal_app.app_context():
        counts = gather_counts()
        assert current_app.config["APP_NAME"] == "portal"
    assert pushed == [("portal", False), ("auth", False), ("todo", False), ("message", False)]
    assert counts == {"Users": 0, "Todos": 0, "Messages": 0}


def test_sixteen_threads_each_see_their_own_user_and_app(live_server):
    mounts = {"/": "Home", "/auth/": "Account", "/todo/": "Todo", "/message/": "Messages"}
    failures = []
    ready = threading.Barrier(16)

    def visit_as(number):
        opener = browser_like_opener()
        username = f"thread{number:02d}"
        register_over_http(opener, live_server.url, username)
        ready.wait(timeout=30)
        for round_number in range(5):
            for path, title in mounts.items():
                with opener.open(live_server.url + path, timeout=10) as response:
                    page = response.read().decode()
                if f">{username}</a>" not in page or f'aria-current="page">{title}<' not in page:
                    failures.append((username, round_number, path))

    threads = [threading.Thread(target=visit_as, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []
