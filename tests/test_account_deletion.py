"""Deleting an account removes what the user owns in every app, or nothing at all."""

import pytest
from click.testing import CliRunner
from werkzeug.test import Client

from apps.message.models import count_messages
from apps.todo.models import count_todos
from dispatcher import cli
from tests.conftest import APP_NAMES
from tests.conftest import PASSWORD
from tests.conftest import mounted_app
from tests.conftest import registered_client


def register_with_content(site, username):
    """A user with two todos and one message, logged in on the returned client."""
    client = registered_client(site, username)
    for title in ("first", "second"):
        assert client.post("/todo/add", data={"title": f"{username} {title}"}).status_code == 302
    assert client.post("/message/", data={"content": f"hello from {username}"}).status_code == 302
    return client


def counts(site):
    with mounted_app(site, "todo").app_context():
        todos = count_todos()
    with mounted_app(site, "message").app_context():
        messages = count_messages()
    return todos, messages


def test_deleting_an_account_removes_its_todos_and_messages_only(site):
    alice = register_with_content(site, "alice")
    register_with_content(site, "bob")
    assert counts(site) == (4, 2)

    response = alice.post("/auth/delete", data={"password": PASSWORD})

    assert response.status_code == 302
    assert counts(site) == (2, 1)
    board = Client(site).get("/message/").get_data(as_text=True)
    assert "hello from bob" in board
    assert "hello from alice" not in board
    assert ">alice</a>" not in alice.get("/todo/", follow_redirects=True).get_data(as_text=True)


def test_when_one_app_cannot_delete_nothing_is_deleted(site):
    alice = register_with_content(site, "alice")
    message_app = mounted_app(site, "message")
    with message_app.app_context():
        message_app.extensions["sqlalchemy"].drop_all()

    response = alice.post("/auth/delete", data={"password": PASSWORD})

    assert response.status_code == 503
    assert "nothing was deleted" in response.get_data(as_text=True).lower()
    with mounted_app(site, "todo").app_context():
        assert count_todos() == 2
    page = alice.get("/todo/").get_data(as_text=True)
    assert ">alice</a>" in page
    assert "alice first" in page


@pytest.fixture
def site_on_environment(site, monkeypatch):
    """Point the CLI's own dispatcher at the test site's databases."""
    for name in APP_NAMES:
        app = mounted_app(site, name)
        monkeypatch.setenv(f"{name.upper()}_DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("FLASK_SECRET_KEY", site.config["SECRET_KEY"])
    return site


def test_delete_user_command_runs_the_same_cascade(site_on_environment):
    site = site_on_environment
    register_with_content(site, "alice")
    register_with_content(site, "bob")

    result = CliRunner().invoke(cli, ["delete-user", "ALICE", "--yes"])

    assert result.exit_code == 0, result.output
    assert result.output == "Deleted alice and everything alice owned.\n"
    assert counts(site) == (2, 1)


def test_delete_user_command_reports_an_unknown_user(site_on_environment):
    result = CliRunner().invoke(cli, ["delete-user", "nobody", "--yes"])
    assert result.exit_code == 1
    assert "No user named 'nobody'." in result.output


def test_stats_command_prints_the_dashboards_numbers(site_on_environment):
    site = site_on_environment
    register_with_content(site, "alice")

    result = CliRunner().invoke(cli, ["stats"])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Users     1",
        "Todos     2",
        "Messages  1",
        "portal    ok",
        "auth      ok",
        "todo      ok",
        "message   ok",
    ]


def test_dashboard_shows_the_numbers_to_a_logged_in_user(site):
    alice = register_with_content(site, "alice")
    page = alice.get("/").get_data(as_text=True)
    assert "<dt>Users</dt>" in page
    assert "<dd>1</dd>" in page
    assert "<dd>2</dd>" in page
    anonymous = Client(site).get("/").get_data(as_text=True)
    assert "Dashboard" not in anonymous
