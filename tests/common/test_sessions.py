"""The session's serializer, built once per set of keys, and the cookies it verified."""

import time

import itsdangerous
import pytest
from flask import flash
from flask import session

from apps.common import sessioncookies
from apps.common import sessions
from apps.common.identity import load_logged_in_user

COOKIE = "dispatcher_session"


@pytest.fixture
def serializers_built(monkeypatch):
    """Count the session serializers built from now on."""
    built = []

    class CountedSerializer(itsdangerous.URLSafeTimedSerializer):
        def __init__(self, *args, **kwargs):
            built.append(args)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr("flask.sessions.URLSafeTimedSerializer", CountedSerializer)
    return built


@pytest.fixture
def signatures_checked(monkeypatch):
    """Count the session cookies whose signature is checked from now on."""
    checked = []
    loads = itsdangerous.URLSafeTimedSerializer.loads

    def counted_loads(self, value, *args, **kwargs):
        checked.append(value)
        return loads(self, value, *args, **kwargs)

    monkeypatch.setattr(itsdangerous.URLSafeTimedSerializer, "loads", counted_loads)
    return checked


@pytest.fixture
def session_app(make_app):
    """The probe app with pages that show and add to what the session holds."""
    app = make_app()
    app.add_url_rule("/who", "who", lambda: session.get("name", "nobody"))

    @app.get("/flash")
    def add_flash():
        flash("one more")
        return str(len(session["_flashes"]))

    return app


def signed_cookie(app, payload):
    """A session cookie holding ``payload``, signed with the app's key now."""
    return app.session_interface.get_signing_serializer(app).dumps(payload)


def test_requests_share_one_serializer(client, serializers_built):
    client.get("/form")  # gives the browser a session: a CSRF token
    for _ in range(5):
        assert client.get("/form").status_code == 200

    assert len(serializers_built) == 1


def test_a_new_secret_key_gets_a_new_serializer_and_old_cookies_no_longer_open(app, client):
    client.get("/form")
    cookie = client.get_cookie("dispatcher_session").value
    old_serializer = app.session_interface.get_signing_serializer(app)

    app.secret_key = "a different key"
    new_serializer = app.session_interface.get_signing_serializer(app)

    assert new_serializer is not old_serializer
    assert old_serializer.loads(cookie)["csrf_token"]
    with pytest.raises(itsdangerous.BadSignature):
        new_serializer.loads(cookie)


def test_fallback_keys_are_part_of_what_the_serializer_is_kept_for(app, client):
    client.get("/form")
    cookie = client.get_cookie("dispatcher_session").value
    old_key = app.secret_key

    app.secret_key = "the new key"
    # Kept for the new key alone, which cannot open the old cookie...
    with pytest.raises(itsdangerous.BadSignature):
        app.session_interface.get_signing_serializer(app).loads(cookie)
    # ...until the old key becomes a fallback: that is a new set of keys.
    app.config["SECRET_KEY_FALLBACKS"] = [old_key]

    assert app.session_interface.get_signing_serializer(app).loads(cookie)["csrf_token"]
    assert app.extensions[sessions.SERIALIZER_KEY][0] == ("the new key", (old_key,))


def test_a_cookie_sent_again_is_not_checked_again(session_app, signatures_checked):
    client = session_app.test_client()
    client.set_cookie(COOKIE, signed_cookie(session_app, {"name": "ann"}))

    answers = [client.get("/who").text for _ in range(5)]

    assert answers == ["ann"] * 5
    assert len(signatures_checked) == 1


def test_a_kept_cookie_still_expires(session_app, monkeypatch):
    client = session_app.test_client()
    client.set_cookie(COOKIE, signed_cookie(session_app, {"name": "ann"}))
    assert client.get("/who").text == "ann"
    lifetime = session_app.permanent_session_lifetime.total_seconds()
    now = time.time()

    monkeypatch.setattr(time, "time", lambda: now + lifetime - 5)
    assert client.get("/who").text == "ann"
    monkeypatch.setattr(time, "time", lambda: now + lifetime + 5)
    assert client.get("/who").text == "nobody"


