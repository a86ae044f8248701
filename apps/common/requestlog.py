"""One structured (JSON) log line per request, with a request id the client can see.

The line names the app, endpoint, method, path (never the query string, which may
carry tokens), status, duration and the logged-in user's id. No header, cookie or
form value is ever logged. ``X-Request-ID`` from a proxy is kept when it looks like
an id, else a new one is made; either way the response carries it back.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time

from flask import Flask
from flask import Response
from flask import current_app
from flask import g
from flask import request

from .metrics import observe_request

LOGGER_NAME = "apps.requests"
# What nginx's $request_id, a UUID or most tracing ids look like; nothing that could
# break a log line or a header.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")

logger = logging.getLogger(LOGGER_NAME)
# One encoder for every line: ``json.dumps`` with options builds a new one each call.
LINE_ENCODER = json.JSONEncoder(separators=(",", ":"))


def configure_request_logging() -> None:
    """Send request lines to stderr, one JSON object each; once per process.

    The dispatcher calls it for the whole site, and every app's factory too, so an
    app running alone logs the same way. A handler set up by the operator (through
    ``logging.config``) beforehand is left alone.
    """
    if logger.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    # The line is complete as it is: the root logger would print it a second time.
    logger.propagate = False


def init_request_log(app: Flask) -> None:
    """Give every request of ``app`` an id and, unless disabled, a log line."""
    configure_request_logging()
    app.before_request(start_request_log)
    app.after_request(finish_request_log)


def request_id_from(header: str | None) -> str:
    """The client's or proxy's request id when it is sane, else a new one.

    A new one is 16 random bytes in hex, as nginx makes its ``$request_id`` (a quarter
    of what building a ``uuid4`` costs).
    """
    if header and SANE_REQUEST_ID.fullmatch(header):
        return header
    return secrets.token_hex(16)


def start_request_log() -> None:
    """Note when the request started and which id it goes by."""
    header = request.environ.get("HTTP_X_REQUEST_ID")
    g.request_log = (time.perf_counter(), request_id_from(header))


def finish_request_log(response: Response) -> Response:
    """Echo the request id and write the request's line."""
    # A before_request function ahead of start_request_log may have answered.
    started, request_id = g.get("request_log") or (time.perf_counter(), request_id_from(None))
    response.headers["X-Request-ID"] = request_id
    # A stream's duration ends when its headers are ready, not when it closes.
    seconds = time.perf_counter() - started
    config = current_app.config
    if config["METRICS_ENABLED"]:
        observe_request(
            config["APP_NAME"], request.method, request.endpoint, response.status_code, seconds
        )
    if config["REQUEST_LOG"]:
        log_request_line(response, request_id, seconds)
    return response


def log_request_line(response: Response, request_id: str, seconds: float) -> None:
    """Log the request's line at INFO, as ``logger.info`` would, without its stack walk.

    ``logger.info`` walks the stack on every call to find the function and line that
    called it, for the record. Here that is always this function, so the record names
    it (and its ``def`` line) directly. Levels, filters and handlers apply as usual.
    """
    if not logger.isEnabledFor(logging.INFO):
        return
    here = log_request_line.__code__
    record = logger.makeRecord(
        LOGGER_NAME,
        logging.INFO,
        here.co_filename,
        here.co_firstlineno,
        request_log_line(response, request_id, seconds),
        (),
        None,
        here.co_name,
    )
    logger.handle(record)


def request_log_line(response: Response, request_id: str, seconds: float) -> str:
    """The JSON line for this request."""
    user = g.get("user")
    return LINE_ENCODER.encode(
        {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "request_id": request_id,
            "app": current_app.config["APP_NAME"],
            "endpoint": request.endpoint,
            "method": request.method,
            "path": request.script_root + request.path,
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 3),
            "user_id": user.id if user is not None else None,
        }
    )
