"""Placeholder: the contract the dispatcher relies on (the auth issue fills it in)."""

from __future__ import annotations

from apps.common.identity import CurrentUser


def find_session_user(user_id: int, session_version: int) -> CurrentUser | None:
    """The user whose session this is, or None if it was ended (needs auth's context)."""
    return None


def count_users() -> int:
    """How many accounts exist (needs auth's app context)."""
    return 0
