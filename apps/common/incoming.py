"""What a request must look like before any view sees it: its host, and its body."""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Request
from flask import abort
from flask import request
from werkzeug.exceptions import HTTPException
from werkzeug.wsgi import LimitedStream

from .i18n import lazy_gettext as _l

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MALFORMED_BODY = _l("The request body could not be read as a form.")
# A name or IPv4 address, or a bracketed IPv6 address, then at most one port.
HOST_PATTERN = re.compile(r"([a-z0-9.-]+|\[[a-f0-9:.]+\])(:[0-9]{1,5})?")


class SiteRequest(Request):
    """Flask's request, with the ``Host`` header compared as browsers compare it.

    Host names are case-insensitive: ``LOCALHOST`` is ``localhost``, so it is
    lowercased before Werkzeug checks it against ``TRUSTED_HOSTS``.
    """

    def __init__(self, environ: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        host = environ.get("HTTP_HOST")
        if host:
            environ["HTTP_HOST"] = host.lower()
        super().__init__(environ, *args, **kwargs)


def refuse_malformed_host() -> None:
    """Before each request: a ``Host`` with more than one port is a 400.

    Werkzeug drops a trailing ``:80`` before it checks ``TRUSTED_HOSTS``, so
    ``127.0.0.1:8100:80`` would pass as ``127.0.0.1:8100``.
    """
    host = request.headers.get("Host")
    if host is not None and not HOST_PATTERN.fullmatch(host):
        abort(400, _l("The Host header is not a host name with at most one port."))


def refuse_malformed_body() -> None:
    """Before each POST: read the form once, and answer 400 or 413 for a bad body.

    A body the server cannot even read (a malformed chunk under gunicorn) raises
    from deep inside the parser, and a multipart part without a name gives a form
    key of ``None`` that Flask-WTF and WTForms cannot handle: both are the
    client's mistake, not the site's.
    """
    if request.method in SAFE_METHODS:
        return
    try:
        fields = [*request.form.keys(), *request.files.keys()]
        refuse_truncated_stream()
    except HTTPException:
        raise
    except Exception as error:
        logger.info("Unreadable request body: %s", error.__class__.__name__)
        abort(400, MALFORMED_BODY)
    if any(not isinstance(name, str) for name in fields):
        abort(400, _l("Every part of a form needs a name."))


def refuse_truncated_stream() -> None:
    """A body without ``Content-Length`` that filled ``MAX_CONTENT_LENGTH`` is a 413.

    Werkzeug stops reading such a (chunked) body at the limit and would parse the
    truncated rest as if it were whole; reading one byte more raises the 413.
    """
    stream = request.stream
    unsized = request.content_length is None and isinstance(stream, LimitedStream)
    if unsized and stream.is_exhausted:
        stream.read(1)
