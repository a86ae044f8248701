"""The session's serializer: built once per set of keys, not on every request."""

import itsdangerous
import pytest

from apps.common import sessions


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
