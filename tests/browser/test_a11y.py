"""axe-core finds no WCAG 2.2 A or AA violation on any page, at desktop and phone widths.

axe-core comes from npm (``npm ci --prefix tests/browser``, as ``.ci/run`` does) and is
evaluated in the page through the DevTools protocol, which the site's CSP allows.
"""

import json
from pathlib import Path

import pytest

from tests.conftest import register_in_browser

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().with_name("node_modules") / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}


def axe_source():
    """The axe-core script, or a failure saying how to install it."""
    if not AXE.is_file():
        pytest.fail("axe-core is missing: npm ci --prefix tests/browser")
    return AXE.read_text()


def violations(page):
    """axe-core's WCAG A/AA violations on the page as it is now, in short."""
    page.evaluate(axe_source())
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}}
    result = page.evaluate("options => axe.run(document, options)", options)
    return [
        f"{found['id']} ({found['impact']}): {[node['target'] for node in found['nodes']]}"
        for found in result["violations"]
    ]


# Inputs whose placeholder is wider than the room inside them: a cut-off hint.
CUT_PLACEHOLDERS = """() => {
  const text = document.createElement("canvas").getContext("2d");
  return [...document.querySelectorAll("input[placeholder]")]
    .filter(input => input.offsetParent !== null)
    .filter(input => {
      const style = getComputedStyle(input);
      text.font = style.font;
      const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
      const room = input.clientWidth - padding;
      return text.measureText(input.placeholder).width > room;
    })
    .map(input => input.name);
}"""


def assert_accessible(page, name):
    """No violations on ``page`` and no cut-off placeholder; the message says where."""
    found = violations(page)
    assert found == [], f"{name}: {json.dumps(found, ensure_ascii=False, indent=1)}"
    assert page.evaluate(CUT_PLACEHOLDERS) == [], f"{name}: placeholder cut off"


def visit(page, url, name, checked):
    """Open ``url`` and check it."""
    page.goto(url)
    assert_accessible(page, name)
    checked.append(name)


def anonymous_tour(page, base, checked):
    """Pages and error pages anyone meets, and forms sent with errors."""
    for path in ("/", "/about", "/auth/login", "/auth/register", "/no-such-page"):
        visit(page, base + path, path, checked)
    visit(page, base + "/auth/logout", "405", checked)
    page.goto(base + "/auth/login")
    page.click("form[action='/auth/login'] button[type=submit]")
    page.wait_for_selector(".field-error")
    assert_accessible(page, "login errors")
    page.goto(base + "/auth/register")
    page.fill("input[name=username]", "a!")
    page.click("form[action='/auth/register'] button[type=submit]")
    page.wait_for_selector(".field-error")
    assert_accessible(page, "register errors")
    checked += ["login errors", "register errors"]


def logged_in_tour(page, base, checked):
    """A new account's pages, and the password form with errors."""
    register_in_browser(page, base, "alice")
    assert_accessible(page, "home (first visit)")
    for path in ("/", "/auth/", "/auth/password", "/about", "/no-such-page"):
        visit(page, base + path, path + " (logged in)", checked)
    page.goto(base + "/auth/password")
    page.click("form[action='/auth/password'] button[type=submit]")
    page.wait_for_selector(".field-error")
    assert_accessible(page, "password errors")
    checked += ["home (first visit)", "password errors"]
    todo_tour(page, base, checked)
    board_tour(page, base, checked)


def todo_tour(page, base, checked):
    """The todo list empty, with an overdue and a done todo, with errors, and editing."""
    visit(page, base + "/todo/", "/todo/ empty", checked)
    page.fill("input[name=title]", "   ")  # passes the browser's check, not the server's
    page.click("form.todo-form button[type=submit]")
    page.wait_for_selector(".field-error")
    assert_accessible(page, "todo errors")
    page.fill("input[name=title]", "Buy milk")
    page.fill("input[name=due]", "2000-01-01")
    page.click("form.todo-form button[type=submit]")
    page.fill("input[name=title]", "Call Sam")
    page.click("form.todo-form button[type=submit]")
    page.click(".todo .check >> nth=1")
    page.wait_for_selector(".todo.is-done")
    assert_accessible(page, "/todo/ with todos")
    page.click(".todo .actions a >> nth=0")
    page.wait_for_selector("form button.btn-primary")
    assert_accessible(page, "edit todo")
    checked += ["todo errors", "/todo/ with todos", "edit todo"]


def board_tour(page, base, checked):
    """The board with its form's error, then live: a message arriving while it is open."""
    page.goto(base + "/message/")
    page.fill("textarea[name=content]", "   ")
    page.click("form.post-form button[type=submit]")
    page.wait_for_selector(".field-error")
    assert_accessible(page, "message errors")
    page.goto(base + "/message/")
    page.wait_for_selector("#live-status:not([hidden])")
    page.fill("textarea[name=content]", "hello")
    page.click("form.post-form button[type=submit]")
    page.wait_for_selector(".message")
    page.wait_for_selector("#live-status:not([hidden])")
    assert_accessible(page, "/message/ live")
    checked += ["message errors", "/message/ live"]


@pytest.mark.parametrize("language", ["en", "zh-CN"])
@pytest.mark.parametrize("size", SIZES)
def test_every_page_passes_axe(live_server, browser, size, language):
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, locale=language)
    context.set_default_timeout(10_000)
    page = context.new_page()
    checked = []
    try:
        anonymous_tour(page, live_server.url, checked)
        logged_in_tour(page, live_server.url, checked)
    finally:
        context.close()
    assert len(checked) == 21


def test_the_skip_link_is_the_first_stop_and_leads_to_the_content(live_server, page):
    page.goto(live_server.url + "/auth/login")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("link => link === document.activeElement")
    assert skip.is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_the_switcher_works_without_javascript(live_server, browser):
    context = browser.new_context(java_script_enabled=False, locale="en")
    page = context.new_page()
    try:
        page.goto(live_server.url + "/auth/login")
        page.click("button[name=locale][value=zh_CN]")
        page.wait_for_url(live_server.url + "/auth/login")
        assert page.locator("h1").inner_text() == "登录"
        page.goto(live_server.url + "/message/")
        assert page.locator("html").get_attribute("lang") == "zh-CN"
    finally:
        context.close()


def test_the_favicon_loads(live_server, page):
    response = page.goto(live_server.url + "/favicon.ico")
    assert response.status == 200
    assert response.headers["content-type"] == "image/vnd.microsoft.icon"
    page.goto(live_server.url + "/")
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert page.goto(live_server.url + icon).headers["content-type"].startswith("image/svg+xml")


def test_the_check_finds_a_violation_where_there_is_one(page):
    page.set_content('<html lang="en"><title>t</title><body><img src="x.png"></body></html>')
    assert any(found.startswith("image-alt") for found in violations(page))
