"""The findings of the outside security sweep (issue 12), each through the whole site."""

import hashlib
import json
import re
import time

import pytest
from itsdangerous import URLSafeTimedSerializer
from werkzeug.test import Client

from apps.common.security import SECURITY_HEADERS
from dispatcher import create_dispatcher
from tests.conftest import NAMELESS_PART
from tests.conftest import NAMELESS_PART_TYPE
from tests.conftest import PASSWORD
from tests.conftest import SECRET_KEY
from tests.conftest import create_tables
from tests.conftest import create_test_site
from tests.conftest import mounted_app
from tests.conftest import registered_client
from tests.conftest import site_test_config

ONE_YEAR = 365 * 24 * 3600
# Every POST route of the site, with ids that need not exist.
POST_ROUTES = [
    "/auth/login",
    "/auth/register",
    "/auth/logout",
    "/auth/password",
    "/auth/delete",
    "/message/",
    "/message/1/delete",
    "/todo/add",
    "/todo/1/edit",
    "/todo/1/toggle",
    "/todo/1/delete",
    "/todo/clear-done",
    # The language switcher, in every app.
    "/language",
    "/auth/language",
    "/todo/language",
    "/message/language",
]


def test_the_route_list_names_every_post_route(site):
    """Keeps POST_ROUTES (used here and by the fuzz test) complete."""
    rules = []
    for mount in site.extensions["mount_table"].values():
        for rule in mount.app.url_map.iter_rules():
            if "POST" in (rule.methods or ()):
                rules.append(mount.prefix + re.sub(r"<[^>]+>", "1", rule.rule))
    assert sorted(rules) == sorted(POST_ROUTES)


# 1. HSTS
def test_https_responses_carry_hsts_for_a_year(site):
    response = Client(site).get("/auth/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == f"max-age={ONE_YEAR}"


def test_include_subdomains_is_a_setting(databases):
    site = create_test_site(databases, HSTS_INCLUDE_SUBDOMAINS=True)
    response = Client(site).get("/", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].endswith("; includeSubDomains")


def test_plain_http_never_carries_hsts(site):
    response = Client(site).get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_through_a_trusted_proxy(databases):
    site = create_test_site(databases, PROXY_FIX_X_PROTO=1)
    response = Client(site).get("/", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"] == f"max-age={ONE_YEAR}"


# 2. A nameless multipart part
@pytest.mark.parametrize("path", POST_ROUTES)
def test_a_nameless_multipart_part_is_a_400_on_every_post_route(databases, path):
    site = create_test_site(databases, WTF_CSRF_ENABLED=True, TESTING=False)
    client = Client(site)
    response = client.post(path, data=NAMELESS_PART, content_type=NAMELESS_PART_TYPE)
    assert response.status_code == 400
    assert "needs a name" in response.get_data(as_text=True)


# 5. Key rotation
def form_token(client):
    page = client.get("/auth/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def site_with_keys(config, secret_key, fallbacks):
    """The site on ``config``'s databases, signing with ``secret_key``."""
    site = create_dispatcher(
        {**config, "SECRET_KEY": secret_key, "SECRET_KEY_FALLBACKS": fallbacks}
    )
    for mount in site.extensions["mount_table"].values():
        create_tables(mount.app)
    return site


@pytest.mark.parametrize(("fallbacks", "status"), [(["old key"], 302), ([], 400)])
def test_a_form_rendered_under_the_old_key_still_submits(databases, fallbacks, status):
    config = site_test_config(databases, WTF_CSRF_ENABLED=True)
    client = Client(site_with_keys(config, "old key", []))
    form = {"username": "alice", "password": PASSWORD, "confirm": PASSWORD}
    registered = client.post("/auth/register", data={**form, "csrf_token": form_token(client)})
    assert registered.status_code == 302
    client.post("/auth/logout", data={"csrf_token": form_token(client)})
    token = form_token(client)

    rotated = Client(site_with_keys(config, "new key", fallbacks))
    rotated.set_cookie("dispatcher_session", client.get_cookie("dispatcher_session").value)
    form = {"username": "alice", "password": PASSWORD, "csrf_token": token}
    response = rotated.post("/auth/login", data=form)

    assert response.status_code == status
    # Without the fallback the old session is unreadable too: no session token.
    assert ("CSRF" in response.get_data(as_text=True)) is (status == 400)


# 10. Malformed session payloads signed with the real key
def signed_cookie(payload_json):
    """A session cookie signed as Flask signs it, holding any JSON text."""
    serializer = URLSafeTimedSerializer(
        SECRET_KEY,
        salt="cookie-session",
        serializer=RawJSON(),
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
    )
    return serializer.dumps(payload_json)


class RawJSON:
    """Lets a test sign JSON text exactly as written, tags and all."""

    @staticmethod
    def dumps(text):
        return text if isinstance(text, str) else json.dumps(text)

    @staticmethod
    def loads(text):
        return json.loads(text)


@pytest.mark.parametrize(
    "payload",
    [
        '{" t": 5}',
        '{" u": "not a uuid"}',
        '{" b": "***"}',
        "[1, 2]",
        '"a string"',
        '{"_flashes": "boom"}',
        '{"_flashes": [[1, 2, 3]]}',
        '{"csrf_token": 5}',
        '{"user_id": 1, "session_version": 1, "logged_in_at": "yesterday"}',
    ],
)
@pytest.mark.parametrize("path", ["/", "/auth/login", "/todo/", "/message/"])
def test_an_unreadable_session_is_an_empty_one(databases, payload, path):
    site = create_test_site(databases, TESTING=False, WTF_CSRF_ENABLED=True)
    client = Client(site)
    client.set_cookie("dispatcher_session", signed_cookie(payload))
    response = client.get(path)
    assert response.status_code in (200, 302)
    for header, value in SECURITY_HEADERS.items():
        assert response.headers[header] == value


# 4. An absolute cap on a session's life
@pytest.mark.parametrize(("days_ago", "logged_in"), [(29, True), (31, False)])
def test_a_login_lasts_at_most_thirty_days(site, days_ago, logged_in):
    client = registered_client(site, "alice")
    serializer = mounted_app(site, "auth").session_interface.get_signing_serializer(
        mounted_app(site, "auth")
    )
    session = serializer.loads(client.get_cookie("dispatcher_session").value)
    session["logged_in_at"] = int(time.time()) - days_ago * 86400
    client.set_cookie("dispatcher_session", serializer.dumps(session))
    response = client.get("/auth/")
    assert (response.status_code == 200) is logged_in


def test_the_idle_timeout_stays(site):
    assert mounted_app(site, "auth").permanent_session_lifetime.total_seconds() == 12 * 3600


# 11. Trusted hosts compared as browsers compare them
@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("localhost", 200),
        ("LOCALHOST", 200),
        ("LocalHost:8000", 200),
        ("127.0.0.1:8100:80", 400),
        ("evil.example", 400),
    ],
)
def test_hosts_are_case_insensitive_with_one_port(site, host, status):
    response = Client(site).get("/auth/login", headers={"Host": host})
    assert response.status_code == status
