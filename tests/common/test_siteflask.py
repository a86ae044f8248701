"""SiteFlask: Flask's ``ensure_sync``, with each synchronous function's answer kept."""

import gc

import flask.app
from flask import after_this_request

from apps.common.siteflask import SiteFlask


def counted_checks(monkeypatch):
    """The functions Flask asks ``iscoroutinefunction`` about from now on."""
    asked = []
    check = flask.app.iscoroutinefunction

    def counting_check(func):
        asked.append(func)
        return check(func)

    monkeypatch.setattr(flask.app, "iscoroutinefunction", counting_check)
    return asked


def test_a_plain_view_and_its_hooks_are_checked_once(monkeypatch):
    app = SiteFlask(__name__)
    app.add_url_rule("/", "index", lambda: "hello")
    app.before_request(lambda: None)
    asked = counted_checks(monkeypatch)
    client = app.test_client()

    assert [client.get("/").text for _ in range(3)] == ["hello"] * 3
    assert len(asked) == 2  # the view and the hook, on the first request only


def test_an_async_view_still_runs_through_flasks_async_to_sync(monkeypatch):
    app = SiteFlask(__name__)
    wrapped = []

    def run_to_end(func):
        """Run a coroutine that never waits, without an event loop (one may be running)."""
        wrapped.append(func)

        def run(*args, **kwargs):
            try:
                func(*args, **kwargs).send(None)
            except StopIteration as done:
                return done.value
            raise AssertionError("the view waited")

        return run

    # Flask's own async_to_sync needs asgiref (Flask's "async" extra).
    monkeypatch.setattr(app, "async_to_sync", run_to_end)

    @app.get("/")
    async def index():
        return "awaited"

    client = app.test_client()
    assert [client.get("/").text for _ in range(2)] == ["awaited"] * 2
    assert wrapped == [index, index]


def test_a_function_made_for_one_request_is_not_kept():
    app = SiteFlask(__name__)

    @app.get("/")
    def index():
        @after_this_request
        def add_header(response):
            response.headers["X-Made"] = "for this request"
            return response

        return "hello"

    client = app.test_client()
    answers = [client.get("/").headers["X-Made"] for _ in range(5)]
    gc.collect()

    assert answers == ["for this request"] * 5
    assert list(app.sync_functions) == [index]
