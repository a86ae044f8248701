"""What gunicorn must know about the site before a request runs (see gunicorn.conf.py).

A body the site refuses unread (a 413) stays on the connection: gunicorn then drops
the connection, though its answer already said ``Connection: keep-alive``, and the
client's next request on it fails. gunicorn ignores a ``Connection`` header from the
application, so the decision is made here, from the request's headers, before the
answer is written.
"""

from __future__ import annotations

from typing import Any


def close_after_unread_body(worker: Any, req: Any) -> None:
    """Answer ``Connection: close`` when the body may be left unread.

    That is a ``Content-Length`` over the site's ``MAX_CONTENT_LENGTH`` (a 413), and
    any chunked body: its size is unknown until read, and one over the limit is
    refused part-way.
    """
    limit = getattr(worker.wsgi, "config", {}).get("MAX_CONTENT_LENGTH")
    for name, value in req.headers:
        if name == "TRANSFER-ENCODING" and "chunked" in value.lower():
            req.must_close = True
        if name == "CONTENT-LENGTH" and limit is not None and value.isdigit():
            req.must_close = req.must_close or int(value) > limit
