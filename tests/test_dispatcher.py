"""The mounts: which app answers which path, prefixes, links between apps, WSGI."""

import re
from wsgiref.validate import validator

import pytest
from flask import jsonify
from flask import redirect
from flask import request
from flask import url_for
from werkzeug.test import Client

from apps.common.mounts import url_for_app
from dispatcher import create_dispatcher
from tests.conftest import create_test_site
from tests.conftest import mounted_app

CURRENT_APP_TITLE = re.compile(r'aria-current="page">([^<]+)</a>')


def answering_app(response):
    """The title of the app that rendered a page (its tab is marked current)."""
    return CURRENT_APP_TITLE.search(response.get_data(as_text=True)).group(1)


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/no-such-page", "Home"),
        ("/auth/no-such-page", "Account"),
        ("/todo/no-such-page", "Todo"),
        ("/message/no-such-page", "Messages"),
        ("/todox", "Home"),
        ("/todox/no-such-page", "Home"),
        ("/messages/no-such-page", "Home"),
        ("/auth/todo/no-such-page", "Account"),
    ],
)
def test_each_prefix_reaches_its_app_on_segment_boundaries(site, path, title):
    response = Client(site).get(path)
    assert response.status_code == 404
    assert answering_app(response) == title


@pytest.mark.parametrize("prefix", ["/auth", "/todo", "/message"])
def test_a_mount_without_trailing_slash_redirects_to_it(site, prefix):
    response = Client(site).get(prefix)
    assert response.status_code == 308
    assert response.headers["Location"] == f"http://localhost{prefix}/"


def test_unknown_path_is_the_portals_404_page_with_security_headers(site):
    response = Client(site).get("/nowhere/at/all")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "<h1>Page not found</h1>" in page
    assert '<link rel="stylesheet" href="/static/common/style.css">' in page
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_the_stylesheet_is_served_under_every_mount(site):
    client = Client(site)
    for prefix in ["", "/auth", "/todo", "/message"]:
        response = client.get(f"{prefix}/static/common/style.css")
        assert response.status_code == 200
        assert response.mimetype == "text/css"
        response.close()


def add_probe(app):
    """A route that shows what the mounted app sees of its own URLs."""

    @app.get("/probe/<word>")
    def probe(word):
        return jsonify(
            path=request.path,
            script_root=request.script_root,
            own_url=url_for("probe", word="other"),
            login_url=url_for_app("auth", "auth.login", next=request.full_path),
            home_url=url_for_app("portal", "portal.index"),
        )

    @app.get("/probe-redirect")
    def probe_redirect():
        return redirect(url_for("probe", word="redirected"))


def test_inside_a_mount_url_for_carries_the_prefix_and_request_path_does_not(site):
    add_probe(mounted_app(site, "todo"))
    client = Client(site)

    seen = client.get("/todo/probe/first?x=1").json
    assert seen["path"] == "/probe/first"
    assert seen["script_root"] == "/todo"
    assert seen["own_url"] == "/todo/probe/other"
    assert seen["login_url"] == "/auth/login?next=/probe/first?x%3D1"
    assert seen["home_url"] == "/"

    response = client.get("/todo/probe-redirect")
    assert response.status_code == 302
    assert response.headers["Location"] == "/todo/probe/redirected"


def test_cross_app_helper_builds_the_login_url_from_inside_a_todo_request(site):
    todo_app = mounted_app(site, "todo")
    with todo_app.test_request_context("/", base_url="http://localhost/todo"):
        assert request.script_root == "/todo"
        assert url_for_app("auth", "auth.login", next="/todo/") == "/auth/login?next=/todo/"
        assert url_for_app("todo", "todo.index") == "/todo/"


def test_cross_app_helper_refuses_an_app_that_is_not_mounted(site):
    from werkzeug.routing import BuildError

    with mounted_app(site, "todo").test_request_context("/"), pytest.raises(BuildError):
        url_for_app("calendar", "calendar.index")


def test_behind_a_proxy_with_a_prefix_links_and_redirects_carry_it(databases):
    site = create_test_site(databases, PROXY_FIX_X_PREFIX=1)
    add_probe(mounted_app(site, "todo"))
    client = Client(site)
    edge = {"X-Forwarded-Prefix": "/edge"}

    seen = client.get("/todo/probe/first", headers=edge).json
    assert seen["script_root"] == "/edge/todo"
    assert seen["own_url"] == "/edge/todo/probe/other"
    assert seen["login_url"].startswith("/edge/auth/login?next=")
    assert seen["home_url"] == "/edge/"

    assert client.get("/todo/probe-redirect", headers=edge).headers["Location"] == (
        "/edge/todo/probe/redirected"
    )
    assert client.get("/todo", headers=edge).headers["Location"] == "http://localhost/edge/todo/"
    page = client.get("/todo/missing", headers=edge).get_data(as_text=True)
    assert 'href="/edge/message/"' in page
    assert 'href="/edge/static/common/style.css"' not in page
    assert 'href="/edge/todo/static/common/style.css"' in page


def test_without_proxy_fix_forwarded_headers_are_ignored(site):
    add_probe(mounted_app(site, "todo"))
    seen = Client(site).get("/todo/probe/x", headers={"X-Forwarded-Prefix": "/edge"}).json
    assert seen["script_root"] == "/todo"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),
        ("/healthz", 200),
        ("/auth/login", 200),
        ("/auth/", 302),
        ("/todo/", 302),
        ("/message/", 200),
        ("/message/stream?last_id=0", 200),
        ("/nowhere", 404),
    ],
)
def test_the_whole_callable_is_valid_wsgi(databases, path, status):
    site = create_test_site(databases, message={"MESSAGE_STREAM_MAX_SECONDS": 0})
    response = Client(validator(site)).get(path)
    assert response.status_code == status
    response.get_data()
    response.close()


def test_untrusted_host_is_a_400(site):
    response = Client(site).get("/", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "Bad Request" in response.get_data(as_text=True)


def test_trusted_hosts_come_from_configuration(databases):
    site = create_test_site(databases, TRUSTED_HOSTS=["shop.example"])
    client = Client(site)
    assert client.get("/", headers={"Host": "shop.example"}).status_code == 200
    assert client.get("/", headers={"Host": "localhost"}).status_code == 400


def test_module_level_application_is_a_dispatcher():
    import dispatcher

    names = list(dispatcher.application.extensions["mount_table"])
    assert names == ["portal", "auth", "todo", "message"]
    assert create_dispatcher().extensions["mount_table"]["todo"].prefix == "/todo"


@pytest.mark.parametrize(
    ("name", "path", "status"),
    [("portal", "/", 200), ("auth", "/login", 200), ("todo", "/", 401), ("message", "/", 200)],
)
def test_each_app_alone_answers_through_its_own_test_client(databases, name, path, status):
    import importlib

    from tests.conftest import app_test_config
    from tests.conftest import create_tables

    app = importlib.import_module(f"apps.{name}").create_app(app_test_config(databases, name))
    create_tables(app)
    response = app.test_client().get(path)
    assert response.status_code == status
    assert f'aria-current="page">{name.capitalize()}</a>' in response.get_data(as_text=True)


def test_a_post_without_a_session_logs_in_and_returns_to_the_apps_start_page(site):
    client = Client(site)
    response = client.post("/todo/7/toggle")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=/todo/"
    anonymous_get = client.get("/todo/?show=done")
    assert anonymous_get.headers["Location"] == "/auth/login?next=/todo/?show%3Ddone"
