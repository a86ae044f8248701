"""Register, log out and log in again in a real browser; every app shows the user."""

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

APP_PAGES = ["/", "/auth/", "/todo/", "/message/"]


@pytest.fixture
def page(page):
    """The browser tab, without the message board's live stream."""
    # A stream's server thread outlives the test (it polls the database until its
    # next write) and would hold a connection past teardown; sign-on does not need it.
    page.route("**/message/stream**", lambda route: route.abort())
    return page


def assert_nav_shows(page, base_url, username):
    for path in APP_PAGES:
        page.goto(base_url + path)
        assert page.locator(".account .user").inner_text() == username, path


def test_register_log_out_log_in_and_be_known_everywhere(live_server, page):
    base = live_server.url
    page.goto(base + "/")
    page.locator(".account").get_by_role("link", name="Register").click()
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(base + "/")  # a new account lands on the start page
    assert "Welcome, alice!" in page.locator(".flash").inner_text()
    assert page.locator("h1").inner_text() == "Welcome, alice"
    assert_nav_shows(page, base, "alice")

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(base + "/auth/login")
    for path in APP_PAGES:
        page.goto(base + path)
        assert page.locator(".account .user").count() == 0, path

    # Logging in from the todo app leads back to it.
    page.goto(base + "/todo/")
    page.wait_for_url(base + "/auth/login?next=**")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    assert "Wrong username or password." in page.locator(".field-error").inner_text()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/todo/")
    assert_nav_shows(page, base, "alice")


def test_a_form_error_is_shown_next_to_its_field(live_server, page):
    page.goto(live_server.url + "/auth/register")
    page.get_by_label("Username").fill("al")
    page.get_by_label("Password", exact=True).fill("password")
    page.get_by_label("Confirm password").fill("password")
    page.get_by_role("button", name="Create account").click()
    assert "Use 3 to 32 characters." in page.locator("#username-error").inner_text()
    assert "most common" in page.locator("#password-error").inner_text()
    assert page.get_by_label("Username").input_value() == "al"
