"""Pages kept once rendered (landing, todo, board): rendered again exactly when what they
show changes, each request with its own CSRF token."""

import re
from datetime import timedelta

import pytest
from flask import template_rendered
from werkzeug.test import Client

from apps.common.pagecache import TOKEN_SLOT
from apps.common.pagecache import PageCache
from apps.todo.models import utc_today
from tests.conftest import PASSWORD
from tests.conftest import create_test_site
from tests.conftest import mounted_app
from tests.conftest import registered_client

CHINESE = {"Accept-Language": "zh-CN"}
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def renders(site):
    """The names of the templates the site's apps render, as they render them."""
    rendered = []

    def note(sender, template, context, **extra):
        rendered.append(template.name)

    for name in ("portal", "todo", "message"):
        template_rendered.connect(note, mounted_app(site, name))
    yield rendered
    for name in ("portal", "todo", "message"):
        template_rendered.disconnect(note, mounted_app(site, name))


def page_of(client, path, **kwargs):
    response = client.get(path, **kwargs)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def without_tokens(page):
    return TOKEN.sub("", page).replace(page_token(page), "")


def page_token(page):
    tokens = set(TOKEN.findall(page))
    assert len(tokens) == 1
    return tokens.pop()


def test_the_todo_page_renders_again_only_when_its_rows_change(site, renders):
    client = registered_client(site, "sam")
    client.post("/todo/add", data={"title": "Buy milk"})
    first = page_of(client, "/todo/")  # shows the "Added" flash: never kept
    renders.clear()

    kept = page_of(client, "/todo/")
    again = page_of(client, "/todo/")
    assert renders == ["todo/index.html"]
    assert without_tokens(kept) == without_tokens(again)
    assert "Added “Buy milk”." in first and "Added" not in kept

    client.post("/todo/add", data={"title": "Call Ann"})
    page_of(client, "/todo/")
    changed = page_of(client, "/todo/")
    assert re.findall(r'<span class="title">(.*?)</span>', changed) == ["Call Ann", "Buy milk"]
    assert "2 open · 0 done" in changed


def test_each_reader_language_and_url_gets_its_own_board(site, renders):
    sam, ann = registered_client(site, "sam"), registered_client(site, "ann")
    anonymous = Client(site)
    sam.post("/message/", data={"content": "Hello from Sam"})
    for client in (sam, ann):
        page_of(client, "/message/")  # shows the flashes: never kept
        page_of(client, "/message/")
    renders.clear()

    for_sam, for_ann = page_of(sam, "/message/"), page_of(ann, "/message/")
    assert renders == []
    for_nobody = page_of(anonymous, "/message/")
    in_chinese = page_of(sam, "/message/", headers=CHINESE)
    searched = page_of(sam, "/message/?q=nothing")
    assert len(renders) == 3
    assert "Posting as <strong>sam</strong>" in for_sam and "btn-danger" in for_sam
    assert "Posting as <strong>ann</strong>" in for_ann and "btn-danger" not in for_ann
    assert "Log in</a> or" in for_nobody and "Posting as" not in for_nobody
    assert '<html lang="zh-CN">' in in_chinese
    assert "Hello from Sam" in for_ann and "Hello from Sam" not in searched


def test_a_message_from_anyone_renders_the_board_again(site):
    sam, ann = registered_client(site, "sam"), registered_client(site, "ann")
    page_of(sam, "/message/")
    page_of(sam, "/message/")
    ann.post("/message/", data={"content": "Ann was here"})
    assert "Ann was here" in page_of(sam, "/message/")


def test_the_landing_page_renders_again_for_new_numbers_and_a_new_account(site, renders):
    for visitor in (Client(site), Client(site)):
        assert "One account, 3 apps" in page_of(visitor, "/")
    assert renders == ["portal/index.html"]

    sam = registered_client(site, "sam")
    assert "<h1>Welcome, sam</h1>" in page_of(sam, "/")
    assert "<h1>Welcome back, sam</h1>" in page_of(sam, "/")
    assert re.search(r"<dt>Users</dt>\s*<dd>1</dd>", page_of(sam, "/"))
    registered_client(site, "ann")
    assert re.search(r"<dt>Users</dt>\s*<dd>2</dd>", page_of(sam, "/"))


