"""What every page's template is given: the chrome, kept per language and path, the
translation functions and the CSRF token."""

import importlib
import re

from flask import render_template_string
from werkzeug.test import Client

from tests.conftest import create_test_site
from tests.conftest import mounted_app
from tests.conftest import registered_client

CHINESE = {"Accept-Language": "zh-CN"}
EDGE = {"X-Forwarded-Prefix": "/edge"}


def nav_links(page: str) -> list[tuple[str, str]]:
    """The top bar's app links: (href, title), in order."""
    nav = page.split('<nav class="nav"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'href="([^"]*)"[^>]*>([^<]*)</a>', nav)


def test_the_chrome_follows_the_language_each_time(site):
    client = Client(site)
    english = client.get("/message/").get_data(as_text=True)
    chinese = client.get("/message/", headers=CHINESE).get_data(as_text=True)
    again = client.get("/message/").get_data(as_text=True)

    assert [title for _, title in nav_links(english)] == ["Home", "Account", "Todo", "Messages"]
    assert [title for _, title in nav_links(chinese)][2:] == ["待办", "留言"]
    assert nav_links(again) == nav_links(english)
    assert '<html lang="zh-CN">' in chinese and '<html lang="en">' in again
    assert 'lang="zh-CN" aria-pressed="true">中文' in chinese
    assert 'lang="en" aria-pressed="true">English' in again


def test_the_chrome_follows_the_path_the_site_is_served_under(databases):
    site = create_test_site(databases, PROXY_FIX_X_PREFIX=1)
    client = Client(site)
    behind_proxy = client.get("/message/", headers=EDGE).get_data(as_text=True)
    direct = client.get("/message/").get_data(as_text=True)

    assert [href for href, _ in nav_links(behind_proxy)] == [
        "/edge/",
        "/edge/auth/",
        "/edge/todo/",
        "/edge/message/",
    ]
    assert [href for href, _ in nav_links(direct)] == ["/", "/auth/", "/todo/", "/message/"]
    assert 'action="/edge/message/language"' in behind_proxy
    assert 'action="/message/language"' in direct


def test_only_the_current_apps_link_is_marked_current(site):
    page = Client(site).get("/message/").get_data(as_text=True)
    current = re.findall(r'href="([^"]*)"\s+aria-current="page"', page)
    assert current == ["/message/"]


def test_template_translations_escape_what_goes_in(site):
    app = mounted_app(site, "message")
    source = (
        "{{ _('Log out') }}|{{ _('Hi %(name)s', name=name) }}|"
        "{{ ngettext('%(num)d message', '%(num)d messages', 3) }}"
    )
    with app.test_request_context("/", headers=CHINESE):
        chinese = render_template_string(source, name="<b>Bo</b>")
    with app.test_request_context("/"):
        english = render_template_string(source, name="<b>Bo</b>")

    assert chinese.split("|")[0] == "退出登录"
    assert chinese.split("|")[1] == "Hi &lt;b&gt;Bo&lt;/b&gt;"
    assert "3" in chinese.split("|")[2] and "messages" not in chinese
    assert english == "Log out|Hi &lt;b&gt;Bo&lt;/b&gt;|3 messages"


def test_a_page_signs_its_csrf_token_once(site, monkeypatch):
    client = registered_client(site, "sam")
    # The module, not the CSRFProtect object apps.common exports under the same name.
    csrf_module = importlib.import_module("apps.common.csrf")
    signed = []
    generate = csrf_module.generate_csrf

    def counting_generate():
        signed.append(1)
        return generate()

    monkeypatch.setattr(csrf_module, "generate_csrf", counting_generate)
    page = client.get("/message/").get_data(as_text=True)
    # The log-out button carries it, and the board's live updates get it for the
    # delete buttons they draw (the language switcher has none).
    tokens = re.findall(r'name="csrf_token" value="([^"]+)"', page)
    tokens += re.findall(r'data-csrf-token="([^"]+)"', page)
    assert len(tokens) == 2 and len(set(tokens)) == 1
    assert signed == [1]
