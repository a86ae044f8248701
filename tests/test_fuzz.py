"""Fuzzed form posts through the whole WSGI stack: never a 5xx, on any POST route.

A fixed budget of examples per route (``derandomize`` keeps each run the same), as
url-encoded forms, hand-built multipart bodies (nameless parts, files, odd part
headers) and raw bytes under assorted content types. CSRF is on, as in production;
most examples carry the session's real token so they reach the views.
"""

import re
import urllib.parse

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from werkzeug.test import Client

from tests.conftest import PASSWORD
from tests.conftest import create_test_site
from tests.test_hardening import POST_ROUTES

EXAMPLES_PER_ROUTE = 50
FIELD_NAMES = [
    "username",
    "password",
    "confirm",
    "next",
    "current",
    "new",
    "title",
    "due",
    "content",
    "csrf_token",
]
CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "multipart/form-data; boundary=",
    "text/plain",
    "application/json",
    "application/octet-stream",
]

names = st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=20))
values = st.one_of(st.text(max_size=300), st.sampled_from([PASSWORD, "2024-02-30", "", "1"]))
fields = st.lists(st.tuples(names, values), max_size=6)
part_headers = st.one_of(
    st.just(""),
    st.sampled_from(
        [
            "Content-Type: text/plain; charset=utf-8\r\n",
            "Content-Type: application/octet-stream\r\n",
            "Content-Transfer-Encoding: base64\r\n",
        ]
    ),
    st.text(alphabet=st.characters(max_codepoint=255), max_size=40),
)


@st.composite
def multipart_bodies(draw):
    """A multipart body and its content type, some parts without a name or with a file."""
    boundary = draw(st.sampled_from(["B", "----fuzz", "x" * 70]))
    body = b""
    for name, value in draw(fields):
        disposition = "form-data"
        if draw(st.booleans()):
            disposition += f'; name="{name}"'
        if draw(st.integers(0, 4)) == 0:
            disposition += f'; filename="{draw(st.text(max_size=10))}"'
        head = f"Content-Disposition: {disposition}\r\n{draw(part_headers)}\r\n"
        body += f"--{boundary}\r\n".encode() + head.encode("utf-8", "surrogatepass")
        body += value.encode("utf-8", "surrogatepass") + b"\r\n"
    if draw(st.booleans()):
        body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@st.composite
def bodies(draw, token):
    """Any body a client could send, most with the real CSRF token."""
    kind = draw(st.sampled_from(["urlencoded", "multipart", "raw"]))
    if kind == "raw":
        return draw(st.binary(max_size=500)), draw(st.sampled_from(CONTENT_TYPES))
    form = draw(fields)
    if draw(st.integers(0, 5)):
        form.append(("csrf_token", token))
    if kind == "urlencoded":
        return urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded"
    body, content_type = draw(multipart_bodies())
    return body, content_type


def logged_in_client(site):
    """A client registered through the real form (CSRF on), and its CSRF token."""
    client = Client(site)
    token = form_token(client)
    form = {"username": "fuzzer", "password": PASSWORD, "confirm": PASSWORD, "csrf_token": token}
    assert client.post("/auth/register", data=form).status_code == 302
    return client, token


def form_token(client):
    page = client.get("/auth/register").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


@pytest.mark.parametrize("path", POST_ROUTES)
def test_no_fuzzed_post_gives_a_server_error(databases, path):
    site = create_test_site(databases, TESTING=False, WTF_CSRF_ENABLED=True)
    client, token = logged_in_client(site)

    @settings(
        max_examples=EXAMPLES_PER_ROUTE,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(body=bodies(token))
    def post(body):
        data, content_type = body
        response = client.post(path, data=data, content_type=content_type)
        assert response.status_code < 500, response.get_data(as_text=True)[:500]

    post()
