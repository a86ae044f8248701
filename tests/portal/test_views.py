"""The portal: the landing page and the health check."""

from sqlalchemy import event
from werkzeug.test import Client

from apps.portal import create_app
from dispatcher import create_dispatcher
from tests.conftest import app_test_config
from tests.conftest import create_tables
from tests.conftest import mounted_app
from tests.conftest import site_test_config


def test_landing_page_lists_every_mounted_app_with_a_line_about_it(site):
    page = Client(site).get("/").get_data(as_text=True)
    for title, href in [("Account", "/auth/"), ("Todo", "/todo/"), ("Messages", "/message/")]:
        assert f'href="{href}"' in page
        assert f"<h2>{title}</h2>" in page
    assert "A public board with live updates." in page


def test_the_portal_alone_lists_no_other_app(databases):
    app = create_app(app_test_config(databases, "portal"))
    response = app.test_client().get("/")
    assert response.status_code == 200
    assert "One site, 0 apps" in response.get_data(as_text=True)


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


def test_healthz_asks_each_database_one_select_once_its_schema_was_found_current(site):
    client = Client(site)
    assert client.get("/healthz").status_code == 200
    statements = {name: [] for name in ("auth", "todo", "message")}
    for name, seen in statements.items():
        app = mounted_app(site, name)
        with app.app_context():
            engine = app.extensions["sqlalchemy"].engine

        def record(conn, cursor, statement, *args, seen=seen):
            if not statement.startswith(("BEGIN", "ROLLBACK", "COMMIT")):
                seen.append(statement)

        event.listen(engine, "before_cursor_execute", record)
    assert client.get("/healthz").status_code == 200
    assert statements == {name: ["SELECT 1"] for name in statements}
