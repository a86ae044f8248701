"""The queries the dispatcher relies on, and what the rows look like."""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy import text

from apps.auth.models import add_user
from apps.auth.models import count_users
from apps.auth.models import db
from apps.auth.models import delete_account
from apps.auth.models import find_session_user
from apps.auth.models import get_user_by_username
from apps.auth.signals import account_deleting
from apps.common.db import MAX_ROW_ID
from apps.common.identity import CurrentUser

from .conftest import PASSWORD
from .conftest import logged_in_as
from .conftest import usernames


def test_find_session_user_accepts_only_the_current_version(app):
    with app.app_context():
        user = add_user("Alice", PASSWORD)
        assert find_session_user(user.id, user.session_version) == CurrentUser(user.id, "Alice")
        assert find_session_user(user.id, user.session_version - 1) is None
        assert find_session_user(user.id + 1, user.session_version) is None
        assert find_session_user(MAX_ROW_ID + 1, user.session_version) is None
        assert find_session_user(0, user.session_version) is None


def test_count_and_find_users_by_name_in_any_case(app):
    with app.app_context():
        assert count_users() == 0
        add_user("Alice", PASSWORD)
        add_user("bob", PASSWORD)
        assert count_users() == 2
        assert get_user_by_username("ALICE").username == "Alice"
        assert get_user_by_username("carol") is None


def test_add_user_returns_none_for_a_taken_name_and_leaves_the_session_usable(app):
    with app.app_context():
        assert add_user("alice", PASSWORD) is not None
        assert add_user("ALICE", PASSWORD) is None
        assert add_user("bob", PASSWORD) is not None
    assert usernames(app) == ["alice", "bob"]


def test_new_users_start_at_unpredictable_session_versions(app):
    with app.app_context():
        versions = {add_user(f"user{number}", PASSWORD).session_version for number in range(5)}
    assert len(versions) > 1


def test_created_at_is_aware_utc_and_recent(app):
    with app.app_context():
        add_user("alice", PASSWORD)
        db.session.expire_all()
        created = get_user_by_username("alice").created_at
    assert created.tzinfo is not None
    assert created.utcoffset() == timedelta(0)
    assert datetime.now(UTC) - created < timedelta(minutes=1)


def test_delete_account_rolls_back_when_a_receiver_raises(app):
    def refuse(sender, user_id, **extra):
        raise RuntimeError("cannot delete the todos")

    account_deleting.connect(refuse, sender=app)
    with app.app_context():
        user = add_user("alice", PASSWORD)
        with pytest.raises(RuntimeError):
            delete_account(user)
        assert count_users() == 1


def test_ids_of_deleted_users_are_never_reused(app, client, auth):
    # An old cookie names a user id: a new account must never inherit it.
    auth.register("alice")
    copied = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    assert client.post("/delete", data={"password": PASSWORD}).status_code == 302
    auth.register("bob")
    with app.app_context():
        old_id = get_user_by_username("bob").id - 1
        assert old_id >= 1

    replay = app.test_client()
    replay.set_cookie(app.config["SESSION_COOKIE_NAME"], copied)
    assert logged_in_as(replay) is None


def test_init_db_command_creates_the_tables(app, runner):
    with app.app_context():
        db.drop_all()
        # The version table too: init-db upgrades a database from where it says it is.
        db.session.execute(text("DROP TABLE alembic_version_auth"))
        db.session.commit()
    result = runner.invoke(args=["init-db"])
    assert result.output == "Initialized the auth database.\n"
    with app.app_context():
        assert count_users() == 0
