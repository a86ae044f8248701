"""Where to go after logging in: only ever a path on this site."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

MAX_NEXT_LENGTH = 2048


def safe_next_url(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None.

    Browsers read ``//evil.example`` and ``/\\evil.example`` as other hosts, and
    ignore tabs and newlines inside URLs, so all of these are refused.
    """
    if not target or len(target) > MAX_NEXT_LENGTH:
        return None
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(unicodedata.category(character) in ("Cc", "Cf", "Zl", "Zp") for character in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
