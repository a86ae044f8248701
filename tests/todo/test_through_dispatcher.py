"""The todo app as mounted at /todo, with real users from the auth app."""

import re
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from werkzeug.test import Client

from tests.conftest import registered_client


def todo_ids(page):
    """The ids of the todos listed on ``page``, top to bottom."""
    return [int(found) for found in re.findall(r'action="/todo/(\d+)/toggle"', page)]


def page_of(client, path="/todo/"):
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_anonymous_users_are_sent_to_log_in_and_back(site):
    response = Client(site).get("/todo/?show=open")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/auth/login"
    assert parse_qs(location.query) == {"next": ["/todo/?show=open"]}


def test_a_logged_in_user_adds_completes_edits_and_deletes_todos(site):
    alice = registered_client(site, "alice")
    page = page_of(alice)
    assert ">alice</a>" in page
    assert "Nothing to do yet" in page

    response = alice.post("/todo/add", data={"title": "Buy milk", "due": "2031-04-05"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/todo/"
    alice.post("/todo/add", data={"title": "Call Sam"})
    page = page_of(alice)
    assert "Added “Call Sam”." in page
    call_sam, buy_milk = todo_ids(page)

    assert alice.post(f"/todo/{buy_milk}/toggle").headers["Location"] == "/todo/"
    assert 'class="list-item todo is-done"' in page_of(alice)

    response = alice.post(f"/todo/{call_sam}/edit", data={"title": "Call Sam back", "due": ""})
    assert response.headers["Location"] == "/todo/"
    assert "Saved “Call Sam back”." in page_of(alice)

    assert alice.post("/todo/clear-done").status_code == 302
    page = page_of(alice)
    assert todo_ids(page) == [call_sam]
    assert "1 open · 0 done" in page

    assert alice.post(f"/todo/{call_sam}/delete").status_code == 302
    assert "Nothing to do yet" in page_of(alice)


def test_bad_input_through_the_mount_is_a_400_with_the_message(site):
    alice = registered_client(site, "alice")
    response = alice.post("/todo/add", data={"title": "  "})
    assert response.status_code == 400
    assert "Write what needs doing." in response.get_data(as_text=True)
    assert todo_ids(page_of(alice)) == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/todo/{id}/toggle"),
        ("GET", "/todo/{id}/edit"),
        ("POST", "/todo/{id}/edit"),
        ("POST", "/todo/{id}/delete"),
    ],
)
def test_a_second_user_gets_404_for_the_first_users_todos(site, method, path):
    alice = registered_client(site, "alice")
    alice.post("/todo/add", data={"title": "Alice's secret"})
    alice.post("/todo/add", data={"title": "Alice's done one"})
    secret, done_one = todo_ids(page_of(alice))
    alice.post(f"/todo/{done_one}/toggle")
    bob = registered_client(site, "bob")

    response = bob.open(path.format(id=secret), method=method, data={"title": "Bob was here"})
    assert response.status_code == 404
    assert "Alice's secret" not in response.get_data(as_text=True)
    bob.post("/todo/clear-done")

    assert "Alice's" not in page_of(bob)
    page = page_of(alice)
    assert todo_ids(page) == [secret, done_one]
    assert "Bob was here" not in page
    assert "1 open · 1 done" in page
