"""The Todo model and its queries, inside the todo app's context."""

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest

from apps.todo.models import Todo
from apps.todo.models import count_by_state
from apps.todo.models import count_todos
from apps.todo.models import db
from apps.todo.models import delete_done_todos
from apps.todo.models import delete_user_todos
from apps.todo.models import user_todos

TODAY = date(2024, 5, 10)


@pytest.fixture
def context(app):
    with app.app_context():
        yield


def store(*todos):
    db.session.add_all(todos)
    db.session.commit()
    return todos


def titles(todos):
    return [todo.title for todo in todos]


def test_a_new_todo_is_open_with_an_aware_utc_creation_time(context):
    before = datetime.now(UTC)
    (todo,) = store(Todo(user_id=1, title="Buy milk"))
    db.session.expire_all()
    todo = db.session.get(Todo, todo.id)
    assert todo.done is False
    assert todo.due is None
    assert todo.completed_at is None
    assert todo.created_at.tzinfo is not None
    assert todo.created_at.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=5) <= todo.created_at <= datetime.now(UTC)


def test_toggle_sets_and_clears_the_completion_time(context):
    (todo,) = store(Todo(user_id=1, title="Buy milk"))
    todo.toggle()
    db.session.commit()
    assert todo.done is True
    assert todo.completed_at.tzinfo is not None
    todo.toggle()
    db.session.commit()
    assert todo.done is False
    assert todo.completed_at is None


@pytest.mark.parametrize(
    ("due", "done", "overdue"),
    [
        (TODAY - timedelta(days=1), False, True),
        (TODAY, False, False),
        (TODAY + timedelta(days=1), False, False),
        (TODAY - timedelta(days=1), True, False),
        (None, False, False),
    ],
)
def test_overdue_means_open_and_due_before_today(due, done, overdue):
    assert Todo(user_id=1, title="x", due=due, done=done).is_overdue(TODAY) is overdue


def test_user_todos_lists_open_ones_first_then_newest_first(context):
    start = datetime(2024, 1, 1, tzinfo=UTC)
    store(
        Todo(user_id=1, title="old open", created_at=start),
        Todo(user_id=1, title="new done", created_at=start + timedelta(hours=2), done=True),
        Todo(user_id=1, title="new open", created_at=start + timedelta(hours=1)),
        Todo(user_id=1, title="old done", created_at=start - timedelta(hours=1), done=True),
        Todo(user_id=2, title="someone else's", created_at=start),
    )
    assert titles(user_todos(1)) == ["new open", "old open", "new done", "old done"]
    assert titles(user_todos(1, "open")) == ["new open", "old open"]
    assert titles(user_todos(1, "done")) == ["new done", "old done"]
    assert titles(user_todos(3)) == []


def test_count_by_state_counts_only_that_users_todos(context):
    store(
        Todo(user_id=1, title="a"),
        Todo(user_id=1, title="b", done=True),
        Todo(user_id=1, title="c"),
        Todo(user_id=2, title="d", done=True),
    )
    assert count_by_state(1) == {"all": 3, "open": 2, "done": 1}
    assert count_by_state(3) == {"all": 0, "open": 0, "done": 0}


def test_delete_done_todos_keeps_open_ones_and_other_users(context):
    store(
        Todo(user_id=1, title="open"),
        Todo(user_id=1, title="done", done=True),
        Todo(user_id=2, title="theirs", done=True),
    )
    assert delete_done_todos(1) == 1
    db.session.commit()
    assert titles(user_todos(1)) == ["open"]
    assert titles(user_todos(2)) == ["theirs"]


def test_count_todos_counts_every_users_todos(context):
    assert count_todos() == 0
    store(Todo(user_id=1, title="a"), Todo(user_id=2, title="b", done=True))
    assert count_todos() == 2


def test_delete_user_todos_leaves_the_commit_to_the_caller(context):
    store(Todo(user_id=1, title="a"), Todo(user_id=1, title="b"), Todo(user_id=2, title="c"))
    assert delete_user_todos(1) == 2
    assert count_todos() == 1
    db.session.rollback()
    assert count_todos() == 3
    assert delete_user_todos(1) == 2
    db.session.commit()
    assert titles(user_todos(2)) == ["c"]
    assert count_todos() == 1


def test_the_id_of_a_deleted_todo_is_never_given_again(app):
    from apps.todo.models import Todo
    from apps.todo.models import db

    with app.app_context():
        first, second = Todo(user_id=1, title="first"), Todo(user_id=1, title="second")
        db.session.add_all([first, second])
        db.session.commit()
        deleted_id = second.id
        db.session.delete(second)
        db.session.commit()
        third = Todo(user_id=1, title="third")
        db.session.add(third)
        db.session.commit()
        assert third.id > deleted_id
