"""Protections every app gets: CSRF on every POST and security headers on every response."""

from __future__ import annotations

import logging
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

from flask import Flask

from .csrf import RotatingCSRFProtect

csrf = RotatingCSRFProtect()

logger = logging.getLogger(__name__)

# No inline script or style anywhere: templates load /static files only.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}

BARE_ERROR = b"500 Internal Server Error"


def strict_transport_security(config: dict[str, Any]) -> str:
    """The ``Strict-Transport-Security`` value the config asks for."""
    value = f"max-age={int(config['HSTS_MAX_AGE_SECONDS'])}"
    if config["HSTS_INCLUDE_SUBDOMAINS"]:
        value += "; includeSubDomains"
    return value


def headers_for(environ: dict[str, Any], config: dict[str, Any]) -> dict[str, str]:
    """Every security header of a response; HSTS only when the request came over https.

    ``wsgi.url_scheme`` is https when the server terminated TLS, or when ProxyFix
    (configured with ``PROXY_FIX_X_PROTO``) trusted the proxy's ``X-Forwarded-Proto``.
    """
    headers = dict(SECURITY_HEADERS)
    if environ.get("wsgi.url_scheme") == "https":
        headers["Strict-Transport-Security"] = strict_transport_security(config)
    return headers


def with_security_headers(app: Flask) -> Callable[..., Iterable[bytes]]:
    """Wrap ``app.wsgi_app`` so every response, even a bare 500, carries the headers.

    Flask's ``after_request`` never sees a response made after a failing error
    handler; WSGI's ``start_response`` sees every one.
    """
    wsgi_app = app.wsgi_app

    def secured(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        extra = headers_for(environ, app.config)

        def start(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            present = {name.lower() for name, _value in headers}
            headers += [
                (name, value) for name, value in extra.items() if name.lower() not in present
            ]
            return start_response(status, headers, *exc_info)

        try:
            return wsgi_app(environ, start)
        except Exception:
            # Only reached when Flask's own error handling failed.
            logger.exception("Unhandled error outside Flask's error handlers")
            start("500 INTERNAL SERVER ERROR", [("Content-Type", "text/plain")])
            return [BARE_ERROR]

    return secured
