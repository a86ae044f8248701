"""Flask's signed cookie session, where a cookie that cannot be read is no session.

A cookie signed with the real key can still hold a payload the code cannot use:
written by an older version, or by a bug. Such a session starts empty instead of
failing every request of that browser with a 500.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask import Request
from flask.sessions import SecureCookieSession
from flask.sessions import SecureCookieSessionInterface

FLASHES_KEY = "_flashes"
CSRF_TOKEN_KEY = "csrf_token"


def is_readable(data: Any) -> bool:
    """Whether ``data`` has the shape every reader of the session expects."""
    if not isinstance(data, dict):
        return False
    flashes = data.get(FLASHES_KEY, [])
    if not isinstance(flashes, list) or not all(map(is_flash, flashes)):
        return False
    return isinstance(data.get(CSRF_TOKEN_KEY, ""), str)


def is_flash(item: Any) -> bool:
    """A flashed message is a (category, message) pair of strings."""
    return (
        isinstance(item, (tuple, list))
        and len(item) == 2
        and all(isinstance(part, str) for part in item)
    )


class TolerantSessionInterface(SecureCookieSessionInterface):
    """Open the session as Flask does; anything unreadable opens as empty."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """The session in the request's cookie, or an empty one."""
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data = serializer.loads(value, max_age=max_age)
        except Exception:
            # A bad signature, an expired cookie, or a payload the tags cannot decode.
            return self.session_class()
        return self.session_class(data) if is_readable(data) else self.session_class()
