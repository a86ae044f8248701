"""Who is logged in: ``g.user`` for every request, and ``login_required``.

The auth app writes the user id and a session version into Flask's signed session
cookie. Every app reads that cookie; a *user loader* decides whether it still holds.
The dispatcher gives todo and message a loader that asks auth's database, so a
logout anywhere ends the session everywhere. An app running alone trusts the
signature only, which is enough for its own tests.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from typing import TypeVar

from flask import Flask
from flask import abort
from flask import current_app
from flask import g
from flask import redirect
from flask import request
from flask import session

from .mounts import is_mounted
from .mounts import url_for_app

USER_ID_KEY = "user_id"
SESSION_VERSION_KEY = "session_version"
LOGGED_IN_AT_KEY = "logged_in_at"
# The browser's choices, not the account's: kept when logging in or out.
PREFERENCE_KEYS = ("locale",)

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class CurrentUser:
    """The logged-in user as every app sees it."""

    id: int
    username: str


UserLoader = Callable[[int, int], CurrentUser | None]


def trust_signed_session(user_id: int, session_version: int) -> CurrentUser:
    """The loader of an app running alone: the signed cookie is all there is."""
    return CurrentUser(id=user_id, username=f"user {user_id}")


def set_user_loader(app: Flask, loader: UserLoader) -> None:
    """Make ``loader`` turn the session's user id and version into ``g.user``."""
    app.extensions["user_loader"] = loader


def load_logged_in_user() -> None:
    """Before each request: set ``g.user`` from the session, or ``None``."""
    g.user = None
    user_id = session.get(USER_ID_KEY)
    version = session.get(SESSION_VERSION_KEY)
    if not isinstance(user_id, int) or not isinstance(version, int):
        return
    if login_has_expired():
        clear_session_but_preferences()
        return
    loader = current_app.extensions.get("user_loader", trust_signed_session)
    g.user = loader(user_id, version)
    if g.user is None:
        # Logged out elsewhere, password changed, or account deleted.
        session.pop(USER_ID_KEY, None)
        session.pop(SESSION_VERSION_KEY, None)


def start_session(user_id: int, session_version: int) -> None:
    """Log a user in: a fresh session (no fixation) with id, version and the language."""
    clear_session_but_preferences()
    session[USER_ID_KEY] = user_id
    session[SESSION_VERSION_KEY] = session_version
    session[LOGGED_IN_AT_KEY] = int(time.time())
    session.permanent = True


def login_has_expired() -> bool:
    """Whether this login is older than ``SESSION_ABSOLUTE_LIFETIME_DAYS``.

    Responses keep renewing the cookie (apps.common.sessions), so its own expiry is
    only an idle timeout; the login time it carries caps the whole session. A session
    from before this check existed has no login time: its clock starts now.
    """
    logged_in_at = session.get(LOGGED_IN_AT_KEY)
    if not isinstance(logged_in_at, int):
        session[LOGGED_IN_AT_KEY] = int(time.time())
        return False
    days = float(current_app.config["SESSION_ABSOLUTE_LIFETIME_DAYS"])
    return time.time() - logged_in_at > days * 86400


def end_session() -> None:
    """Log out in this browser, for every mounted app (they share the cookie)."""
    clear_session_but_preferences()


def clear_session_but_preferences() -> None:
    """Empty the session except the preferences (the language) this browser chose."""
    kept = {key: session[key] for key in PREFERENCE_KEYS if key in session}
    session.clear()
    session.update(kept)


def login_url_for_current_page() -> str:
    """The auth app's login page, with ``next`` leading back here.

    After a POST (a form sent once the session had ended), "here" would answer the GET
    that follows the login with a 405: go back to the app's start page instead.
    """
    here = request.script_root + (request.path if request.method == "GET" else "/")
    if request.method == "GET" and request.query_string:
        here += "?" + request.query_string.decode("latin-1")
    return url_for_app("auth", "auth.login", next=here)


def login_required(view: F) -> F:
    """Send anonymous users to the login page, then back to where they were going."""

    @functools.wraps(view)
    def wrapped_view(**kwargs: Any) -> Any:
        if g.user is None:
            if not is_mounted("auth"):
                abort(401)
            return redirect(login_url_for_current_page())
        return view(**kwargs)

    return wrapped_view  # type: ignore[return-value]
