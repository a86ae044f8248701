"""Placeholder views until the auth issue lands."""

from flask import Blueprint
from flask import render_template

bp = Blueprint("auth", __name__)


@bp.get("/")
def index():
    """A page that says this app is not built yet."""
    return render_template("auth/index.html")


@bp.get("/login")
def login():
    """Placeholder for the login form."""
    return render_template("auth/index.html")


@bp.get("/register")
def register():
    """Placeholder for the registration form."""
    return render_template("auth/index.html")


@bp.post("/logout")
def logout():
    """Placeholder for logging out."""
    return render_template("auth/index.html")
