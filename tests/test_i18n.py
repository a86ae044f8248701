"""The site in English and Simplified Chinese: the choice, the catalogs, no English left."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from werkzeug.datastructures import LanguageAccept
from werkzeug.test import Client

from apps.common.csrf import OTHER_SITE_REASON
from apps.common.i18n import browser_language
from tests.conftest import NAMELESS_PART
from tests.conftest import NAMELESS_PART_TYPE
from tests.conftest import PASSWORD
from tests.conftest import create_test_site
from tests.conftest import registered_client

ROOT = Path(__file__).resolve().parents[1]
CATALOGS = sorted(ROOT.glob("apps/*/translations/*/LC_MESSAGES/messages.po"))
CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}
FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9"}
# Names, not words to translate: the framework and the protocol the About page explains.
# What the tests' user typed: her name, her todos and messages, her searches.
USER_DATA = {"alice", "Buy", "milk", "Call", "Sam", "Pay", "rent", "hello", "nothing", "here"}
PROPER_NAMES = {"UTC", "Flask", "WSGI", "Cookie", "CSRF", "Referer", "Host"}
ATTRIBUTES = ("placeholder", "aria-label", "title", "alt")


class VisibleText(HTMLParser):
    """Every string a reader meets: text, labels in attributes, button values.

    Left out: scripts, styles, ``<code>`` (paths and routes) and anything marked
    ``lang="en"`` (the switcher's "English" button).
    """

    SKIPPED = frozenset({"script", "style", "code"})
    VOID = frozenset({"meta", "link", "input", "br", "img", "hr"})

    def __init__(self):
        super().__init__()
        self.strings = []
        self.skipping = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.VOID:
            if not self.skipping and attrs.get("type") == "submit":
                self.strings.append(attrs.get("value") or "")
            if not self.skipping:
                self.strings += [attrs[name] for name in ATTRIBUTES if attrs.get(name)]
            return
        marked_english = tag != "html" and attrs.get("lang") == "en"
        if self.skipping or tag in self.SKIPPED or marked_english:
            self.skipping.append(tag)
            return
        self.strings += [attrs[name] for name in ATTRIBUTES if attrs.get(name)]

    def handle_endtag(self, tag):
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data):
        if not self.skipping:
            self.strings.append(data)


def english_words(page, allowed=()):
    """Latin-letter words on ``page`` that are neither data nor names."""
    parser = VisibleText()
    parser.feed(page)
    words = re.findall(r"[A-Za-z]{2,}", " ".join(parser.strings))
    return sorted({word for word in words if word not in PROPER_NAMES | set(allowed)})


def test_the_browsers_language_picks_the_locale(site):
    client = Client(site)
    chinese = client.get("/auth/login", headers=CHINESE).get_data(as_text=True)
    assert '<html lang="zh-CN">' in chinese
    assert "<h1>登录</h1>" in chinese
    for header in ("fr-FR,fr;q=0.9", "en-GB", ""):
        page = client.get("/auth/login", headers={"Accept-Language": header})
        assert '<html lang="en">' in page.get_data(as_text=True)
    plain_chinese = client.get("/", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert '<html lang="zh-CN">' in plain_chinese


def calls_from_now_on(monkeypatch, owner, name):
    """The first argument of every call to ``owner.name`` from now on."""
    calls = []
    original = getattr(owner, name)

    def counted(first, *args, **kwargs):
        calls.append(first)
        return original(first, *args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


def test_each_accept_language_header_is_matched_once_per_process(site, monkeypatch):
    client = Client(site)
    matched = calls_from_now_on(monkeypatch, LanguageAccept, "best_match")
    browser_language.cache_clear()
    for path in ("/", "/auth/login", "/", "/auth/login"):
        assert '<html lang="zh-CN">' in client.get(path, headers=CHINESE).get_data(as_text=True)
        assert '<html lang="en">' in client.get(path, headers=FRENCH).get_data(as_text=True)
    assert len(matched) == 2


def test_the_readers_locale_is_parsed_once_per_process(site, monkeypatch):
    client = Client(site)
    for path in ("/", "/auth/login"):
        client.get(path, headers=CHINESE)
        client.get(path)
    # Flask-Babel parses what the selector answers on every request: 0.1 ms for zh_CN.
    parsed = calls_from_now_on(monkeypatch, Locale, "parse")
    for path in ("/", "/auth/login"):
        assert '<html lang="zh-CN">' in client.get(path, headers=CHINESE).get_data(as_text=True)
        assert '<html lang="en">' in client.get(path).get_data(as_text=True)
    assert [identifier for identifier in parsed if isinstance(identifier, str)] == []


def test_the_switcher_sets_the_language_for_every_app(site):
    client = Client(site)
    english = {"Accept-Language": "en"}
    response = client.post("/todo/language", data={"locale": "zh_CN", "next": "/message/?q=x"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/message/?q=x"
    for path in ("/", "/auth/login", "/message/", "/about"):
        page = client.get(path, headers=english).get_data(as_text=True)
        assert '<html lang="zh-CN">' in page, path
    client.post("/language", data={"locale": "en", "next": "/"})
    assert '<html lang="en">' in client.get("/auth/login", headers=CHINESE).get_data(as_text=True)


def test_the_switcher_changes_nothing_on_get_or_with_bad_input(site):
    client = Client(site)
    assert client.get("/language?locale=zh_CN").status_code == 405
    refused = client.post("/language", data={"locale": "fr"})
    assert refused.status_code == 400
    assert "Choose English or Chinese." in refused.get_data(as_text=True)
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    for target in ("//evil.example/", "/\\evil.example", "https://evil.example/", "/a\r\nX: y"):
        elsewhere = client.post("/language", data={"locale": "zh_CN", "next": target})
        assert elsewhere.status_code == 303
        assert elsewhere.headers["Location"] == "/", target


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        # Started by the browser or an extension, never by one of the site's pages.
        {"Sec-Fetch-Site": "none"},
        # What the browser says about the fetch wins over a matching Origin.
        {"Sec-Fetch-Site": "cross-site", "Origin": "http://localhost"},
        {"Origin": "https://evil.example"},
        {"Origin": "http://localhost.evil.example"},
        {"Origin": "http://localhost:8080"},
        {"Origin": "https://localhost"},
        {"Origin": "null"},
    ],
)
def test_the_switcher_refuses_a_request_from_another_site(databases, headers):
    site = create_test_site(databases, WTF_CSRF_ENABLED=True)
    client = Client(site)
    refused = client.post("/todo/language", data={"locale": "zh_CN"}, headers=headers)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "This form has expired" in page
    assert OTHER_SITE_REASON in page
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "headers",
    [{"Sec-Fetch-Site": "same-origin"}, {"Origin": "http://localhost"}],
)
def test_the_switcher_works_from_the_sites_own_pages_without_a_token(databases, headers):
    site = create_test_site(databases, WTF_CSRF_ENABLED=True)
    client = Client(site)
    response = client.post("/todo/language", data={"locale": "zh_CN", "next": "/"}, headers=headers)
    assert response.status_code == 303
    assert '<html lang="zh-CN">' in client.get("/").get_data(as_text=True)


def test_a_first_visit_gets_no_session_until_a_page_has_a_form(databases):
    site = create_test_site(databases, WTF_CSRF_ENABLED=True)
    client = Client(site)
    for path in ("/", "/", "/about", "/no-such-page"):
        response = client.get(path)
        assert "Set-Cookie" not in response.headers, path
        assert '<form class="language"' in response.get_data(as_text=True), path
    # The login form needs its token, and the token needs a session.
    login = client.get("/auth/login")
    assert login.headers["Set-Cookie"].startswith("dispatcher_session=")


def test_the_switcher_is_a_form_on_every_page(site):
    page = Client(site).get("/message/").get_data(as_text=True)
    assert '<form class="language" method="post" action="/message/language">' in page
    assert '<input type="hidden" name="next" value="/message/">' in page
    assert 'name="locale" value="zh_CN"' in page


def test_the_language_survives_logging_in_and_out(site):
    client = registered_client(site, "alice")
    client.post("/language", data={"locale": "zh_CN", "next": "/"})
    client.post("/auth/logout")
    assert '<html lang="zh-CN">' in client.get("/auth/login").get_data(as_text=True)
    client.post("/auth/login", data={"username": "alice", "password": PASSWORD})
    home = client.get("/").get_data(as_text=True)
    assert "欢迎回来，alice" in home  # noqa: RUF001 (Chinese punctuation)


def test_dates_are_formatted_for_the_locale(site):
    client = registered_client(site, "alice")
    english = client.get("/auth/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    chinese = client.get("/auth/", headers=CHINESE).get_data(as_text=True)
    assert re.search(r"<time [^>]*>[A-Z][a-z]+ \d{1,2}, \d{4}</time>", english)
    assert re.search(r"<time [^>]*>\d{4}年\d{1,2}月\d{1,2}日</time>", chinese)


def anonymous_pages(client):
    """Pages anyone can reach: forms (also with errors) and error pages."""
    yield "/", client.get("/")
    yield "/about", client.get("/about")
    yield "/auth/login", client.get("/auth/login")
    yield "/auth/register", client.get("/auth/register")
    yield "login errors", client.post("/auth/login", data={"username": "x", "password": "y"})
    yield "register errors", client.post("/auth/register", data={"username": "a!", "password": "1"})
    yield "/message/", client.get("/message/")
    yield "/message/ search", client.get("/message/?q=nothing")
    yield "/todo/ (to the login page)", client.get("/todo/", follow_redirects=True)
    yield "404", client.get("/no-such-page")
    yield "405", client.get("/auth/logout")
    yield "413", client.post("/auth/login", data={"username": "x" * 2_000_000})
    nameless = client.post("/auth/login", data=NAMELESS_PART, content_type=NAMELESS_PART_TYPE)
    yield "400 nameless part", nameless
    yield "400 two ports", client.get("/", headers={"Host": "localhost:5000:80"})


def logged_in_pages(client):
    """Pages of a logged-in user, with the form errors they can meet."""
    yield "home (first visit)", client.get("/")
    yield "home", client.get("/")
    yield "/auth/", client.get("/auth/")
    yield "/auth/password", client.get("/auth/password")
    yield "password errors", client.post("/auth/password", data={"current": "", "new": "x"})
    yield "delete errors", client.post("/auth/delete", data={"password": "wrong one"})
    yield from todo_pages(client)
    yield from message_pages(client)


def todo_pages(client):
    """The todo list empty, with todos (one overdue, one done), its forms with errors."""
    yield "/todo/ empty", client.get("/todo/")
    yield "todo errors", client.post("/todo/add", data={"title": ""})
    for title, due in (("Buy milk", "2000-01-01"), ("Call Sam", ""), ("Pay rent", "2999-01-01")):
        client.post("/todo/add", data={"title": title, "due": due})
    client.post("/todo/2/toggle")
    yield "/todo/", client.get("/todo/")
    yield "/todo/?show=done", client.get("/todo/?show=done")
    yield "/todo/1/edit", client.get("/todo/1/edit")
    yield "edit errors", client.post("/todo/1/edit", data={"title": "", "due": "soon"})
    client.post("/todo/clear-done")
    yield "/todo/?show=done empty", client.get("/todo/?show=done")


def message_pages(client):
    """The board empty, with a message, its form with errors, a search, a second page."""
    yield "/message/ empty", client.get("/message/")
    yield "message errors", client.post("/message/", data={"content": ""})
    for number in range(21):
        client.post("/message/", data={"content": f"hello {number}"})
    yield "/message/", client.get("/message/")
    yield "/message/?page=2", client.get("/message/?page=2")
    yield "/message/ no match", client.get("/message/?q=nothing+here")


@pytest.mark.parametrize("who", ["anonymous", "logged in"])
def test_every_page_in_chinese_has_no_english_left(site, who):
    client = Client(site)
    client.post("/language", data={"locale": "zh_CN", "next": "/"})
    if who == "anonymous":
        pages = anonymous_pages(client)
    else:
        form = {"username": "alice", "password": PASSWORD, "confirm": PASSWORD}
        assert client.post("/auth/register", data=form).status_code == 302
        pages = logged_in_pages(client)
    for name, response in pages:
        page = response.get_data(as_text=True)
        assert '<html lang="zh-CN">' in page, name
        assert english_words(page, allowed=USER_DATA) == [], name


def test_the_throttled_login_page_in_chinese(site):
    client = Client(site)
    client.post("/language", data={"locale": "zh_CN"})
    for _ in range(6):
        response = client.post("/auth/login", data={"username": "bob", "password": "wrong"})
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "失败次数过多" in page
    assert english_words(page) == []


def test_the_english_pages_say_what_the_chinese_ones_do(site):
    page = Client(site).get("/auth/register").get_data(as_text=True)
    assert "<h1>Create your account</h1>" in page
    assert english_words(page) != []  # the checker finds English where there is some


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_catalog_is_translated_and_compiled(catalog):
    with catalog.open("rb") as source:
        messages = read_po(source)
    with catalog.with_suffix(".mo").open("rb") as compiled:
        shipped = read_mo(compiled)
    assert [message.id for message in messages if message.id and not message.string] == []
    assert [message.id for message in messages if message.fuzzy and message.id] == []
    assert as_dict(messages) == as_dict(shipped)


def as_dict(catalog):
    """msgid to msgstr, plurals as tuples, whether read from a .po or a .mo file."""

    def plain(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    return {plain(message.id): plain(message.string) for message in catalog if message.id}


def test_every_app_and_the_shared_layer_has_a_chinese_catalog():
    apps = {path.parts[-5] for path in CATALOGS}
    assert {"common", "portal", "auth"} <= apps
    assert all(path.parts[-3] == "zh_Hans_CN" for path in CATALOGS)
