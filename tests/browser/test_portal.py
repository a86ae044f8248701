"""The landing page in a real browser, and a link into each mounted app."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_landing_page_links_into_every_app(live_server, page):
    page.goto(live_server.url + "/")
    assert page.title() == "Home · Dispatcher"
    for title, landing, current in [
        ("Account", "/auth/", "Account"),
        ("Todo", "/auth/login?next=/todo/", "Account"),  # the todo list needs a login
        ("Messages", "/message/", "Messages"),
    ]:
        page.goto(live_server.url + "/")
        page.locator(".app-card", has_text=title).click()
        page.wait_for_url(live_server.url + landing + "**")
        assert page.locator("nav .nav-link[aria-current=page]").inner_text() == current


def test_a_first_visitor_switches_the_language_and_only_then_gets_a_cookie(live_server, page):
    page.goto(live_server.url + "/")
    assert page.context.cookies() == []
    page.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    assert page.url == live_server.url + "/"
    assert [cookie["name"] for cookie in page.context.cookies()] == ["dispatcher_session"]


def test_another_sites_page_cannot_switch_the_language(live_server, page):
    # A page that is not the site's (about:blank here) posting the switcher's form.
    page.set_content(
        f'<form method="post" action="{live_server.url}/language">'
        '<input type="hidden" name="locale" value="zh_CN">'
        '<button type="submit">Switch</button></form>'
    )
    page.get_by_role("button", name="Switch").click()
    page.wait_for_url(live_server.url + "/language")
    assert "The form was not sent from a page of this site." in page.content()
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "en"
