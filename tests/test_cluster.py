"""One site on three app hosts behind a real nginx, on PostgreSQL (deploy/nginx-cluster.conf).

Needs ``TEST_DATABASE_URL``: without it tests/conftest.py deselects these tests and says so.
The edge is TLS, as in production: nginx on https with a throw-away certificate sets
``X-Forwarded-Proto``, the hosts trust one hop (the ``PROXY_FIX_*`` counts of
deploy/cluster.env.example), so the session cookie stays ``Secure`` as it ships.
"""

import threading
import time
import uuid
from collections import Counter

import pytest

from tests.cluster_client import StreamReader
from tests.cluster_site import FIRST_KEY
from tests.cluster_site import add_todos_until
from tests.cluster_site import connection_budget
from tests.cluster_site import peak_connections_until
from tests.cluster_site import running_cluster
from tests.cluster_site import stored_todo_titles
from tests.cluster_site import wait_for_a_request_through_nginx
from tests.conftest import PASSWORD
from tests.conftest import Databases

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """One cluster for the tests that neither restart nor kill a host."""
    folder = tmp_path_factory.mktemp("cluster")
    databases = Databases(folder)
    try:
        with running_cluster(databases, folder) as built:
            yield built
    finally:
        databases.drop_all()


@pytest.fixture
def fresh_cluster(databases, tmp_path):
    """A cluster of this test's own, to restart or to kill hosts of."""
    with running_cluster(databases, tmp_path) as built:
        yield built


def test_one_sign_on_and_one_logout_across_hosts(cluster):
    a, b, c, edge = (*cluster.urls.values(), cluster.edge)
    for entry, exit_ in ((a, b), (edge, edge)):
        visitor = cluster.visitor()
        username = f"user-{uuid.uuid4().hex[:6]}"
        visitor.register(entry, username)
        assert "Secure" in visitor.cookie_flags
        for base in (a, b, c, edge):
            assert visitor.username_shown(base) == username
            assert visitor.username_shown(base, "/todo/") == username
        captured = visitor.cookie
        answer = visitor.post(exit_, "/auth/logout", {}, visitor.csrf_token(exit_, "/auth/"))
        assert answer.status == 302
        for base in (a, c, edge):
            # A fresh copy each time: a refused cookie is answered with a cleared one.
            assert cluster.visitor(captured).username_shown(base) is None
            assert cluster.visitor(captured).username_shown(base, "/todo/") is None


def test_plain_http_is_sent_to_https(cluster):
    plain = f"http://127.0.0.1:{cluster.nginx.plain_port}"
    answer = cluster.visitor().get(plain, "/todo/?show=open")
    assert answer.status == 301
    assert answer.headers["Location"] == "https://127.0.0.1/todo/?show=open"


def post_message(visitor, base, content):
    """Post ``content`` to the board through ``base``."""
    token = visitor.csrf_token(base, "/message/")
    assert visitor.post(base, "/message/", {"content": content}, token).status == 302


def test_a_message_posted_through_one_host_reaches_streams_on_the_others(cluster):
    b, c, edge = cluster.urls["B"], cluster.urls["C"], cluster.edge
    visitor = cluster.visitor()
    visitor.register(edge, "poster")
    readers = {c: StreamReader(c, cluster.nginx.certificate)}
    readers[edge] = StreamReader(edge, cluster.nginx.certificate)
    try:
        for origin, content in ((b, "through host B"), (edge, "through nginx")):
            post_message(visitor, origin, content)
            deadline = time.monotonic() + 2
            for reader in readers.values():
                event = reader.message_before(deadline)
                assert (event["content"], event["author_name"]) == (content, "poster")
    finally:
        for reader in readers.values():
            reader.close()


