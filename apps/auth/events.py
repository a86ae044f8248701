"""One log line per account event, with the username and the client's address.

Never a password, a token or a cookie: only what an operator needs to see who
tried what from where.
"""

import logging

from flask import request

logger = logging.getLogger("apps.auth.events")


def log_event(event: str, username: str, **details: object) -> None:
    """Log ``event`` (``login-failed``, ``logout``...) for ``username`` from this address."""
    extra = "".join(f" {name}={value}" for name, value in details.items())
    logger.info("%s username=%r address=%r%s", event, username, request.remote_addr, extra)