def test_a_kept_cookie_no_longer_opens_once_the_key_changes(session_app):
    client = session_app.test_client()
    client.set_cookie(COOKIE, signed_cookie(session_app, {"name": "ann"}))
    assert client.get("/who").text == "ann"

    session_app.secret_key = "a different key"

    assert client.get("/who").text == "nobody"


def test_a_forged_cookie_is_never_kept(session_app, signatures_checked):
    client = session_app.test_client()
    genuine = signed_cookie(session_app, {"name": "ann"})
    payload, signature = genuine.rsplit(".", 1)
    other = "B" if signature[0] == "A" else "A"
    client.set_cookie(COOKIE, f"{payload}.{other}{signature[1:]}")

    answers = [client.get("/who").text for _ in range(3)]

    assert answers == ["nobody"] * 3
    assert len(signatures_checked) == 3


def test_flashed_messages_are_never_shared_between_requests(session_app):
    client = session_app.test_client()
    cookie = signed_cookie(session_app, {"_flashes": [["message", "from before"]]})

    counts = []
    for _ in range(3):
        client.set_cookie(COOKIE, cookie)  # the same cookie each time, as a replay would
        counts.append(client.get("/flash").text)

    assert counts == ["2", "2", "2"]


def test_a_page_that_reads_the_session_varies_on_cookie(session_app):
    @session_app.get("/vary")
    def vary_on_language():
        return session.get("name", "nobody"), {"Vary": "Accept-Language"}

    client = session_app.test_client()
    assert client.get("/who").headers["Vary"] == "Cookie"
    assert client.get("/vary").headers["Vary"] == "Accept-Language, Cookie"
    client.set_cookie(COOKIE, signed_cookie(session_app, {"name": "ann"}))
    assert client.get("/who").headers["Vary"] == "Cookie"
    assert "Set-Cookie" not in client.get("/who").headers


def test_a_page_that_never_reads_the_session_does_not_vary(session_app):
    session_app.add_url_rule("/plain", "plain", lambda: "plain")
    # Every page of the site reads it (who is logged in?); a bare app's need not.
    session_app.before_request_funcs[None].remove(load_logged_in_user)

    response = session_app.test_client().get("/plain")

    assert "Vary" not in response.headers


def test_a_cookie_header_is_parsed_once_per_text(session_app, monkeypatch):
    parsed = []
    parse = sessioncookies.parse_cookie

    def counting_parse(header):
        parsed.append(header)
        return parse(header)

    monkeypatch.setattr(sessioncookies, "parse_cookie", counting_parse)
    sessioncookies.cookie_value.cache_clear()
    # Headers as a browser sends them, not the test client's cookie jar.
    client = session_app.test_client(use_cookies=False)
    ann = signed_cookie(session_app, {"name": "ann"})
    bob = signed_cookie(session_app, {"name": "bob"})

    def who(header):
        return client.get("/who", headers={"Cookie": header}).text

    assert [who(f"theme=dark; {COOKIE}={ann}; x=1") for _ in range(3)] == ["ann"] * 3
    assert who(f"{COOKIE}={bob}") == "bob"
    assert who(f"{COOKIE}={ann}; {COOKIE}={bob}") == "ann"  # the first, as Werkzeug reads it
    assert who("theme=dark") == "nobody"
    assert len(parsed) == 4


def test_an_unchanged_permanent_session_is_signed_again_once_its_cookie_has_aged(
    session_app, monkeypatch
):
    client = session_app.test_client()
    client.set_cookie(COOKIE, signed_cookie(session_app, {"name": "ann", "_permanent": True}))
    assert "Set-Cookie" not in client.get("/who").headers
    now = time.time()

    monkeypatch.setattr(time, "time", lambda: now + sessions.REFRESH_AFTER_SECONDS + 1)
    response = client.get("/who")

    assert response.text == "ann"
    assert response.headers["Set-Cookie"].startswith(f"{COOKIE}=")