def test_the_day_decides_the_badges_of_a_kept_page(site, monkeypatch):
    client = registered_client(site, "sam")
    tomorrow = utc_today() + timedelta(days=1)
    client.post("/todo/add", data={"title": "Pay rent", "due": tomorrow.isoformat()})
    page_of(client, "/todo/")
    assert "badge-danger" not in page_of(client, "/todo/")
    monkeypatch.setattr("apps.todo.views.utc_today", lambda: tomorrow + timedelta(days=1))
    assert "badge-danger" in page_of(client, "/todo/")


def test_a_title_cannot_write_the_token_slot(site):
    client = registered_client(site, "sam")
    client.post("/todo/add", data={"title": str(TOKEN_SLOT)})
    page_of(client, "/todo/")
    page = page_of(client, "/todo/")
    assert '<span class="title">&lt;csrf-token&gt;</span>' in page
    assert str(TOKEN_SLOT) not in page


@pytest.fixture
def site_with_csrf(databases):
    return create_test_site(databases, WTF_CSRF_ENABLED=True)


def send_form(client, path, **form):
    """Fill in and send the form on ``path`` as a browser would, its CSRF token included."""
    token = page_token(page_of(client, path))
    return client.post(path, data={**form, "csrf_token": token})


def test_each_browser_gets_its_own_token_on_the_same_kept_page(site_with_csrf):
    laptop, phone = Client(site_with_csrf), Client(site_with_csrf)
    account = {"username": "sam", "password": PASSWORD}
    assert send_form(laptop, "/auth/register", **account, confirm=PASSWORD).status_code == 302
    assert send_form(phone, "/auth/login", **account).status_code == 302
    token = page_token(page_of(laptop, "/todo/"))
    added = laptop.post("/todo/add", data={"title": "Buy milk", "csrf_token": token})
    assert added.status_code == 302
    for browser in (laptop, phone):
        page_of(browser, "/todo/")  # the flashes

    on_laptop, on_phone = page_of(laptop, "/todo/"), page_of(phone, "/todo/")
    assert without_tokens(on_laptop) == without_tokens(on_phone)
    assert len(TOKEN.findall(on_phone)) == 4  # the add form, the row's two, log out
    assert page_token(on_laptop) != page_token(on_phone)
    todo_id = re.search(r'action="/todo/(\d+)/toggle"', on_phone).group(1)
    toggle = f"/todo/{todo_id}/toggle"
    assert phone.post(toggle, data={"csrf_token": page_token(on_laptop)}).status_code == 400
    assert phone.post(toggle, data={"csrf_token": page_token(on_phone)}).status_code == 302


def test_the_cache_forgets_the_least_recently_used_pages_past_its_budget():
    cache = PageCache(budget=10)
    cache.put("a", b"aaaa")
    cache.put("b", b"bbbb")
    assert cache.get("a") == b"aaaa"
    cache.put("c", b"cccc")
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c"), cache.used) == (b"aaaa", b"cccc", 8)
    cache.put("a", b"a" * 6)
    assert (cache.get("c"), cache.used) == (b"cccc", 10)


def test_a_long_page_is_rendered_each_time(site, renders, monkeypatch):
    client = registered_client(site, "sam")
    page_of(client, "/todo/")
    monkeypatch.setattr("apps.common.pagecache.MAX_KEPT_PAGE_BYTES", 1000)
    renders.clear()
    page_of(client, "/message/")
    page_of(client, "/message/")
    assert renders == ["message/index.html"] * 2


def test_a_head_request_keeps_nothing_for_the_get_after_it(site):
    visitor = Client(site)
    assert visitor.head("/message/?q=hello").status_code == 200
    page = page_of(visitor, "/message/?q=hello")
    assert 'name="next" value="/message/?q=hello"' in page
    assert "/auth/login?next=/message/?q%3Dhello" in page


def test_a_query_that_is_not_utf8_is_still_a_page(site):
    # A WSGI environ holds the raw bytes as latin-1 text.
    response = Client(site).get("/", environ_overrides={"QUERY_STRING": "lang=\xff"})
    assert response.status_code == 200