def test_six_wrong_passwords_over_three_hosts_the_sixth_is_throttled(cluster):
    a, b, c, edge = (*cluster.urls.values(), cluster.edge)
    for username, targets in (("victim1", (a, b, c, a, b, c)), ("victim2", (edge,) * 6)):
        cluster.visitor().register(edge, username)
        guesser = cluster.visitor()
        token = guesser.csrf_token(a, "/auth/login")
        wrong = {"username": username, "password": "wrong password"}
        statuses = [guesser.post(base, "/auth/login", wrong, token).status for base in targets]
        assert statuses == [400] * 5 + [429]
        # Now every host refuses even the right password, and says when to come back.
        right = {"username": username, "password": PASSWORD}
        for base in (a, b, c, edge):
            answer = guesser.post(base, "/auth/login", right, token)
            assert answer.status == 429
            assert int(answer.headers["Retry-After"]) > 0


def test_key_rotation_keeps_sessions_and_dropping_the_old_key_logs_out_cleanly(fresh_cluster):
    cluster = fresh_cluster
    urls = (*cluster.urls.values(), cluster.edge)
    visitor = cluster.visitor()
    visitor.register(cluster.edge, "rotator")
    signed_with_first_key = visitor.cookie
    old_todo_token = visitor.csrf_token(cluster.edge, "/todo/")

    cluster.restart(
        FLASK_SECRET_KEY="cluster key two", FLASK_SECRET_KEY_FALLBACKS=f'["{FIRST_KEY}"]'
    )
    for base in urls:
        assert cluster.visitor(signed_with_first_key).username_shown(base) == "rotator"
    # A visit during the rotation re-signs the (permanent) session with the new key.
    assert visitor.username_shown(cluster.edge) == "rotator"
    assert visitor.cookie != signed_with_first_key

    cluster.restart(FLASK_SECRET_KEY_FALLBACKS="[]")
    assert visitor.username_shown(cluster.edge) == "rotator"
    for base in urls:
        stale = cluster.visitor(signed_with_first_key)
        assert stale.username_shown(base) is None
        assert stale.get(base, "/").status == 200
        assert stale.get(base, "/message/").status == 200
        # A form from before the rotation: a clear 400, nothing written, never a 500.
        stale = cluster.visitor(signed_with_first_key)
        answer = stale.post(base, "/todo/add", {"title": "stale"}, old_todo_token)
        assert answer.status == 400
    assert "stale" not in stored_todo_titles(cluster)
    stale = cluster.visitor(signed_with_first_key)
    form = {"username": "rotator", "password": PASSWORD}
    token = stale.csrf_token(cluster.edge, "/auth/login")
    assert stale.post(cluster.edge, "/auth/login", form, token).status == 302
    assert stale.username_shown(cluster.edge) == "rotator"


def test_losing_a_host_loses_no_acknowledged_todo(fresh_cluster):
    cluster, victim = fresh_cluster, fresh_cluster.hosts["A"]
    writers = [cluster.visitor() for _ in range(4)]
    for number, writer in enumerate(writers):
        writer.register(cluster.edge, f"writer{number}")
    outcomes = []
    stop_at = time.monotonic() + 10
    threads = [
        threading.Thread(target=add_todos_until, args=(w, cluster.edge, f"w{n}", stop_at, outcomes))
        for n, w in enumerate(writers)
    ]
    served_at_start = victim.requests_served()
    for thread in threads:
        thread.start()
    try:
        peak = peak_connections_until(cluster, stop_at - 7)
        # The victim was taking its share of the writes when it dies.
        assert victim.requests_served() > served_at_start
        victim.kill()
        killed_at = time.monotonic()
        peak = max(peak, peak_connections_until(cluster, killed_at + 2))
        victim.start(cluster.environment)
        victim.wait_until_serving()
        peak = max(peak, peak_connections_until(cluster, stop_at))
    finally:
        for thread in threads:
            thread.join(timeout=30)

    statuses = Counter(status for _at, _title, status in outcomes)
    # Unknown outcomes (nginx's 502 or 504, an answer cut short) are allowed; any other
    # answer, or none at all, is not.
    assert set(statuses) <= {302, 502, 504, "cut short"}, statuses
    assert any(status == 302 and at > killed_at for at, _title, status in outcomes)
    stored = stored_todo_titles(cluster)
    assert set(stored.values()) == {1}
    assert all(stored.get(title) == 1 for _at, title, status in outcomes if status == 302)
    assert wait_for_a_request_through_nginx(cluster, victim)
    assert 0 < peak <= connection_budget(), peak
