"""One sign-on for every mount, checked through the whole site (the dispatcher)."""

import re

from werkzeug.test import Client

from tests.conftest import registered_client

from .conftest import PASSWORD

COOKIE = "dispatcher_session"
APP_PAGES = ["/", "/auth/", "/todo/", "/message/"]
# Every page a logged-in user can GET, including error pages of each app.
ALL_PAGES = [
    *APP_PAGES,
    "/healthz",
    "/auth/password",
    "/auth/login",
    "/auth/register",
    "/auth/static/auth.css",
    "/todo/static/common/style.css",
    "/no-such-page",
    "/auth/no-such-page",
    "/todo/no-such-page",
    "/message/no-such-page",
    "/auth/logout",
]


def nav_user(client, path):
    """The username in the navigation bar of ``path``, following redirects, or None."""
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    found = re.search(r'<a class="user" href="/auth/">([^<]+)</a>', page)
    return found.group(1) if found else None


def log_in(site, username="alice"):
    """Another browser, logged in to an existing account."""
    client = Client(site)
    response = client.post("/auth/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_logging_in_at_auth_shows_the_user_in_every_app(site):
    registered_client(site, "alice").post("/auth/logout")
    client = log_in(site)
    for path in APP_PAGES:
        assert nav_user(client, path) == "alice", path


def test_logging_out_at_auth_logs_out_of_every_app(site):
    client = registered_client(site, "alice")
    assert client.post("/auth/logout").headers["Location"] == "/auth/login"
    for path in APP_PAGES:
        assert nav_user(client, path) is None, path
    response = client.get("/todo/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=/todo/"


def test_a_login_that_started_in_todo_ends_in_todo(site):
    registered_client(site, "alice").post("/auth/logout")
    client = Client(site)
    login_url = client.get("/todo/").headers["Location"]
    response = client.post(login_url, data={"username": "alice", "password": PASSWORD})
    assert response.headers["Location"] == "/todo/"


def test_walking_every_page_keeps_the_user_logged_in_everywhere(site):
    client = registered_client(site, "alice")
    refreshed = 0
    for path in ALL_PAGES:
        response = client.get(path)
        response.close()  # static files are streamed from an open file
        for cookie in response.headers.getlist("Set-Cookie"):
            refreshed += 1
            # A mount may refresh the shared cookie, but never another one or a deletion.
            assert cookie.startswith(f"{COOKIE}="), (path, cookie)
            assert "Path=/;" in cookie or cookie.endswith("Path=/"), (path, cookie)
            assert "Max-Age=0" not in cookie and "1970" not in cookie, (path, cookie)
    assert refreshed > 0  # the permanent session is re-sent: the check above has work
    for path in APP_PAGES:
        assert nav_user(client, path) == "alice", path


def test_a_cookie_copied_before_logout_logs_nobody_in_anywhere(site):
    client = registered_client(site, "alice")
    copied = client.get_cookie(COOKIE).value
    client.post("/auth/logout")

    replay = Client(site)
    replay.set_cookie(COOKIE, copied)

    for path in APP_PAGES:
        assert nav_user(replay, path) is None, path
    assert replay.get("/todo/").status_code == 302


def test_a_password_change_ends_the_users_other_sessions_in_every_app(site):
    laptop = registered_client(site, "alice")
    phone = log_in(site)
    form = {"current": PASSWORD, "new": "staple gun orbit", "confirm": "staple gun orbit"}
    assert laptop.post("/auth/password", data=form).status_code == 302
    for path in APP_PAGES:
        assert nav_user(laptop, path) == "alice", path
        assert nav_user(phone, path) is None, path


def test_other_users_sessions_are_untouched_by_a_logout(site):
    alice = registered_client(site, "alice")
    bob = registered_client(site, "bob")
    alice.post("/auth/logout")
    assert nav_user(bob, "/message/") == "bob"


def test_a_deleted_accounts_other_sessions_end_in_every_app(site):
    laptop = registered_client(site, "alice")
    phone = log_in(site)
    assert laptop.post("/auth/delete", data={"password": PASSWORD}).status_code == 302
    assert laptop.get("/auth/delete").status_code == 405
    for path in APP_PAGES:
        assert nav_user(phone, path) is None, path
