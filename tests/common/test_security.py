"""CSRF, body size limits, security headers, cookie flags, and the error pages."""

import re
import time

import pytest

from apps.common.csrf import SIGNED_TOKENS_KEY

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def csrf_token_from(page):
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_post_without_csrf_token_is_refused(make_app):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    response = client.post("/form", data={"text": "hello"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The CSRF token is missing." in page
    assert '<link rel="stylesheet"' in page


def test_post_with_a_wrong_csrf_token_is_refused(make_app):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    client.get("/form")
    response = client.post("/form", data={"text": "hello", "csrf_token": "forged"})
    assert response.status_code == 400
    assert "The CSRF token is invalid." in response.get_data(as_text=True)


def test_post_with_the_forms_csrf_token_is_accepted(make_app):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    token = csrf_token_from(client.get("/form").get_data(as_text=True))
    response = client.post("/form", data={"text": "hello", "csrf_token": token})
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "got 5 characters"


def test_pages_within_a_minute_carry_one_signed_token_then_a_new_one(make_app, monkeypatch):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    wall, clock = time.time(), time.monotonic()

    def pages_after(seconds):
        monkeypatch.setattr(time, "time", lambda: wall + seconds)
        monkeypatch.setattr(time, "monotonic", lambda: clock + seconds)
        return csrf_token_from(client.get("/form").get_data(as_text=True))

    client.get("/form")  # the first page gives the browser its session
    first, half_a_minute, a_minute = pages_after(0), pages_after(30), pages_after(61)

    assert half_a_minute == first
    assert a_minute != first
    for token in (first, a_minute):
        response = client.post("/form", data={"text": "hello", "csrf_token": token})
        assert response.status_code == 200


def test_a_client_without_cookies_leaves_no_signed_token_behind(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    for _ in range(3):
        assert csrf_token_from(app.test_client().get("/form").get_data(as_text=True))

    assert app.extensions[SIGNED_TOKENS_KEY] == {}


def test_a_new_csrf_key_gets_a_token_signed_with_it(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    old = csrf_token_from(client.get("/form").get_data(as_text=True))

    app.config["WTF_CSRF_SECRET_KEY"] = "a key for tokens alone"
    new = csrf_token_from(client.get("/form").get_data(as_text=True))

    assert new != old
    response = client.post("/form", data={"text": "hello", "csrf_token": new})
    assert response.status_code == 200


def test_a_body_over_the_limit_is_a_413_page(client):
    response = client.post("/form", data={"text": "x" * (1024 * 1024 + 1)})
    assert response.status_code == 413
    assert "<h1>That was too much</h1>" in response.get_data(as_text=True)


def test_a_form_just_under_the_limit_is_accepted(client):
    response = client.post("/form", data={"text": "x" * 400_000})
    assert response.get_data(as_text=True) == "got 400000 characters"


def test_wrong_method_is_a_405_page_that_keeps_allow(client):
    response = client.delete("/form")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}
    assert "<h1>Not possible this way</h1>" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "status", "name"),
    [("/forbidden", 403, "Not allowed"), ("/missing", 404, "Page not found")],
)
def test_error_pages_have_the_projects_look_and_headers(client, path, status, name):
    response = client.get(path)
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert f"<h1>{name}</h1>" in page
    assert 'class="topbar"' in page
    for header, value in SECURITY_HEADERS.items():
        assert response.headers[header] == value


def test_an_unexpected_exception_is_a_500_page_without_internals(make_app):
    app = make_app(TESTING=False)
    response = app.test_client().get("/crash")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "<h1>Something went wrong on our side</h1>" in page
    assert "secret internals" not in page
    assert "Traceback" not in page


def test_session_cookie_is_httponly_lax_secure_and_site_wide(make_app):
    client = make_app(WTF_CSRF_ENABLED=True, SESSION_COOKIE_SECURE=None).test_client()
    client.get("/form")
    cookie = client.get_cookie("dispatcher_session")
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    assert cookie.secure
    assert cookie.path == "/"


def test_pages_carry_a_strict_content_security_policy(client):
    policy = client.get("/form").headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
