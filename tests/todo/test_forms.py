"""The todo form: trimming and the checks on title and date."""

import pytest
from werkzeug.datastructures import MultiDict

from apps.todo.forms import TodoForm


@pytest.fixture
def submit(app):
    """Validate ``data`` as a POST to the todo app would; returns the form."""

    def validate(**data):
        with app.test_request_context(method="POST", data=MultiDict(data)):
            form = TodoForm()
            form.validate()
            return form

    return validate


def test_title_is_trimmed(submit):
    form = submit(title="  Buy milk \n", due="")
    assert form.errors == {}
    assert form.title.data == "Buy milk"
    assert form.due.data is None


def test_two_hundred_characters_after_trimming_are_fine(submit):
    form = submit(title=" " + "é" * 200 + " ")
    assert form.errors == {}


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({}, {"title": ["Write what needs doing."]}),
        ({"title": " \t "}, {"title": ["Write what needs doing."]}),
        ({"title": "x" * 201}, {"title": ["Keep it to 200 characters or fewer."]}),
        ({"title": "nul\x00byte"}, {"title": ["A title is one line of plain text."]}),
        ({"title": "ok", "due": "2024-02-30"}, {"due": ["Not a valid date value."]}),
        ({"title": "ok", "due": "tomorrow"}, {"due": ["Not a valid date value."]}),
    ],
)
def test_bad_input_is_reported_on_its_field(submit, data, errors):
    assert submit(**data).errors == errors
