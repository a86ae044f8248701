"""Registering, logging in and out, and the session cookie they leave."""

import re
import threading
import time

import pytest
from flask import json
from itsdangerous import URLSafeTimedSerializer

from apps.auth.models import get_user_by_username

from .conftest import PASSWORD
from .conftest import AuthActions
from .conftest import logged_in_as
from .conftest import stored_user
from .conftest import usernames


def session_cookie_payload(app, client):
    """The data inside the signed session cookie, as the server would read it."""
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    serializer = app.session_interface.get_signing_serializer(app)
    assert isinstance(serializer, URLSafeTimedSerializer)
    return serializer.loads(cookie.value)


def test_register_page_shows_the_form(client):
    response = client.get("/register")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for name in ("username", "password", "confirm"):
        assert f'name="{name}"' in page


def test_register_stores_a_scrypt_hash_and_logs_in(app, client, auth):
    response = auth.register()
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    user = stored_user(app)
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash
    assert logged_in_as(client) == "alice"


def test_register_follows_a_safe_next(auth):
    response = auth.register(next="/todo/?show=open")
    assert response.headers["Location"] == "/todo/?show=open"


@pytest.mark.parametrize(
    ("username", "password", "confirm", "message"),
    [
        ("", PASSWORD, PASSWORD, "Choose a username."),
        ("al", PASSWORD, PASSWORD, "Use 3 to 32 characters."),
        ("a" * 33, PASSWORD, PASSWORD, "Use 3 to 32 characters."),
        ("ali ce", PASSWORD, PASSWORD, "Use only letters a to z"),
        ("élodie", PASSWORD, PASSWORD, "Use only letters a to z"),
        ("alice<b>", PASSWORD, PASSWORD, "Use only letters a to z"),
        ("alice\n", PASSWORD, PASSWORD, None),
        ("alice", "", "", "Choose a password."),
        ("alice", "short12", "short12", "Use at least 8 characters."),
        ("alice", "x" * 257, "x" * 257, "Use at most 256 characters."),
        ("alice", "Password1", "Password1", "one of the most common"),
        ("alice", "QWERTYUIOP", "QWERTYUIOP", "one of the most common"),
        ("alice", PASSWORD, PASSWORD + "!", "The two passwords are not the same."),
    ],
)
def test_register_refuses_bad_input(app, auth, username, password, confirm, message):
    response = auth.register(username, password, confirm)
    if message is None:
        # Surrounding whitespace is forgiven: "alice\n" registers as "alice".
        assert response.status_code == 302
        assert usernames(app) == ["alice"]
        return
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert usernames(app) == []


def test_passwords_may_be_any_unicode_and_are_never_truncated(client, auth):
    long_password = "ünïcödé 密码 🔑 " * 16  # 240 characters, far past bcrypt's 72 bytes
    assert auth.register("alice", long_password).status_code == 302
    auth.logout()
    assert auth.login("alice", long_password[:72]).status_code == 400
    assert auth.login("alice", long_password[:-1]).status_code == 400
    assert auth.login("alice", long_password).status_code == 302
    assert logged_in_as(client) == "alice"


def test_a_256_character_password_is_accepted(auth):
    assert auth.register("alice", "z" * 255 + "!").status_code == 302


def test_usernames_are_unique_whatever_their_case(app, auth, client):
    assert auth.register("Alice").status_code == 302
    auth.logout()

    response = auth.register("aLICE")

    assert response.status_code == 400
    assert "That username is taken." in response.get_data(as_text=True)
    assert usernames(app) == ["Alice"]
    assert logged_in_as(client) is None


