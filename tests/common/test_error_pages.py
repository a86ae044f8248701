"""Error pages in the project's words, with a way on; the icon; the skip link."""

import pytest
from werkzeug.test import Client

from apps.todo import create_app as create_todo_app
from tests.conftest import app_test_config
from tests.conftest import create_tables
from tests.conftest import registered_client


@pytest.mark.parametrize(
    ("path", "method", "status", "title"),
    [
        ("/no-such-page", "GET", 404, "Page not found"),
        ("/auth/logout", "GET", 405, "Not possible this way"),
        ("/todo/no-such-page", "GET", 404, "Page not found"),
    ],
)
def test_error_pages_say_what_happened_and_offer_a_way_on(site, path, method, status, title):
    response = Client(site).open(path, method=method)
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert f"<h1>{title}</h1>" in page
    assert f"<title>{title} · Dispatcher</title>" in page
    assert 'href="/">Go to the start page</a>' in page
    assert 'href="/auth/login?next=' in page
    assert '<form class="search-form" role="search" method="get" action="/message/">' in page
    for stock in ("The requested URL", "The method is not allowed", "Werkzeug"):
        assert stock not in page


def test_a_logged_in_user_is_not_offered_the_login_page(site):
    page = registered_client(site, "alice").get("/no-such-page").get_data(as_text=True)
    assert "<h1>Page not found</h1>" in page
    assert "Log in</a>" not in page


def test_an_oversized_body_is_a_413_in_plain_words(site):
    response = Client(site).post("/auth/login", data={"username": "x" * 2_000_000})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "<h1>That was too much</h1>" in page
    assert "larger than this site accepts" in page


def test_the_todo_app_alone_explains_its_401(databases):
    app = create_todo_app(app_test_config(databases, "todo"))
    create_tables(app)
    response = app.test_client().get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "<h1>Please log in first</h1>" in page
    assert "runs here without the auth app, so there is no login page" in page
    assert "credentials" not in page  # Werkzeug's stock 401 text


def test_a_custom_reason_is_shown_under_the_projects_words(site):
    response = Client(site).post("/language", data={"locale": "xx"})
    page = response.get_data(as_text=True)
    assert "<h1>Something in the request was not right</h1>" in page
    assert '<p class="muted">Choose English or Chinese.</p>' in page


def test_the_favicon_is_served_at_the_root_and_linked_as_svg(site):
    client = Client(site)
    with client.get("/favicon.ico") as icon:
        assert icon.status_code == 200
        assert icon.mimetype == "image/vnd.microsoft.icon"
        assert icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO header
    page = client.get("/auth/login").get_data(as_text=True)
    svg_link = '<link rel="icon" href="/auth/static/common/favicon.svg" type="image/svg+xml">'
    assert svg_link in page
    with client.get("/auth/static/common/favicon.svg") as svg:
        assert svg.mimetype == "image/svg+xml"
        assert svg.get_data(as_text=True).startswith("<svg")


def test_every_page_starts_with_a_skip_link_to_the_content(site):
    page = Client(site).get("/message/").get_data(as_text=True)
    body = page.split("<body>", 1)[1].lstrip()
    assert body.startswith('<a class="skip-link" href="#main">Skip to content</a>')
    assert '<main class="container" id="main" tabindex="-1">' in page
