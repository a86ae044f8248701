"""The todo list through its pages, on the app alone: what a user sees and what is stored."""

import re
from datetime import date
from datetime import timedelta

import pytest

from apps.todo.models import utc_today


def listed_titles(page):
    """The titles on the list page, top to bottom."""
    return re.findall(r'<span class="title">(.*?)</span>', page)


@pytest.fixture
def logged_in(auth):
    auth.login()


def test_an_empty_list_says_what_to_do(client, logged_in):
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Nothing to do yet. Add your first todo above" in page
    assert "0 open · 0 done" in page


def test_add_stores_a_trimmed_title_and_due_date_then_shows_it(client, logged_in, todos):
    response = client.post("/add", data={"title": "  Buy milk  ", "due": "2031-04-05"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert todos() == [(1, "Buy milk", date(2031, 4, 5), False)]
    page = client.get("/").get_data(as_text=True)
    assert "Added “Buy milk”." in page
    assert '<span class="title">Buy milk</span>' in page
    assert "Due Apr 5, 2031" in page
    assert "1 open · 0 done" in page


def test_add_without_a_due_date(client, logged_in, todos):
    assert client.post("/add", data={"title": "Call Sam", "due": ""}).status_code == 302
    assert client.post("/add", data={"title": "Call Ann"}).status_code == 302
    assert todos() == [(1, "Call Sam", None, False), (1, "Call Ann", None, False)]


def test_a_title_of_200_characters_is_accepted(client, logged_in, todos):
    assert client.post("/add", data={"title": "x" * 200}).status_code == 302
    assert todos()[0][1] == "x" * 200


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": ""}, "Write what needs doing."),
        ({"title": "   "}, "Write what needs doing."),
        ({}, "Write what needs doing."),
        ({"title": "x" * 201}, "Keep it to 200 characters or fewer."),
        ({"title": "bad\x00byte"}, "A title is one line of plain text."),
        ({"title": "Pay rent", "due": "2024-02-30"}, "Not a valid date value."),
        ({"title": "Pay rent", "due": "next week"}, "Not a valid date value."),
    ],
)
def test_bad_input_re_renders_the_list_with_the_message(client, logged_in, todos, data, message):
    response = client.post("/add", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'class="field-error"' in page
    assert message in page
    assert "Your todos" in page
    assert todos() == []


def test_bad_input_keeps_what_the_user_typed(client, logged_in):
    page = client.post("/add", data={"title": "Pay rent", "due": "2024-02-30"}).get_data(
        as_text=True
    )
    assert 'value="Pay rent"' in page


def test_titles_are_escaped(client, logged_in):
    client.post("/add", data={"title": "<script>alert(1)</script>"})
    page = client.get("/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_list_shows_open_ones_first_newest_first(client, logged_in):
    for title in ("first", "second", "third"):
        client.post("/add", data={"title": title})
    client.post("/3/toggle")
    page = client.get("/").get_data(as_text=True)
    assert listed_titles(page) == ["second", "first", "third"]
    assert "2 open · 1 done" in page


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("", ["open one", "done one"]),
        ("?show=all", ["open one", "done one"]),
        ("?show=open", ["open one"]),
        ("?show=done", ["done one"]),
        ("?show=bogus", ["open one", "done one"]),
    ],
)
def test_filters_show_open_or_done_todos(client, logged_in, add_todo, query, shown):
    add_todo("done one", done=True)
    add_todo("open one")
    response = client.get("/" + query)
    assert response.status_code == 200
    assert listed_titles(response.get_data(as_text=True)) == shown


def test_an_empty_filter_says_so(client, logged_in, add_todo):
    add_todo("done one", done=True)
    assert "All done. Nothing is open right now." in client.get("/?show=open").get_data(
        as_text=True
    )


def test_toggle_marks_done_and_open_again(client, logged_in, add_todo, todos):
    todo_id = add_todo("Buy milk")
    response = client.post(f"/{todo_id}/toggle")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert todos() == [(1, "Buy milk", None, True)]
    page = client.get("/").get_data(as_text=True)
    assert "Done: “Buy milk”." in page
    assert 'class="list-item todo is-done"' in page
    client.post(f"/{todo_id}/toggle")
    assert todos() == [(1, "Buy milk", None, False)]
    assert "Reopened “Buy milk”." in client.get("/").get_data(as_text=True)


def test_buttons_bring_the_user_back_to_the_same_filter(client, logged_in, add_todo):
    todo_id = add_todo("Buy milk")
    response = client.post(f"/{todo_id}/toggle?show=open")
    assert response.headers["Location"] == "/?show=open"
    response = client.post(f"/{todo_id}/delete?show=evil.example")
    assert response.headers["Location"] == "/"


def test_past_due_open_todos_are_shown_as_overdue(client, logged_in, add_todo):
    yesterday = utc_today() - timedelta(days=1)
    add_todo("late", due=yesterday)
    assert "Overdue" in client.get("/").get_data(as_text=True)
    client.post("/1/toggle")
    assert "Overdue" not in client.get("/").get_data(as_text=True)


def test_todos_due_later_are_not_overdue(client, logged_in, add_todo):
    add_todo("later", due=utc_today() + timedelta(days=3))
    assert "Overdue" not in client.get("/").get_data(as_text=True)


def test_edit_shows_the_current_values(client, logged_in, add_todo):
    todo_id = add_todo("Buy milk", due=date(2031, 4, 5))
    response = client.get(f"/{todo_id}/edit")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'value="Buy milk"' in page
    assert 'value="2031-04-05"' in page


def test_edit_saves_title_and_due_date(client, logged_in, add_todo, todos):
    todo_id = add_todo("Buy milk", due=date(2031, 4, 5))
    response = client.post(f"/{todo_id}/edit", data={"title": " Buy oat milk ", "due": ""})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert todos() == [(1, "Buy oat milk", None, False)]
    assert "Saved “Buy oat milk”." in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": " ", "due": ""}, "Write what needs doing."),
        ({"due": "2031-01-01"}, "Write what needs doing."),
        ({"title": "y" * 201}, "Keep it to 200 characters or fewer."),
        ({"title": "Buy milk", "due": "2031-13-01"}, "Not a valid date value."),
    ],
)
def test_bad_edits_change_nothing(client, logged_in, add_todo, todos, data, message):
    todo_id = add_todo("Buy milk", due=date(2031, 4, 5))
    response = client.post(f"/{todo_id}/edit", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert todos() == [(1, "Buy milk", date(2031, 4, 5), False)]


def test_delete_removes_one_todo(client, logged_in, add_todo, todos):
    add_todo("keep")
    todo_id = add_todo("drop")
    response = client.post(f"/{todo_id}/delete")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert todos() == [(1, "keep", None, False)]
    assert "Deleted “drop”." in client.get("/").get_data(as_text=True)


def test_clear_done_removes_only_this_users_done_todos(client, logged_in, add_todo, todos):
    add_todo("open")
    add_todo("done", done=True)
    add_todo("also done", done=True)
    add_todo("theirs", user_id=2, done=True)
    response = client.post("/clear-done")
    assert response.status_code == 302
    assert todos() == [(1, "open", None, False), (2, "theirs", None, True)]
    assert "Cleared 2 done todos." in client.get("/").get_data(as_text=True)


def test_clear_done_with_nothing_done(client, logged_in, add_todo, todos):
    add_todo("open")
    client.post("/clear-done")
    assert "There were no done todos to clear." in client.get("/").get_data(as_text=True)
    assert todos() == [(1, "open", None, False)]