def test_racing_registrations_give_one_account_and_one_form_error(make_app):
    # Two app instances on one database: two worker processes, as far as the
    # database can tell. Both may find the name free; the constraint decides.
    first = make_app()
    second = make_app(SQLALCHEMY_DATABASE_URI=first.config["SQLALCHEMY_DATABASE_URI"])
    for round_number in range(4):
        name = f"racer{round_number}"
        start = threading.Barrier(2)
        statuses = []

        def register(app, name=name, start=start, statuses=statuses):
            client = app.test_client()
            start.wait()
            statuses.append(AuthActions(client).register(name.upper()).status_code)

        threads = [threading.Thread(target=register, args=(app,)) for app in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == [302, 400]
    assert len(usernames(first)) == 4


def test_login_page_carries_next_in_a_hidden_field(client):
    page = client.get("/login?next=/todo/").get_data(as_text=True)
    assert 'name="next" type="hidden" value="/todo/"' in page


def test_login_logs_in_and_goes_to_the_account_page(client, auth):
    auth.register()
    auth.logout()
    response = auth.login("ALICE")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert logged_in_as(client) == "alice"


def test_login_starts_a_fresh_session(client, auth):
    auth.register()
    auth.logout()
    with client.session_transaction() as session:
        session["planted_by_attacker"] = "fixation"
    auth.login()
    with client.session_transaction() as session:
        assert "planted_by_attacker" not in session


def test_session_cookie_holds_only_the_user_id_version_and_login_time(app, client, auth):
    auth.register()
    auth.logout()
    before = int(time.time())
    auth.login()
    payload = session_cookie_payload(app, client)
    user = stored_user(app)
    assert before <= payload.pop("logged_in_at") <= time.time()
    assert payload == {
        "user_id": user.id,
        "session_version": user.session_version,
        "_permanent": True,
    }
    assert "alice" not in json.dumps(payload)


def test_unknown_user_and_wrong_password_look_the_same(client, auth):
    auth.register()
    auth.logout()
    client.get("/login")  # shows the "logged out" message, so neither answer does

    wrong_password = auth.login("alice", "not the password")
    unknown_user = auth.login("mallory", "not the password")

    assert wrong_password.status_code == unknown_user.status_code == 400
    for response in (wrong_password, unknown_user):
        page = response.get_data(as_text=True)
        assert "Wrong username or password." in page
        assert "taken" not in page
    other_page = without_csrf_tokens(unknown_user.get_data(as_text=True))
    assert other_page.replace("mallory", "alice") == without_csrf_tokens(
        wrong_password.get_data(as_text=True)
    )


def without_csrf_tokens(page):
    """The page with its CSRF tokens blanked: they carry the second they were made."""
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', page)


def test_login_refuses_empty_fields(client):
    response = client.post("/login", data={"username": " ", "password": ""})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter your username." in page
    assert "Enter your password." in page


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "https://evil.example",
        "http://evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
        "evil.example",
        "",
    ],
)
def test_login_never_leads_off_site(auth, target):
    auth.register()
    auth.logout()
    response = auth.login(next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_follows_a_next_on_this_site(auth):
    auth.register()
    auth.logout()
    response = auth.login(next="/message/?page=2")
    assert response.headers["Location"] == "/message/?page=2"


def test_logout_is_post_only(client, auth):
    auth.register()
    assert client.get("/logout").status_code == 405
    assert logged_in_as(client) == "alice"


def test_logout_ends_the_session(client, auth):
    auth.register()
    response = auth.logout()
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert logged_in_as(client) is None


def test_a_cookie_copied_before_logout_no_longer_logs_in(app, client, auth):
    auth.register()
    copied = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    auth.logout()

    replay = app.test_client()
    replay.set_cookie(app.config["SESSION_COOKIE_NAME"], copied)

    assert logged_in_as(replay) is None


def test_logout_ends_the_users_sessions_in_other_browsers(app, auth):
    auth.register()
    laptop = app.test_client()
    AuthActions(laptop).login()
    assert logged_in_as(laptop) == "alice"
    auth.logout()
    assert logged_in_as(laptop) is None


def test_account_page_needs_a_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/"


def test_account_page_shows_the_user_and_the_day_they_joined(app, client, auth):
    auth.register()
    page = client.get("/").get_data(as_text=True)
    with app.app_context():
        joined = get_user_by_username("alice").created_at
    assert "<dd>alice</dd>" in page
    assert f"{joined:%B} {joined.day}, {joined.year}</time>" in page
    assert 'href="/password"' in page
    assert 'action="/delete"' in page


def test_account_deletion_is_once_and_at_the_bottom(client, auth):
    auth.register()
    page = client.get("/").get_data(as_text=True)
    assert page.count("Delete") == 1  # the button; the title says "delete your account"
    sections = page.split("<section")
    assert 'id="delete-account"' in sections[-1]
    assert "Danger zone: delete your account" in sections[-1]


@pytest.mark.parametrize("username", ["al\x00ice", "ali\x1bce", "alice\x7f"])
def test_a_control_character_in_the_login_username_is_a_form_error(client, username):
    response = client.post("/login", data={"username": username, "password": "whatever it is"})
    assert response.status_code == 400
    assert "Usernames are letters, digits" in response.get_data(as_text=True)
