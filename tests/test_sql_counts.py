"""SQL statements per page: the fast pages stay fast (bench/pages.py times them)."""

import pytest
from werkzeug.test import Client

from tests.conftest import registered_client
from tests.sqlcount import counting_statements
from tests.sqlcount import is_transaction_control

TODOS = 20


@pytest.fixture
def todo_client(site):
    """A logged-in user with 20 todos, half of them done."""
    client = registered_client(site, "alice")
    for number in range(TODOS):
        response = client.post("/todo/add", data={"title": f"todo {number}", "due": "2030-01-02"})
        assert response.status_code == 302
    for todo_id in range(1, TODOS + 1, 2):
        assert client.post(f"/todo/{todo_id}/toggle").status_code == 302
    client.get("/todo/")  # reads the flashed messages
    return client


def page_statements(client, path):
    """The statements a GET of ``path`` sends, and the page it answers."""
    with counting_statements() as statements:
        response = client.get(path)
    assert response.status_code == 200
    return statements, response.get_data(as_text=True)


@pytest.mark.parametrize(("query", "limit", "shown"), [("", 2, 20), ("?show=open", 3, 10)])
def test_the_todo_page_reads_the_session_and_the_list(todo_client, query, limit, shown):
    statements, page = page_statements(todo_client, "/todo/" + query)
    assert page.count('class="list-item todo') == shown
    assert "10 open · 10 done" in page
    # The session check, the list, and, for a filtered list, the counts.
    assert len(statements) == limit, statements


def test_the_board_reads_the_session_and_the_page_with_its_count(site):
    client = registered_client(site, "bob")
    for number in range(TODOS):
        response = client.post("/message/", data={"content": f"message {number}"})
        assert response.status_code == 302
    client.get("/message/")  # reads the flashed messages
    statements, page = page_statements(client, "/message/")
    assert page.count('class="list-item message"') == 20
    assert 'data-count="20"' in page
    # The session check; the page, each row carrying the count and the stream's start.
    assert len(statements) == 2, statements


def test_the_anonymous_landing_page_sends_no_sql(site):
    client = Client(site)
    client.get("/")  # the first request of a process checks every schema, once
    statements, page = page_statements(client, "/")
    assert "Log in" in page
    assert statements == []


def test_transaction_control_is_not_counted():
    assert is_transaction_control("  begin immediate")
    assert is_transaction_control("ROLLBACK TO SAVEPOINT sa_1")
    assert not is_transaction_control("SELECT users.username FROM users")
