"""What each error page says, in the project's own words rather than Werkzeug's."""

from __future__ import annotations

from flask_babel import LazyString
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .i18n import lazy_gettext as _l
from .mounts import is_mounted

# code: (title, what happened and what to do)
WORDS: dict[int, tuple[LazyString, LazyString]] = {
    400: (
        _l("Something in the request was not right"),
        _l("The site could not use what was sent. Go back, reload the page and try again."),
    ),
    401: (_l("Please log in first"), _l("This page is only for logged-in users.")),
    403: (_l("Not allowed"), _l("You cannot open this page.")),
    404: (
        _l("Page not found"),
        _l("There is nothing at this address. The link may be old, or the item deleted."),
    ),
    405: (
        _l("Not possible this way"),
        _l("This address does not take that kind of request. Use the site's links and buttons."),
    ),
    413: (
        _l("That was too much"),
        _l("What you sent is larger than this site accepts. Send something shorter."),
    ),
    429: (_l("Too many tries"), _l("Please wait a little, then try again.")),
    500: (
        _l("Something went wrong on our side"),
        _l("The site could not finish this. Please try again later."),
    ),
    503: (
        _l("Not available right now"),
        _l("The site cannot answer just now. Please try again in a few seconds."),
    ),
}
CSRF_WORDS = (
    _l("This form has expired"),
    _l("Forms only work for a while, and from this site. Reload the page and send it again."),
)
APP_ALONE_401 = _l(
    "This app runs here without the auth app, so there is no login page. "
    "It knows you only from a session cookie that the whole site's login sets."
)
# Flask-WTF's reasons, word for word, so each can be shown in the reader's language.
CSRF_REASONS = {
    "The CSRF token is missing.": _l("The CSRF token is missing."),
    "The CSRF session token is missing.": _l("The CSRF session token is missing."),
    "The CSRF token has expired.": _l("The CSRF token has expired."),
    "The CSRF token is invalid.": _l("The CSRF token is invalid."),
    "The CSRF tokens do not match.": _l("The CSRF tokens do not match."),
    "The referrer header is missing.": _l("The referrer header is missing."),
    "The referrer does not match the host.": _l("The referrer does not match the host."),
    # apps.common.csrf.OTHER_SITE_REASON
    "The form was not sent from a page of this site.": _l(
        "The form was not sent from a page of this site."
    ),
}
FALLBACK = (_l("Something is not right"), _l("The site could not answer this request."))


def words_for(error: HTTPException) -> tuple[str, str, str | None]:
    """The page's title, its explanation, and the error's own detail if it has one."""
    if isinstance(error, CSRFError):
        reason = CSRF_REASONS.get(error.description or "", error.description)
        return str(CSRF_WORDS[0]), str(CSRF_WORDS[1]), str(reason)
    title, text = WORDS.get(error.code or 500, FALLBACK)
    if error.code == 401 and not is_mounted("auth"):
        text = APP_ALONE_401
    stock = type(error).description
    detail = None if error.description == stock else str(error.description)
    return str(title), str(text), detail
