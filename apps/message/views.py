"""Placeholder views until the message issue lands."""

from flask import Blueprint
from flask import render_template

bp = Blueprint("message", __name__)


@bp.get("/")
def index():
    """A page that says this app is not built yet."""
    return render_template("message/index.html")
