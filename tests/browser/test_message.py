"""The message board in a real browser: live updates between two open pages."""

import pytest
from playwright.sync_api import expect

from tests.conftest import register_in_browser

pytestmark = pytest.mark.browser


@pytest.fixture
def quick_streams(live_server):
    """Poll faster, so a new message reaches the other page quickly."""
    message_app = live_server.site.extensions["mount_table"]["message"].app
    message_app.config.update(MESSAGE_STREAM_POLL_SECONDS=0.2)
    return live_server


def post(page, base_url, text):
    page.goto(base_url + "/message/")
    page.fill("textarea[name=content]", text)
    page.get_by_role("button", name="Post").click()
    expect(page.get_by_text("Your message is on the board.")).to_be_visible()


def test_a_new_message_appears_on_another_open_page_without_reload(quick_streams, page, browser):
    base_url = quick_streams.url
    viewer_context = browser.new_context()
    viewer = viewer_context.new_page()
    # Script errors and CSP refusals ("Refused to ..."); the missing favicon is no problem.
    problems = []
    viewer.on("pageerror", lambda error: problems.append(str(error)))
    viewer.on("console", lambda entry: "Refused" in entry.text and problems.append(entry.text))
    try:
        viewer.goto(base_url + "/message/")
        expect(viewer.locator("#live-status")).to_be_visible()
        viewer.evaluate("window.stillTheSamePage = true")

        register_in_browser(page, base_url, "alice")
        post(page, base_url, "Hello <b>everyone</b>\nsecond line")

        newest = viewer.locator("#messages .message").first
        expect(newest.locator(".author")).to_have_text("alice")
        assert newest.locator(".content").text_content() == "Hello <b>everyone</b>\nsecond line"
        assert viewer.locator("#messages b").count() == 0
        assert viewer.locator("#messages-empty").count() == 0
        assert viewer.evaluate("window.stillTheSamePage") is True
        assert problems == []
    finally:
        viewer_context.close()


def test_without_javascript_the_board_works_with_a_reload(quick_streams, browser):
    base_url = quick_streams.url
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        register_in_browser(page, base_url, "bob")
        post(page, base_url, "no script needed")
        first = page.locator("#messages .message").first
        expect(first.locator(".content")).to_have_text("no script needed")
        expect(page.locator("#live-status")).to_be_hidden()
        first.get_by_role("button", name="Delete").click()
        expect(page.get_by_text("Your message was deleted.")).to_be_visible()
        expect(page.get_by_text("No messages yet")).to_be_visible()
    finally:
        context.close()


def test_a_deletion_leaves_every_open_page_and_the_count_follows(quick_streams, page, browser):
    base_url = quick_streams.url
    register_in_browser(page, base_url, "carol")
    post(page, base_url, "keep me")
    post(page, base_url, "delete me")
    viewer_context = browser.new_context()
    viewer = viewer_context.new_page()
    try:
        viewer.goto(base_url + "/message/")
        expect(viewer.locator("#live-status")).to_be_visible()
        expect(viewer.locator("#message-count")).to_have_text("2 messages")

        doomed = page.locator("#messages .message", has_text="delete me")
        doomed.get_by_role("button", name="Delete").click()
        expect(page.get_by_text("Your message was deleted.")).to_be_visible()

        expect(viewer.get_by_text("delete me")).to_have_count(0)
        expect(viewer.locator("#message-count")).to_have_text("1 message")
        expect(viewer.get_by_text("keep me")).to_be_visible()
        post(page, base_url, "and one more")
        expect(viewer.locator("#message-count")).to_have_text("2 messages")
    finally:
        viewer_context.close()


def test_the_author_can_delete_a_message_that_arrived_live(quick_streams, page):
    base_url = quick_streams.url
    register_in_browser(page, base_url, "dave")
    page.goto(base_url + "/message/")
    expect(page.locator("#live-status")).to_be_visible()
    other_tab = page.context.new_page()
    post(other_tab, base_url, "posted in another tab")
    other_tab.close()

    arrived = page.locator("#messages .message", has_text="posted in another tab")
    expect(arrived).to_be_visible()
    arrived.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("Your message was deleted.")).to_be_visible()
    expect(page.get_by_text("posted in another tab")).to_have_count(0)
    expect(page.locator("#message-count")).to_have_text("0 messages")


def test_the_search_field_spans_the_board_on_a_desktop(live_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        page.goto(live_server.url + "/message/")
        card = page.locator("section.card", has=page.locator("#messages")).bounding_box()
        field = page.locator("#q").bounding_box()
        # Only the Search button beside it: not a narrow box in the middle.
        assert field["x"] - card["x"] < 40
        assert field["width"] > card["width"] * 0.6
    finally:
        context.close()
