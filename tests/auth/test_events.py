"""Account events are logged, one line each, with username and address, never secrets."""

import logging

import pytest

from .conftest import PASSWORD
from .conftest import AuthActions

NEW_PASSWORD = "a brand new secret"


@pytest.fixture
def events(caplog):
    """The lines of the auth event log."""
    caplog.set_level(logging.INFO, logger="apps.auth.events")
    return lambda: [r.getMessage() for r in caplog.records if r.name == "apps.auth.events"]


def client_at(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def assert_secret_free(lines, client):
    cookie = client.get_cookie("dispatcher_session")
    for line in lines:
        assert PASSWORD not in line
        assert NEW_PASSWORD not in line
        assert "wrong password" not in line
        assert cookie is None or cookie.value not in line


def test_login_success_failure_throttling_and_logout_are_logged(make_app, events):
    app = make_app(LOGIN_FAILURE_LIMIT_PER_PAIR=1)
    client = client_at(app, "192.0.2.7")
    auth = AuthActions(client)
    auth.register()
    auth.logout()
    auth.login("alice", "wrong password")
    auth.login("alice", PASSWORD)
    other = AuthActions(client_at(app, "192.0.2.8"))
    other.login("alice", PASSWORD)
    other.logout()

    assert events() == [
        "registered username='alice' address='192.0.2.7'",
        "logout username='alice' address='192.0.2.7'",
        "login-failed username='alice' address='192.0.2.7'",
        "login-throttled username='alice' address='192.0.2.7' retry_after=900",
        "login username='alice' address='192.0.2.8'",
        "logout username='alice' address='192.0.2.8'",
    ]
    assert_secret_free(events(), client)


def test_password_changes_and_account_deletion_are_logged(app, events):
    client = client_at(app, "192.0.2.9")
    AuthActions(client).register()
    form = {"current": "wrong password", "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert client.post("/password", data=form).status_code == 400
    form["current"] = PASSWORD
    assert client.post("/password", data=form).status_code == 302
    assert client.post("/delete", data={"password": NEW_PASSWORD}).status_code == 302

    assert events()[1:] == [
        "password-wrong username='alice' address='192.0.2.9'",
        "password-changed username='alice' address='192.0.2.9'",
        "account-deleted username='alice' address='192.0.2.9'",
    ]
    assert_secret_free(events(), client)
