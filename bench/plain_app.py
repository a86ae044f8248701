"""The baseline: a one-line Flask hello, without config layers, CSRF, headers or a dispatcher."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    """The smallest page Flask can serve."""
    return "Hello, World!"
