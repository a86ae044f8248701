"""Who may do what: login, other users' rows, methods, and CSRF (the todo app alone)."""

import re

import pytest

from apps.todo import create_app
from tests.conftest import app_test_config
from tests.conftest import create_tables
from tests.conftest import dispose_engines

POST_ROUTES = ["/add", "/1/toggle", "/1/edit", "/1/delete", "/clear-done"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/"), ("GET", "/1/edit")] + [("POST", path) for path in POST_ROUTES],
)
def test_anonymous_users_get_401_when_the_app_runs_alone(client, add_todo, todos, method, path):
    add_todo("Buy milk")
    response = client.open(path, method=method, data={"title": "sneaky"})
    assert response.status_code == 401
    assert todos() == [(1, "Buy milk", None, False)]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/{id}/toggle"),
        ("GET", "/{id}/edit"),
        ("POST", "/{id}/edit"),
        ("POST", "/{id}/delete"),
    ],
)
@pytest.mark.parametrize("todo_id", ["theirs", "missing", "huge"])
def test_other_users_and_missing_todos_are_404(
    client, auth, add_todo, todos, method, path, todo_id
):
    theirs = add_todo("Their secret", user_id=2)
    ids = {"theirs": theirs, "missing": theirs + 100, "huge": 10**30}
    auth.login(user_id=1)
    response = client.open(path.format(id=ids[todo_id]), method=method, data={"title": "mine"})
    assert response.status_code == 404
    assert "Their secret" not in response.get_data(as_text=True)
    assert todos() == [(2, "Their secret", None, False)]


@pytest.mark.parametrize("path", ["/abc/toggle", "/-1/delete", "/1.5/edit", "/%20/toggle"])
def test_ids_that_are_not_integers_are_404(client, auth, path):
    auth.login()
    assert client.post(path).status_code == 404


def test_another_users_todos_are_not_listed(client, auth, add_todo):
    add_todo("Their secret", user_id=2)
    auth.login(user_id=1)
    assert "Their secret" not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/add", "/1/toggle", "/1/delete", "/clear-done"])
def test_get_never_changes_anything(client, auth, add_todo, todos, path):
    add_todo("Buy milk", done=True)
    auth.login()
    assert client.get(path).status_code == 405
    assert todos() == [(1, "Buy milk", None, True)]


@pytest.fixture
def csrf_client(databases):
    """The todo app with CSRF protection on, as in production, logged in as user 1."""
    app = create_app(app_test_config(databases, "todo", WTF_CSRF_ENABLED=True))
    create_tables(app)
    client = app.test_client()
    with client.session_transaction() as session:
        session["user_id"] = 1
        session["session_version"] = 1
    yield client
    dispose_engines(app)


def csrf_token(page):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_posts_without_a_csrf_token_are_refused(csrf_client):
    response = csrf_client.post("/add", data={"title": "Buy milk"})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert "Nothing to do yet" in csrf_client.get("/").get_data(as_text=True)


def test_every_button_posts_with_the_pages_csrf_token(csrf_client):
    token = csrf_token(csrf_client.get("/").get_data(as_text=True))
    response = csrf_client.post("/add", data={"title": "Buy milk", "csrf_token": token})
    assert response.status_code == 302
    page = csrf_client.get("/").get_data(as_text=True)
    forms = [chunk.split("</form>")[0] for chunk in page.split("<form")[1:]]
    assert len(forms) == 4  # language, add, toggle, delete
    # The language switcher is checked by where it comes from (apps.common.csrf).
    language, *buttons = forms
    assert 'class="language"' in language and 'name="csrf_token"' not in language
    assert all('name="csrf_token"' in form for form in buttons)
    assert csrf_client.post("/1/toggle", data={"csrf_token": "wrong"}).status_code == 400
    assert csrf_client.post("/1/toggle", data={"csrf_token": token}).status_code == 302
    assert csrf_client.post("/clear-done", data={"csrf_token": token}).status_code == 302
    assert "Nothing to do yet" in csrf_client.get("/").get_data(as_text=True)
