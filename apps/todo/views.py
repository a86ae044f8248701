"""Placeholder views until the todo issue lands."""

from flask import Blueprint
from flask import render_template

bp = Blueprint("todo", __name__)


@bp.get("/")
def index():
    """A page that says this app is not built yet."""
    return render_template("todo/index.html")
