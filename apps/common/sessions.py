"""Flask's signed cookie session, where a cookie that cannot be read is no session.

A cookie signed with the real key can still hold a payload the code cannot use:
written by an older version, or by a bug. Such a session starts empty instead of
failing every request of that browser with a 500.

Flask re-signs a permanent session's cookie on every response, so that its expiry
is an idle timeout. Here an unchanged session is re-signed only once its cookie is
``REFRESH_AFTER_SECONDS`` old: the idle timeout (hours) moves by at most that, and
most responses skip the signing and the ``Set-Cookie``. The same cookie then comes
back on request after request, and its signature is checked once per process
(``apps.common.sessioncookies``).
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask
from flask import Request
from flask import Response
from flask.sessions import SecureCookieSession
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature
from itsdangerous import URLSafeTimedSerializer

from .sessioncookies import VerifiedCookies
from .sessioncookies import cookie_value

REFRESH_AFTER_SECONDS = 60
FLASHES_KEY = "_flashes"
CSRF_TOKEN_KEY = "csrf_token"
# Where an app keeps its session serializer and the cookies it verified
# (``VerifiedCookies``), with the keys they belong to.
SERIALIZER_KEY = "session_serializer"


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


def vary_on_cookie(response: Response) -> None:
    """``response.vary.add("Cookie")``, without parsing a ``Vary`` the response does not have.

    Nearly every response reads the session (who is logged in?) and has no other
    ``Vary``; building Werkzeug's header set for it cost 2% of an empty page.
    """
    if response.headers.get("Vary") is None:
        response.headers["Vary"] = "Cookie"
    else:
        response.vary.add("Cookie")


class SignedSession(SecureCookieSession):
    """A cookie session that knows when its cookie was signed (None: no cookie yet)."""

    signed_at: int | None = None


class TolerantSessionInterface(SecureCookieSessionInterface):
    """Open the session as Flask does; anything unreadable opens as empty."""

    session_class = SignedSession

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask's serializer, built once per set of keys instead of on every request.

        Flask builds it for each request that opens or saves a session, and building
        it tries a ``dumps`` to learn whether the payload is text: 4% of an empty
        page's time under gunicorn. It depends only on the keys, so it is kept until
        they change (a test changing SECRET_KEY gets a new one).
        """
        verified = self.verified_cookies(app)
        return verified.serializer if verified is not None else None

    def verified_cookies(self, app: Flask) -> VerifiedCookies | None:
        """The cookies checked with the app's current keys; None without a secret key."""
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        kept = app.extensions.get(SERIALIZER_KEY)
        if kept is None or kept[0] != keys:
            serializer = super().get_signing_serializer(app)
            verified = VerifiedCookies(serializer) if serializer is not None else None
            kept = app.extensions[SERIALIZER_KEY] = (keys, verified)
        return kept[1]

    def open_session(self, app: Flask, request: Request) -> SignedSession | None:
        """The session in the request's cookie, or an empty one."""
        verified = self.verified_cookies(app)
        if verified is None:
            return None
        header = request.environ.get("HTTP_COOKIE")
        # No Cookie header at all (a first visit): nothing to parse.
        if not header:
            return self.session_class()
        value = cookie_value(header, self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = verified.loads(value, max_age)
        except Exception:
            # A bad signature, an expired cookie, or a payload the tags cannot decode.
            return self.session_class()
        if not is_readable(data):
            return self.session_class()
        session = self.session_class(data)
        # A cookie signed with an old key (SECRET_KEY_FALLBACKS) is signed again with the
        # current one on this response, so that the old key can be dropped soon.
        if not self.signed_with_current_key(app, value):
            return session
        session.signed_at = signed_at
        return session

    def signed_with_current_key(self, app: Flask, value: str) -> bool:
        """Whether ``value``'s signature is the current key's (checked only during a rotation)."""
        if not app.config.get("SECRET_KEY_FALLBACKS"):
            return True
        signer_kwargs = {"key_derivation": self.key_derivation, "digest_method": self.digest_method}
        current = URLSafeTimedSerializer(
            app.secret_key, salt=self.salt, serializer=self.serializer, signer_kwargs=signer_kwargs
        )
        try:
            current.loads(value)
        except BadSignature:
            return False
        return True

    def save_session(self, app: Flask, session: SecureCookieSession, response: Response) -> None:
        """Flask's, after a shortcut for the common case: nothing to write.

        Flask reads seven cookie settings before it learns that an unchanged session
        needs no ``Set-Cookie``. Here such a session only gets its ``Vary: Cookie``
        (when a request read it), as Flask would give it.
        """
        if not session.modified and not (session and self.should_set_cookie(app, session)):
            if session.accessed:
                vary_on_cookie(response)
            return
        super().save_session(app, session, response)

    def should_set_cookie(self, app: Flask, session: SecureCookieSession) -> bool:
        """A changed session always; an unchanged permanent one once its cookie has aged."""
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)
        return signed_at is None or time.time() - signed_at >= REFRESH_AFTER_SECONDS
