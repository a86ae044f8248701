"""The page chrome every app shares: app links, account links, languages, footer.

``base.html`` draws a link to each mounted app with its title in the reader's
language, the account links, the language switcher and the footer link. None of it
depends on the request beyond the language and the path the site is served under,
yet it cost a third of a page: the links come from other apps' URL maps, the titles
from the catalog. ``page_chrome()`` works it out once per language and path, and
the app keeps it. What does change per request (who is logged in, the CSRF token,
the page to come back to) the template still asks for.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask import request
from flask import url_for

from .i18n import LANGUAGES
from .i18n import current_locale
from .i18n import language_tag
from .mounts import mount_table
from .mounts import url_for_app

# Chromes kept per app: two languages times the paths a site is served under.
MAX_KEPT_CHROMES = 64


@dataclass(frozen=True, slots=True)
class AppLink:
    """A link in the top bar to one mounted app."""

    name: str
    title: str
    url: str
    is_current: bool


@dataclass(frozen=True, slots=True)
class LanguageChoice:
    """One button of the language switcher."""

    code: str  # what the form sends: zh_CN
    tag: str  # the HTML lang value: zh-CN
    name: str  # the language's name in itself: 中文
    is_chosen: bool


@dataclass(frozen=True, slots=True)
class Chrome:
    """Everything ``base.html`` shows around a page that is the same for every reader."""

    lang: str
    favicon_url: str
    stylesheet_url: str
    apps: tuple[AppLink, ...]
    has_auth: bool
    account_url: str | None
    logout_url: str | None
    register_url: str | None
    about_url: str | None
    language_url: str
    languages: tuple[LanguageChoice, ...]


def page_chrome() -> Chrome:
    """This request's chrome: built the first time a language and path are seen."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    kept = app.extensions.setdefault("page_chromes", {})
    key = (current_locale(), request.script_root)
    chrome = kept.get(key)
    if chrome is None:
        if len(kept) >= MAX_KEPT_CHROMES:
            kept.clear()
        chrome = kept[key] = build_chrome()
    return chrome


def build_chrome() -> Chrome:
    """The chrome for the current app, language and path, worked out in full."""
    mounts = mount_table()
    here = current_app.config["APP_NAME"]
    has_auth = "auth" in mounts
    lang = language_tag()
    return Chrome(
        lang=lang,
        favicon_url=url_for("common.static", filename="favicon.svg"),
        stylesheet_url=url_for("common.static", filename="style.css"),
        apps=tuple(
            AppLink(name, str(mount.title), url_for_app(name, f"{name}.index"), name == here)
            for name, mount in mounts.items()
        ),
        has_auth=has_auth,
        account_url=url_for_app("auth", "auth.index") if has_auth else None,
        logout_url=url_for_app("auth", "auth.logout") if has_auth else None,
        register_url=url_for_app("auth", "auth.register") if has_auth else None,
        about_url=url_for_app("portal", "about.about_site") if "portal" in mounts else None,
        language_url=url_for("language.choose_language"),
        languages=tuple(
            LanguageChoice(code, code.replace("_", "-"), name, code.replace("_", "-") == lang)
            for code, name in LANGUAGES.items()
        ),
    )
