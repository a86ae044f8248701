"""The todo list in a real browser: register, then add, complete, edit and delete a todo."""

import pytest
from playwright.sync_api import expect

from tests.conftest import register_in_browser

pytestmark = pytest.mark.browser


def test_add_complete_edit_and_delete_a_todo(live_server, page):
    register_in_browser(page, live_server.url, "alice")
    page.goto(live_server.url + "/todo/")
    expect(page).to_have_title("Todo · Dispatcher")
    expect(page.locator(".empty-state")).to_contain_text("Nothing to do yet")

    page.get_by_label("What needs doing?").fill("Buy milk")
    page.get_by_label("Due").fill("2020-01-02")
    page.get_by_role("button", name="Add").click()
    expect(page.locator(".flash-success")).to_have_text("Added “Buy milk”.")
    expect(page.locator(".todo .badge-danger")).to_have_text("Overdue")

    page.get_by_role("button", name="Complete “Buy milk”").click()
    expect(page.locator(".flash-success")).to_have_text("Done: “Buy milk”.")
    expect(page.locator(".todo.is-done .title")).to_have_text("Buy milk")
    reopen = page.get_by_role("button", name="Reopen “Buy milk”")
    expect(reopen).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".todo .badge-danger")).to_have_count(0)

    page.get_by_role("link", name="Edit “Buy milk”").click()
    expect(page).to_have_title("Edit todo · Dispatcher")
    page.get_by_label("What needs doing?").fill("Buy oat milk")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_have_text("Saved “Buy oat milk”.")
    expect(page.locator(".todo .title")).to_have_text(["Buy oat milk"])

    page.get_by_role("button", name="Delete “Buy oat milk”").click()
    expect(page.locator(".flash-success")).to_have_text("Deleted “Buy oat milk”.")
    expect(page.locator(".empty-state")).to_contain_text("Nothing to do yet")


def test_a_blank_title_is_refused_by_the_server_too(live_server, page):
    register_in_browser(page, live_server.url, "bob")
    page.goto(live_server.url + "/todo/")
    # The browser's own check stops an empty title; spaces get past it to the server.
    page.get_by_label("What needs doing?").fill("   ")
    page.get_by_role("button", name="Add").click()
    expect(page.locator("#title-error")).to_have_text("Write what needs doing.")
    expect(page.locator(".todo")).to_have_count(0)
