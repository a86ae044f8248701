"""The landing page in a real browser, and a link into each mounted app."""

import pytest

pytestmark = pytest.mark.browser


def test_landing_page_links_into_every_app(live_server, page):
    page.goto(live_server.url + "/")
    assert page.title() == "Home · Dispatcher"
    for title, prefix in [("Account", "/auth/"), ("Todo", "/todo/"), ("Messages", "/message/")]:
        page.goto(live_server.url + "/")
        page.locator(".app-card", has_text=title).click()
        page.wait_for_url(live_server.url + prefix + "**")
        assert page.locator("nav .nav-link[aria-current=page]").inner_text() == title
