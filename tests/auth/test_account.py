"""Changing the password and deleting the account, and CSRF on every form."""

import re

import pytest

from apps.auth.models import find_session_user
from apps.auth.signals import account_deleting

from .conftest import PASSWORD
from .conftest import AuthActions
from .conftest import logged_in_as
from .conftest import stored_user
from .conftest import usernames

NEW_PASSWORD = "staple gun orbit"


def change_password(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    form = {"current": current, "new": new, "confirm": new if confirm is None else confirm}
    return client.post("/password", data=form)


def test_password_page_needs_a_login(client):
    response = client.get("/password")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/password"


def test_changing_the_password_keeps_this_browser_and_ends_the_others(app, client, auth):
    auth.register()
    phone = app.test_client()
    AuthActions(phone).login()

    response = change_password(client)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert logged_in_as(client) == "alice"
    assert logged_in_as(phone) is None
    assert AuthActions(phone).login(password=PASSWORD).status_code == 400
    assert AuthActions(phone).login(password=NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("current", "new", "confirm", "msg"),
    [
        ("wrong password", NEW_PASSWORD, None, "That is not your current password."),
        ("", NEW_PASSWORD, None, "Enter your password."),
        (PASSWORD, "short", None, "Use at least 8 characters."),
        (PASSWORD, "iloveyou", None, "one of the most common"),
        (PASSWORD, NEW_PASSWORD, "something else", "The two passwords are not the same."),
    ],
)
def test_a_refused_password_change_changes_nothing(app, client, auth, current, new, confirm, msg):
    auth.register()
    before = stored_user(app)

    response = change_password(client, current, new, confirm)

    assert response.status_code == 400
    assert msg in response.get_data(as_text=True)
    after = stored_user(app)
    assert (after.password_hash, after.session_version) == (
        before.password_hash,
        before.session_version,
    )
    assert logged_in_as(client) == "alice"


def test_deleting_the_account_removes_it_and_logs_out(app, client, auth):
    auth.register()
    auth.register("bob")  # logs this client in as bob
    auth.logout()
    auth.login()

    response = client.post("/delete", data={"password": PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert usernames(app) == ["bob"]
    assert logged_in_as(client) is None
    assert "Your account and everything in it were deleted." in client.get("/login").text


def test_deleting_sends_the_signal_inside_auths_context(app, client, auth):
    auth.register()
    user_id = stored_user(app).id
    received = []

    def receiver(sender, user_id, **extra):
        # The row is deleted but not yet committed: the user is gone in this transaction.
        received.append((sender, user_id, find_session_user(user_id, 0)))

    account_deleting.connect(receiver, sender=app)
    client.post("/delete", data={"password": PASSWORD})

    assert received == [(app, user_id, None)]


@pytest.mark.parametrize(
    ("password", "message"),
    [("not my password", "That is not your password."), ("", "Enter your password.")],
)
def test_deleting_needs_the_password(app, client, auth, password, message):
    auth.register()
    response = client.post("/delete", data={"password": password})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert usernames(app) == ["alice"]
    assert logged_in_as(client) == "alice"


def test_when_a_receiver_fails_the_account_survives(app, client, auth):
    auth.register()

    def failing_receiver(sender, user_id, **extra):
        raise RuntimeError("the todo database is down")

    account_deleting.connect(failing_receiver, sender=app)
    response = client.post("/delete", data={"password": PASSWORD})

    assert response.status_code == 503
    assert "nothing was deleted" in response.get_data(as_text=True)
    assert "the todo database is down" not in response.get_data(as_text=True)
    assert usernames(app) == ["alice"]
    assert logged_in_as(client) == "alice"


def test_delete_is_post_only(client, auth):
    auth.register()
    assert client.get("/delete").status_code == 405


def csrf_token_from(page):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


@pytest.fixture
def csrf_client(make_app):
    """A browser-like client of an app that checks CSRF tokens."""
    return make_app(WTF_CSRF_ENABLED=True).test_client()


@pytest.mark.parametrize("path", ["/register", "/login", "/logout", "/password", "/delete"])
def test_every_form_refuses_a_post_without_a_csrf_token(csrf_client, path):
    form = {"username": "alice", "password": PASSWORD, "confirm": PASSWORD}
    response = csrf_client.post(path, data=form)
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_forms_work_with_the_token_from_their_page(csrf_client):
    token = csrf_token_from(csrf_client.get("/register").text)
    form = {"username": "alice", "password": PASSWORD, "confirm": PASSWORD, "csrf_token": token}
    assert csrf_client.post("/register", data=form).status_code == 302

    assert csrf_client.post("/logout").status_code == 400
    assert logged_in_as(csrf_client) == "alice"

    token = csrf_token_from(csrf_client.get("/").text)
    assert csrf_client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert logged_in_as(csrf_client) is None
