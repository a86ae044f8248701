"""The site in the reader's language: English or Simplified Chinese, one choice for every app.

Flask-Babel picks the locale per request: the choice saved in the shared session (so
every mounted app follows it), else the browser's ``Accept-Language``. Each app reads
its own catalog (``apps/<name>/translations``) merged with the shared layer's.
"""

from __future__ import annotations

import functools
import unicodedata
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from babel import Locale
from babel.dates import format_date
from babel.support import Translations
from flask import Blueprint
from flask import Flask
from flask import abort
from flask import g
from flask import has_app_context
from flask import has_request_context
from flask import redirect
from flask import request
from flask import session
from flask_babel import Babel
from flask_babel import get_locale
from flask_babel import get_translations
from flask_babel import gettext as _
from flask_babel.speaklater import LazyString
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from .csrf import refuse_other_sites
from .mounts import site_root
from .security import csrf

# Each language's name in that language: the switcher's labels.
LANGUAGES = {"en": "English", "zh_CN": "中文"}
LOCALE_KEY = "locale"
MAX_NEXT_LENGTH = 2048
UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
SHARED_TRANSLATIONS = Path(__file__).resolve().with_name("translations")

language = Blueprint("language", __name__)


def select_locale() -> Locale | None:
    """The session's choice, else the best match for the browser's languages."""
    if not has_request_context():
        return None
    chosen = session.get(LOCALE_KEY)
    if chosen not in LANGUAGES:
        chosen = browser_language(request.headers.get("Accept-Language", ""))
    return parsed_locale(chosen)


@functools.lru_cache(maxsize=256)
def browser_language(accept_language: str) -> str:
    """The best of ``LANGUAGES`` for an ``Accept-Language`` header, worked out once per header.

    Browsers send a few dozen different headers, and parsing one and matching it took
    17 us of each request of a reader who has not chosen a language.
    """
    accepted = parse_accept_header(accept_language, LanguageAccept)
    return accepted.best_match(LANGUAGES, default="en")


@functools.cache
def parsed_locale(code: str) -> Locale:
    """Babel's ``Locale`` for one of ``LANGUAGES``, parsed once per process.

    Flask-Babel parses the selector's answer on every request, and parsing ``zh_CN``
    (which Babel resolves to ``zh_Hans_CN`` through its locale files) took 0.1 to 0.3 ms
    of each Chinese page; a ``Locale`` is passed through as it is.
    """
    return Locale.parse(code)


def page_translations() -> Translations:
    """This request's catalog, looked up once.

    Flask-Babel's template functions look the catalog up again for every string (three
    context lookups and the locale each time): a page of twenty todos says 125 strings.
    """
    if not has_app_context():
        return get_translations()
    translations = g.get("translations")
    if translations is None:
        translations = g.translations = get_translations()
    return translations


def translate(string: str, **variables: object) -> str:
    """``gettext`` with this request's catalog."""
    text = page_translations().ugettext(string)
    return text % variables if variables else text


def lazy_gettext(string: str, **variables: object) -> LazyString:
    """Flask-Babel's ``lazy_gettext`` (a string translated each time it is shown), but
    through this request's catalog: the site's titles and form labels are shown on
    every page."""
    return LazyString(translate, string, **variables)


class TemplateTranslations:
    """A template's ``_()``, ``gettext()`` and ``ngettext()``, bound to one catalog.

    Jinja's new-style functions pass through two wrappers and Flask-Babel's catalog
    lookup for every string: seven microseconds each, a hundred and fifty on the todo
    page. ``template_translations`` gives each render these, bound to the request's
    catalog. The rules are Jinja's: in an autoescaped template the translation is
    markup, and the variables are escaped as they go in (a string without variables
    is printed as it is written).
    """

    def __init__(self, catalog: Translations) -> None:
        self.catalog = catalog

    @pass_eval_context
    def gettext(self, eval_ctx: EvalContext, string: str, **variables: object) -> str:
        """``_('Hello %(name)s', name=user.username)``."""
        text = self.catalog.ugettext(string)
        if eval_ctx.autoescape:
            text = Markup(text)
        return text % variables if variables else text

    @pass_eval_context
    def ngettext(
        self, eval_ctx: EvalContext, singular: str, plural: str, num: int, **variables: object
    ) -> str:
        """``ngettext('%(num)d todo', '%(num)d todos', count)``: ``num`` is set for you."""
        variables.setdefault("num", num)
        text = self.catalog.ungettext(singular, plural, num)
        if eval_ctx.autoescape:
            text = Markup(text)
        return text % variables


def template_translations() -> dict[str, object]:
    """A context processor: the template's translation functions, with this request's catalog."""
    translations = TemplateTranslations(page_translations())
    return {
        "_": translations.gettext,
        "gettext": translations.gettext,
        "ngettext": translations.ngettext,
    }


def current_locale() -> str:
    """The reader's locale as Babel names it: ``en`` or ``zh_Hans_CN``."""
    return str(get_locale() or "en")


def medium_date(day: date, locale: str | None = None) -> str:
    """``Dec 1, 2026`` (``2026年12月1日``) in the reader's language (or ``locale``'s)."""
    return _medium_date(day, locale or current_locale())


@functools.lru_cache(maxsize=4096)
def _medium_date(day: date, locale: str) -> str:
    """Babel's formatting takes tens of microseconds: each day and language once."""
    return format_date(day, "medium", locale=locale)


def language_tag() -> str:
    """The current locale as an HTML ``lang`` value: ``en`` or ``zh-CN``.

    Babel reads ``zh_CN`` as ``zh_Hans_CN`` (hence the catalogs' folder name).
    """
    locale = get_locale()
    if locale is None:
        return "en"
    return f"{locale.language}-{locale.territory}" if locale.territory else locale.language


def is_local_path(target: str) -> bool:
    """Whether ``target`` is a path on this site: never another host, never a header break.

    As auth's ``safe_next_url``: browsers read ``//host`` and ``/\\host`` as other
    hosts and drop tabs and newlines inside URLs.
    """
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    if len(target) > MAX_NEXT_LENGTH:
        return False
    if any(unicodedata.category(character) in UNSAFE_CATEGORIES for character in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def current_page() -> str:
    """Where the switcher leads back to: this page, or the app's start page after a POST."""
    if request.method != "GET":
        return request.script_root + "/"
    here = request.script_root + request.path
    if request.query_string:
        here += "?" + request.query_string.decode("latin-1")
    return here


@language.post("/language")
def choose_language():
    """Remember the chosen language in the shared session, then go back.

    The switcher's form has no CSRF token: see ``refuse_other_sites`` for why, and
    for what is checked instead.
    """
    refuse_other_sites()
    chosen = request.form.get("locale")
    if chosen not in LANGUAGES:
        abort(400, _("Choose English or Chinese."))
    session[LOCALE_KEY] = chosen
    target = request.form.get("next", "")
    return redirect(target if is_local_path(target) else site_root() + "/", 303)


def init_i18n(app: Flask) -> None:
    """Give ``app`` the locale selector, its catalogs and the switcher's route."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", f"translations;{SHARED_TRANSLATIONS}")
    # One Babel per app: its catalog cache belongs to that app's translation folders.
    # Babel adds Jinja's i18n extension (``{% trans %}``, new-style gettext) and its
    # template functions; rendered through Flask, a page gets the faster ones above.
    Babel(app, locale_selector=select_locale)
    app.context_processor(template_translations)
    app.register_blueprint(language)
    csrf.exempt(choose_language)
    app.jinja_env.globals["current_page"] = current_page
