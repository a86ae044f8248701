"""The session cookie as a worker reads it again and again: found and checked once.

A browser sends the same ``Cookie`` header, with the same signed session cookie in
it, until the session is signed again (at most once a minute, apps.common.sessions).
Finding the cookie in the header and checking its signature give the same answer each
time, so each process keeps the answers for the headers and cookies it has seen.
"""

from __future__ import annotations

import functools
import time
from typing import Any

from itsdangerous import SignatureExpired
from itsdangerous import URLSafeTimedSerializer
from werkzeug.http import parse_cookie

# Headers, and verified cookies, one process keeps: a few per active browser.
KEPT_COOKIES = 1024
# What a kept payload may hold: values that no request can change in place.
PLAIN_TYPES = (str, int, float, bool, type(None))


@functools.lru_cache(maxsize=KEPT_COOKIES)
def cookie_value(header: str, name: str) -> str | None:
    """The value of cookie ``name`` in a ``Cookie`` header, parsed once per header text.

    A browser sends the same header until one of its cookies changes; parsing it again
    for every request (``request.cookies``) was 6% of a logged-in empty page.
    """
    return parse_cookie(header).get(name)


class VerifiedCookies:
    """The payloads of the cookies whose signature this process has checked.

    Opening a session checks an HMAC, then decodes base64 and JSON: 20 us, 7% of a
    logged-in empty page under gunicorn. A browser sends the same cookie until it
    is signed again, at most once a minute. So a cookie is kept, under its exact text,
    once its signature has been checked with these keys (a key change makes a new
    instance); a kept cookie has only its age checked again, as itsdangerous would.
    Only payloads of plain values are kept: each session gets its own copy of the dict,
    but a list in it (the flashed messages) would be shared between requests.
    """

    def __init__(self, serializer: URLSafeTimedSerializer) -> None:
        self.serializer = serializer
        self.payloads: dict[str, tuple[dict[str, Any], int]] = {}

    def loads(self, value: str, max_age: int) -> tuple[dict[str, Any], int]:
        """The payload of ``value`` and when it was signed; itsdangerous's errors if invalid.

        The payload may be the kept one itself: copy it before changing anything.
        """
        kept = self.payloads.get(value)
        if kept is None:
            data, signed_at = self.serializer.loads(value, max_age=max_age, return_timestamp=True)
            kept = (data, int(signed_at.timestamp()))
            if isinstance(data, dict) and all(isinstance(v, PLAIN_TYPES) for v in data.values()):
                self.keep(value, kept)
        elif not 0 <= int(time.time()) - kept[1] <= max_age:
            raise SignatureExpired("The session cookie has expired.")
        return kept

    def keep(self, value: str, payload: tuple[dict[str, Any], int]) -> None:
        """Keep one more; once full, start over (simpler than LRU, and as good here)."""
        if len(self.payloads) >= KEPT_COOKIES:
            self.payloads = {}
        self.payloads[value] = payload
