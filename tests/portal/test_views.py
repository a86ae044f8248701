"""The portal: the landing page, /about and the health check."""

import re

from sqlalchemy import event
from werkzeug.test import Client

from apps.portal import create_app
from dispatcher import create_dispatcher
from tests.conftest import app_test_config
from tests.conftest import create_tables
from tests.conftest import mounted_app
from tests.conftest import registered_client
from tests.conftest import site_test_config


def test_landing_page_says_what_each_mounted_app_does(site):
    page = Client(site).get("/").get_data(as_text=True)
    for title, href in [("Account", "/auth/"), ("Todo", "/todo/"), ("Messages", "/message/")]:
        assert f'href="{href}"' in page
        assert f"<h2>{title}</h2>" in page
    assert "Read and post public messages; new ones appear as they arrive." in page
    assert "<h1>One account, 3 apps</h1>" in page
    for developer_words in ("WSGI", "<code>", "healthz"):
        assert developer_words not in page


def test_the_count_follows_the_mount_table(site):
    portal_app = mounted_app(site, "portal")
    table = portal_app.extensions["mount_table"]
    del table["message"]
    page = Client(site).get("/").get_data(as_text=True)
    assert "<h1>One account, 2 apps</h1>" in page
    assert 'href="/message/"' not in page


def test_the_portal_alone_lists_no_other_app(databases):
    app = create_app(app_test_config(databases, "portal"))
    response = app.test_client().get("/")
    assert response.status_code == 200
    assert "No apps are open on this site yet." in response.get_data(as_text=True)


def test_a_new_account_is_welcomed_and_a_returning_one_welcomed_back(site):
    client = registered_client(site, "alice")
    first = client.get("/").get_data(as_text=True)
    assert "<h1>Welcome, alice</h1>" in first
    assert "Welcome, alice! Your account is ready." in first  # the flash, once
    again = client.get("/").get_data(as_text=True)
    assert "<h1>Welcome back, alice</h1>" in again
    assert "Your account is ready" not in again


def test_the_dashboard_shows_numbers_but_no_health(site):
    client = registered_client(site, "alice")
    page = client.get("/").get_data(as_text=True)
    assert re.search(r"<dt>Users</dt>\s*<dd>1</dd>", page)
    assert re.search(r"<dt>Todos</dt>\s*<dd>0</dd>", page)
    assert "dot-ok" not in page


def test_about_lists_the_mounts_every_route_and_the_contexts_chapter(site):
    page = Client(site).get("/about").get_data(as_text=True)
    assert "<h1>About this site</h1>" in page
    for prefix in ("/", "/auth", "/todo", "/message"):
        assert f"<td><code>{prefix}</code></td>" in page
    for route in ("POST /auth/logout", "GET /todo/", "GET /message/stream", "GET /healthz"):
        assert f"<code>{route}</code>" in page
    assert "<td>ok</td>" in page
    assert '<a href="/about/contexts.md"><code>docs/contexts.md</code></a>' in page
    chapter = Client(site).get("/about/contexts.md")
    assert chapter.status_code == 200
    assert chapter.mimetype == "text/markdown"
    assert chapter.get_data(as_text=True).startswith("# Application contexts")
    assert Client(site).get("/about/README.md").status_code == 404


def test_about_links_the_chinese_chapter_for_chinese_readers(site):
    client = Client(site)
    page = client.get("/about", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert '<a href="/about/contexts.zh-CN.md">' in page
    chapter = client.get("/about/contexts.zh-CN.md").get_data(as_text=True)
    assert chapter.startswith("# 应用上下文与请求上下文")


def test_every_page_links_to_about(site):
    for path in ("/", "/auth/login", "/message/", "/no-such-page"):
        page = Client(site).get(path).get_data(as_text=True)
        assert '<a href="/about">About this site</a>' in page, path


def test_healthz_checks_every_database(site):
    response = Client(site).get("/healthz")
    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "apps": {"portal": "ok", "auth": "ok", "todo": "ok", "message": "ok"},
    }


def test_healthz_names_the_app_whose_database_is_down(databases, tmp_path):
    unreachable = f"sqlite:///{tmp_path}/no/such/folder/todo.sqlite"
    site = create_dispatcher(
        site_test_config(databases, todo={"SQLALCHEMY_DATABASE_URI": unreachable})
    )
    for name in ("auth", "message"):
        create_tables(mounted_app(site, name))
    response = Client(site).get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert response.json["apps"]["todo"] == "unavailable"
    assert response.json["apps"]["auth"] == "ok"


def test_healthz_names_the_app_whose_schema_is_behind_and_the_command(databases):
    site = create_dispatcher(site_test_config(databases))
    for name in ("auth", "message"):
        create_tables(mounted_app(site, name))
    response = Client(site).get("/healthz")
    assert response.status_code == 503
    assert response.json["apps"] == {
        "portal": "ok",
        "auth": "ok",
        "todo": "outdated",
        "message": "ok",
    }
    assert "todo" in response.json["fix"]
    assert "python dispatcher.py db upgrade" in response.json["fix"]


def test_healthz_only_probes_each_database_once_its_schema_was_found_current(site):
    client = Client(site)
    assert client.get("/healthz").status_code == 200
    # The probe's SELECT 1 goes straight to a pooled DBAPI connection (check_database):
    # SQLAlchemy sees it take the connection, and no statement of its own.
    checkouts = {name: 0 for name in ("auth", "todo", "message")}
    statements = {name: [] for name in checkouts}
    for name in checkouts:
        app = mounted_app(site, name)
        with app.app_context():
            engine = app.extensions["sqlalchemy"].engine

        def count_checkout(*args, name=name):
            checkouts[name] += 1

        def record(conn, cursor, statement, *args, seen=statements[name]):
            seen.append(statement)

        event.listen(engine, "checkout", count_checkout)
        event.listen(engine, "before_cursor_execute", record)
    assert client.get("/healthz").status_code == 200
    assert checkouts == {name: 1 for name in checkouts}
    assert statements == {name: [] for name in statements}


def test_healthz_reports_a_broken_pooled_connection_once_then_opens_a_new_one(site, caplog):
    client = Client(site)
    assert client.get("/healthz").status_code == 200
    todo = mounted_app(site, "todo")
    with todo.app_context():
        engine = todo.extensions["sqlalchemy"].engine

    def break_connection(dbapi_connection, *args):
        # Closed under the pool, as a restarted database server would leave it.
        dbapi_connection.close()

    event.listen(engine, "checkout", break_connection, once=True)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["apps"]["todo"] == "unavailable"
    assert client.get("/healthz").status_code == 200
    # Invalidated, not handed back: the pool never tried to reset the broken connection.
    assert [record.message for record in caplog.records if record.levelname == "ERROR"] == []
