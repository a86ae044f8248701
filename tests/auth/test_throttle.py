"""Failed logins are counted in the database, per (username, address) pair and per username."""

from datetime import timedelta

import pytest

from apps.auth.models import LoginFailure
from apps.auth.models import db
from apps.auth.throttle import pair_key
from apps.auth.throttle import user_key
from apps.common.db import utc_now

from .conftest import PASSWORD
from .conftest import AuthActions
from .conftest import logged_in_as

LIMITS = {
    "LOGIN_FAILURE_LIMIT_PER_PAIR": 3,
    "LOGIN_FAILURE_LIMIT_PER_USER": 6,
    "LOGIN_FAILURE_WINDOW_SECONDS": 600,
}


@pytest.fixture
def app(make_app):
    return make_app(**LIMITS)


def client_at(app, address):
    """A client whose requests come from ``address``."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


@pytest.fixture
def alice(app):
    """An account, logged out."""
    actions = AuthActions(client_at(app, "192.0.2.1"))
    actions.register("alice")
    actions.logout()


def fail(app, username, address, times):
    for _ in range(times):
        response = AuthActions(client_at(app, address)).login(username, "wrong password")
        assert response.status_code == 400


def test_too_many_failures_from_one_address_give_429_with_retry_after(app, alice):
    fail(app, "alice", "198.51.100.1", 1)
    fail(app, "ALICE", "198.51.100.1", 2)
    client = client_at(app, "198.51.100.1")

    response = AuthActions(client).login("alice", PASSWORD)

    assert response.status_code == 429
    assert 590 <= int(response.headers["Retry-After"]) <= 600
    assert "Too many failed attempts" in response.get_data(as_text=True)
    assert logged_in_as(client) is None


def test_someone_elses_guesses_do_not_lock_the_owner_out(app, alice):
    fail(app, "alice", "198.51.100.66", 3)
    for _ in range(5):
        AuthActions(client_at(app, "198.51.100.66")).login("alice", "another guess")

    owner = AuthActions(client_at(app, "192.0.2.1")).login("alice", PASSWORD)
    attacker = AuthActions(client_at(app, "198.51.100.66")).login("alice", PASSWORD)

    assert owner.status_code == 302
    assert attacker.status_code == 429


def test_guesses_spread_over_addresses_reach_the_username_ceiling(app, alice):
    for number in range(6):
        fail(app, "alice", f"198.51.100.{number}", 1)

    response = AuthActions(client_at(app, "192.0.2.1")).login("alice", PASSWORD)

    assert response.status_code == 429
    assert "Retry-After" in response.headers


def test_failures_for_many_usernames_never_block_an_address(app, alice):
    for number in range(10):
        fail(app, f"guess{number}", "203.0.113.9", 1)

    response = AuthActions(client_at(app, "203.0.113.9")).login("alice", PASSWORD)

    assert response.status_code == 302


def test_a_throttled_attempt_is_not_counted_or_checked(app, alice):
    fail(app, "alice", "198.51.100.1", 3)
    for _ in range(3):
        AuthActions(client_at(app, "198.51.100.1")).login("alice", PASSWORD)
    with app.app_context(), app.test_request_context(environ_base={"REMOTE_ADDR": "198.51.100.1"}):
        assert db.session.query(LoginFailure).filter_by(key=pair_key("alice")).count() == 3
        assert db.session.query(LoginFailure).filter_by(key=user_key("alice")).count() == 3


def test_failures_older_than_the_window_do_not_count(app, alice):
    long_ago = utc_now() - timedelta(seconds=601)
    with app.app_context():
        for _ in range(10):
            db.session.add(LoginFailure(key=user_key("alice"), failed_at=long_ago))
        db.session.commit()
    assert AuthActions(client_at(app, "198.51.100.1")).login().status_code == 302


def test_a_successful_login_clears_the_pairs_count(app, alice):
    fail(app, "alice", "198.51.100.1", 2)
    assert AuthActions(client_at(app, "198.51.100.1")).login().status_code == 302
    fail(app, "alice", "198.51.100.1", 2)
    assert AuthActions(client_at(app, "198.51.100.1")).login().status_code == 302


def test_every_worker_sees_the_same_count(app, make_app, alice):
    # A second app on the same database stands for another worker process.
    other_worker = make_app(**LIMITS, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    fail(app, "alice", "198.51.100.1", 3)
    response = AuthActions(client_at(other_worker, "198.51.100.1")).login()
    assert response.status_code == 429


def test_the_limits_have_safe_defaults(make_app):
    config = make_app().config
    assert config["LOGIN_FAILURE_LIMIT_PER_PAIR"] == 5
    assert config["LOGIN_FAILURE_LIMIT_PER_USER"] == 100
    assert config["LOGIN_FAILURE_WINDOW_SECONDS"] == 900


@pytest.mark.parametrize(
    ("path", "field", "extra"),
    [
        ("/password", "current", {"new": "a brand new secret", "confirm": "a brand new secret"}),
        ("/delete", "password", {}),
    ],
)
def test_reentering_the_password_is_throttled_like_a_login(app, alice, path, field, extra):
    client = client_at(app, "192.0.2.9")
    AuthActions(client).login("alice", PASSWORD)
    for _ in range(3):
        assert client.post(path, data={field: "wrong password", **extra}).status_code == 400

    response = client.post(path, data={field: PASSWORD, **extra})

    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Too many wrong passwords" in response.get_data(as_text=True)
    assert logged_in_as(client) == "alice"
