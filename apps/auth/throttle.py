"""Slow down password guessing: failed logins are counted in auth's database.

Counting in the database, not in process memory, means every worker process and
every host sees the same numbers. A failure counts twice: once for the pair of
username and client address (``request.remote_addr``, which ProxyFix corrects when
the site runs behind a configured proxy), and once for the username alone.

The pair limit is low: it stops one address guessing one account. The username
ceiling is much higher: it stops guessing spread over many addresses. Someone
guessing from elsewhere locks only their own pair, so the owner logging in from
their usual address is not shut out by it; only a guessing campaign big enough
to reach the ceiling is.
"""

from __future__ import annotations

import math
from datetime import timedelta

from flask import current_app
from flask import request
from sqlalchemy import delete
from sqlalchemy import select

from apps.common.db import utc_now

from .models import LoginFailure
from .models import db

THROTTLE_DEFAULTS = {
    "LOGIN_FAILURE_LIMIT_PER_PAIR": 5,
    "LOGIN_FAILURE_LIMIT_PER_USER": 100,
    "LOGIN_FAILURE_WINDOW_SECONDS": 900,
}
KEY_LENGTH = 100


def user_key(username: str) -> str:
    """The key failures of one username are counted under, whatever its case."""
    return f"user:{username.lower()}"


def pair_key(username: str) -> str:
    """The key failures of one username from this request's address are counted under."""
    address = request.remote_addr or "unknown"
    return f"pair:{username.lower()} {address}"[:KEY_LENGTH]


def throttle_keys(username: str) -> list[tuple[str, int]]:
    """Each key a login attempt is counted under, with its limit."""
    config = current_app.config
    return [
        (pair_key(username), int(config["LOGIN_FAILURE_LIMIT_PER_PAIR"])),
        (user_key(username), int(config["LOGIN_FAILURE_LIMIT_PER_USER"])),
    ]


def failure_window() -> timedelta:
    """How long a failure counts against its keys."""
    return timedelta(seconds=float(current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"]))


def seconds_until_allowed(username: str) -> int:
    """0 when a login for ``username`` may be tried now, else the seconds to wait."""
    now, window = utc_now(), failure_window()
    wait = 0
    for key, limit in throttle_keys(username):
        # The limit-th most recent failure: once it leaves the window, the count
        # drops below the limit again.
        blocking = db.session.scalar(
            select(LoginFailure.failed_at)
            .where(LoginFailure.key == key, LoginFailure.failed_at > now - window)
            .order_by(LoginFailure.failed_at.desc())
            .offset(max(limit, 1) - 1)
            .limit(1)
        )
        if blocking is not None:
            wait = max(wait, math.ceil((blocking + window - now).total_seconds()), 1)
    return wait


def record_failure(username: str) -> None:
    """Count a failed login for ``username`` and this address; forget expired ones."""
    now = utc_now()
    db.session.execute(delete(LoginFailure).where(LoginFailure.failed_at <= now - failure_window()))
    for key, _limit in throttle_keys(username):
        db.session.add(LoginFailure(key=key, failed_at=now))
    db.session.commit()


def forget_failures(username: str) -> None:
    """After a successful login this pair starts afresh (the username's ceiling does not)."""
    db.session.execute(delete(LoginFailure).where(LoginFailure.key == pair_key(username)))
