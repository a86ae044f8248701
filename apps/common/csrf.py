"""CSRF protection that honours ``SECRET_KEY_FALLBACKS`` as Flask's sessions do.

Flask-WTF signs each form's token with the current secret key only. After a key
rotation the session (signed with the old key) still reads, but every form rendered
before the rotation would answer 400: here a token signed with a fallback key still
counts, for as long as that key stays in ``SECRET_KEY_FALLBACKS``.

Flask-WTF also signs the session's token anew for every page. Here a signed token is
used again for a minute (``signed_token``).

The language switcher is the one form without a token (``refuse_other_sites``).
"""

from __future__ import annotations

import time

from flask import Flask
from flask import current_app
from flask import g
from flask import request
from flask import session
from flask_wtf.csrf import CSRFError
from flask_wtf.csrf import CSRFProtect
from flask_wtf.csrf import generate_csrf
from flask_wtf.csrf import same_origin
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from .sessions import CSRF_TOKEN_KEY

# A signed token is handed out again for this long, as a session cookie is
# (apps.common.sessions.REFRESH_AFTER_SECONDS).
REUSE_SIGNED_TOKEN_SECONDS = 60
# Signed tokens one app keeps per process before it starts over.
KEPT_SIGNED_TOKENS = 1024
SIGNED_TOKENS_KEY = "signed_csrf_tokens"
OTHER_SITE_REASON = "The form was not sent from a page of this site."


def csrf_token() -> str:
    """Templates' ``csrf_token()``: the session's signed token (``signed_token``), kept in ``g``.

    Flask-WTF's own reads four settings before it looks in ``g``; a page asks for it
    several times (its forms, the log-out button).
    """
    token = g.get("csrf_token")
    if token is None:
        token = g.csrf_token = signed_token()
    return token


def signed_token() -> str:
    """This session's token as Flask-WTF signs it, signed by this process within a minute.

    Signing (an HMAC, JSON and base64) took 20 us, a tenth of a kept todo page. The
    signature's timestamp matters only under ``WTF_CSRF_TIME_LIMIT``, which
    apps.common.config turns off (a token lives as long as its session; Flask-WTF's
    own default is an hour): a token signed a minute ago would meet it a minute
    sooner. Kept by signing key and session token, so no other session, and no other
    key, is ever given it.
    """
    kept = current_app.extensions.setdefault(SIGNED_TOKENS_KEY, {})
    key = (accepted_keys()[0], session.get(CSRF_TOKEN_KEY))
    token, kept_at = kept.get(key, (None, 0.0))
    if token is None or time.monotonic() - kept_at >= REUSE_SIGNED_TOKEN_SECONDS:
        token = generate_csrf()
        # A session new with this request may never come back (a client without
        # cookies): its token is kept from its second page on.
        if key[1] is not None:
            if len(kept) >= KEPT_SIGNED_TOKENS:
                kept.clear()
            kept[key] = (token, time.monotonic())
    return token


def accepted_keys() -> list[str]:
    """The key tokens are signed with now, then each key still accepted."""
    config = current_app.config
    current = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    return [current, *(config.get("SECRET_KEY_FALLBACKS") or [])]


def token_error(token: str | None) -> str | None:
    """None when ``token`` is valid under any accepted key, else the reason it is not."""
    reason = None
    for key in accepted_keys():
        try:
            validate_csrf(token, secret_key=key)
        except ValidationError as error:
            reason = reason or error.args[0]
        else:
            return None
    return reason


def refuse_other_sites() -> None:
    """Raise ``CSRFError`` (400) unless the browser says a page of this site sent the request.

    For the one form without a token, the language switcher: it is on every page, and
    a token lives in the session, so a token in it gave every first visitor a session,
    a signed cookie and a signed token before they chose anything. Browsers say where a
    request comes from, and no page can change what they say. Over https (and to
    localhost) they send ``Sec-Fetch-Site``: only ``same-origin`` passes. Without it
    (plain http elsewhere, older browsers) the ``Origin`` every POST carries must be
    this site's scheme and host. A request with neither is refused. Off with the rest
    of CSRF (``WTF_CSRF_ENABLED``), as in most tests.
    """
    if not current_app.config["WTF_CSRF_ENABLED"]:
        return
    fetched_from = request.headers.get("Sec-Fetch-Site")
    if fetched_from is not None:
        if fetched_from == "same-origin":
            return
    elif request.headers.get("Origin") == f"{request.scheme}://{request.host}":
        return
    raise CSRFError(OTHER_SITE_REASON)


def template_csrf_token() -> dict[str, object]:
    """A context processor: templates' ``csrf_token`` is ``csrf_token`` above."""
    return {"csrf_token": csrf_token}


class RotatingCSRFProtect(CSRFProtect):
    """Flask-WTF's ``CSRFProtect``, with the token check trying the fallback keys."""

    def init_app(self, app: Flask) -> None:
        """Flask-WTF's set-up, then templates get the ``csrf_token`` that reads ``g`` first.

        Flask-WTF hands templates its own function twice: as a Jinja global and through
        a context processor, which a later one overrides.
        """
        super().init_app(app)
        app.jinja_env.globals["csrf_token"] = csrf_token
        app.context_processor(template_csrf_token)

    def protect(self, apply_exemptions: bool = False) -> None:
        """Validate CSRF on the current request, as Flask-WTF does."""
        # The method first: most requests are GETs, and finding exemptions is not free.
        if request.method not in current_app.config["WTF_CSRF_METHODS"]:
            return
        if apply_exemptions and (not request.endpoint or self._is_exempt()):
            return
        reason = token_error(self._get_csrf_token())
        if reason:
            self._error_response(reason)
        if request.is_secure and current_app.config["WTF_CSRF_SSL_STRICT"]:
            if not request.referrer:
                self._error_response("The referrer header is missing.")
            if not same_origin(request.referrer, f"https://{request.host}/"):
                self._error_response("The referrer does not match the host.")
        g.csrf_valid = True
