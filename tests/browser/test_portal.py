"""The landing page in a real browser, and a link into each mounted app."""

import pytest

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
