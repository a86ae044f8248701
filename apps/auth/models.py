"""Accounts and failed logins, and the queries the views and the dispatcher need.

Every function here runs inside the auth app's context, where ``db.session`` is
bound to auth's database. The dispatcher calls ``find_session_user``,
``count_users``, ``get_user_by_username`` and ``delete_account`` from other apps'
requests and commands after pushing auth's app context.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from typing import ClassVar

from flask import current_app
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import BigInteger
from sqlalchemy import String
from sqlalchemy import bindparam
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from apps.common.db import MAX_ROW_ID
from apps.common.db import READ_ONLY
from apps.common.db import UTCDateTime
from apps.common.db import read_only_connection
from apps.common.db import utc_now
from apps.common.identity import CurrentUser

from .passwords import hash_password
from .passwords import password_matches
from .passwords import unknown_user_check
from .signals import account_deleting

USERNAME_MAX_LENGTH = 32


class Base(DeclarativeBase):
    """The auth app's own metadata: ``create_all`` here makes only auth's tables."""


db = SQLAlchemy(model_class=Base)


def new_session_version() -> int:
    """A random first version, so a recreated database never revives an old cookie."""
    return secrets.randbelow(2**31) + 1


class User(db.Model):
    """An account. ``username_key`` is the lowercase name that makes names unique."""

    __tablename__ = "users"
    # Never reuse the id of a deleted user on SQLite: old cookies name ids.
    __table_args__: ClassVar[dict[str, Any]] = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX_LENGTH))
    username_key: Mapped[str] = mapped_column(String(USERNAME_MAX_LENGTH), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    session_version: Mapped[int] = mapped_column(BigInteger, default=new_session_version)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class LoginFailure(db.Model):
    """One failed login, counted under a key such as ``user:alice`` or ``address:10.0.0.1``."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), index=True)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, index=True)


# Built once: the statement every logged-in request runs.
SESSION_USERNAME = select(User.__table__.c.username).where(
    User.__table__.c.id == bindparam("user_id"),
    User.__table__.c.session_version == bindparam("session_version"),
)


def find_session_user(user_id: int, session_version: int) -> CurrentUser | None:
    """The user a session cookie names, or None when that session has ended.

    Runs on every request of a logged-in user, so it reads the one column it needs
    through a plain connection: no ORM object, no session, never a write lock.
    """
    if not 0 < user_id <= MAX_ROW_ID:
        return None
    with read_only_connection(db) as connection:
        username = connection.execute(
            SESSION_USERNAME, {"user_id": user_id, "session_version": session_version}
        ).scalar()
    return None if username is None else CurrentUser(id=user_id, username=username)


def count_users() -> int:
    """How many accounts exist."""
    return db.session.scalar(select(func.count()).select_from(User)) or 0


def get_user_by_username(username: str) -> User | None:
    """The user called ``username``, whatever its case."""
    return db.session.scalar(select(User).filter_by(username_key=username.lower()))


def add_user(username: str, password: str) -> User | None:
    """Create and commit an account; None when the name is taken (even by a racing request)."""
    password_hash = hash_password(password)
    user = User(username=username, username_key=username.lower(), password_hash=password_hash)
    db.session.add(user)
    try:
        # The unique constraint, not an earlier lookup, decides: two requests can
        # both find a name free, but only one insert can commit.
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return user


@dataclass(frozen=True)
class Credentials:
    """What a password check needs, copied out of the row so no transaction stays open."""

    id: int
    username: str
    password_hash: str
    session_version: int


def read_credentials(user: User | None) -> Credentials | None:
    """A detached copy of ``user``'s credentials."""
    if user is None:
        return None
    return Credentials(user.id, user.username, user.password_hash, user.session_version)


def start_read() -> None:
    """Start the session's work as a read that takes no lock (call before its first query).

    A POST to auth would otherwise begin with SQLite's ``BEGIN IMMEDIATE``: every
    login's first read would queue for the write lock behind the others' writes.
    """
    db.session.connection(execution_options={READ_ONLY: True})


def end_transaction() -> None:
    """End the open read, so a slow hash that follows holds no lock of auth's database.

    On SQLite a POST's transaction holds the write lock: hashing inside it would
    make every other login wait for this one's scrypt.
    """
    db.session.rollback()


def credentials_match(credentials: Credentials | None, password: str) -> bool:
    """Whether ``password`` is right; unknown names take as long as wrong passwords."""
    if credentials is None:
        unknown_user_check(password)
        return False
    return password_matches(credentials.password_hash, password)


def end_all_sessions(user: User) -> None:
    """Make every cookie of ``user`` stale: the identity layer compares versions."""
    user.session_version += 1


def change_password(user_id: int, new_password_hash: str) -> User | None:
    """Store a new password hash and end every session of the user; commits."""
    user = db.session.get(User, user_id)
    if user is None:
        return None
    user.password_hash = new_password_hash
    end_all_sessions(user)
    db.session.commit()
    return user


def delete_account(user: User) -> None:
    """Delete ``user`` and, through the signal's receivers, all they own; all or nothing."""
    user_id = user.id
    try:
        db.session.delete(user)
        db.session.flush()
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        account_deleting.send(app, user_id=user_id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
