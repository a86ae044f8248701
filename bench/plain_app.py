"""The baseline: one plain Flask app rendering a page of the same size as the portal's."""

from flask import Flask
from flask import render_template

app = Flask(__name__)


@app.get("/")
def index():
    """The landing page, without config layers, CSRF, headers or a dispatcher."""
    return render_template("plain.html", names=["auth", "todo", "message"])
