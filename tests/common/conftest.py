"""A small app built on the shared layer, with routes that exercise it."""

import pytest
from flask import Blueprint
from flask import abort
from flask import render_template_string
from flask import request

from apps.common import create_flask_app
from tests.conftest import app_test_config

FORM = """{% extends "common/base.html" %}{% block content %}
<form method="post"><input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
<input name="text"><button>Send</button></form>{% endblock %}"""


@pytest.fixture
def make_app(databases):
    """Build the probe app with extra config."""

    def make(**overrides):
        config = app_test_config(databases, "probe", **overrides)
        app = create_flask_app("apps.portal", "probe", config)
        home = Blueprint("probe", __name__)
        home.add_url_rule("/", "index", lambda: "home")
        app.register_blueprint(home)

        @app.route("/form", methods=["GET", "POST"])
        def form():
            if request.method == "POST":
                return f"got {len(request.form['text'])} characters"
            return render_template_string(FORM)

        @app.get("/forbidden")
        def forbidden():
            abort(403)

        @app.get("/crash")
        def crash():
            raise RuntimeError("secret internals")

        return app

    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()
