"""A browser's cookie carried by hand to any host or to nginx, and a live-stream reader.

The session cookie is ``Secure``, as in production: a cookie jar would keep it away from
the hosts' plain-http ports, so the cookie is sent by hand, exactly as captured.
"""

import html
import http.client
import json
import re
import ssl
import time
import urllib.parse
from dataclasses import dataclass

from tests.conftest import PASSWORD

COOKIE = "dispatcher_session"


@dataclass
class Answer:
    """One HTTP response: status, headers and body text."""

    status: int
    headers: http.client.HTTPMessage
    text: str


def connect(base, certificate, timeout=10):
    """An HTTP or HTTPS connection to ``base`` (https trusts only the test's certificate)."""
    parts = urllib.parse.urlsplit(base)
    if parts.scheme == "https":
        context = ssl.create_default_context(cafile=str(certificate))
        return http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=timeout, context=context
        )
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)


class Visitor:
    """One browser: its session cookie, sent to whichever address it is pointed at."""

    def __init__(self, certificate, cookie=None):
        self.certificate = certificate
        self.cookie = cookie
        self.cookie_flags = ""

    def request(self, base, method, path, form=None, headers=()):
        """Send one request; keep any cookie the answer sets; never follow a redirect."""
        sent = dict(headers)
        if self.cookie:
            sent["Cookie"] = f"{COOKIE}={self.cookie}"
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            # Flask-WTF checks the Referer of https POSTs, as a browser sends it.
            sent["Referer"] = base + path
        connection = connect(base, self.certificate)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            answer = Answer(response.status, response.headers, response.read().decode())
        finally:
            connection.close()
        self.keep_cookie(answer.headers)
        return answer

    def keep_cookie(self, headers):
        for header in headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            if name == COOKIE:
                value, _, self.cookie_flags = rest.partition(";")
                self.cookie = value or None

    def get(self, base, path):
        """GET ``path`` from ``base``."""
        return self.request(base, "GET", path)

    def csrf_token(self, base, path):
        """The CSRF token on the page at ``path`` (which also starts the session)."""
        page = self.get(base, path)
        assert page.status == 200, (path, page.status)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)

    def post(self, base, path, form, token):
        """POST a form with its CSRF token."""
        return self.request(base, "POST", path, {**form, "csrf_token": token})

    def register(self, base, username):
        """Create an account through ``base``; the visitor is then logged in."""
        form = {"username": username, "password": PASSWORD, "confirm": PASSWORD}
        answer = self.post(base, "/auth/register", form, self.csrf_token(base, "/auth/register"))
        assert answer.status == 302, answer.text
        return answer

    def username_shown(self, base, path="/auth/"):
        """Who the page at ``path`` (login required) says is logged in; None when it
        sends the visitor to the login page instead."""
        answer = self.get(base, path)
        if answer.status == 302:
            assert "/auth/login" in answer.headers["Location"]
            return None
        assert answer.status == 200, answer.status
        return re.search(r'class="user"[^>]*>([^<]+)<', answer.text).group(1)


class StreamReader:
    """The board's live stream as a browser reads it: the URL the page gives, then
    EventSource's reconnects (same URL, plus Last-Event-ID) whenever it ends."""

    def __init__(self, base, certificate):
        self.base, self.certificate = base, certificate
        board = Visitor(certificate).get(base, "/message/")
        self.path = html.unescape(re.search(r'data-stream-url="([^"]+)"', board.text).group(1))
        self.last_id = None
        self.connection = self.response = None
        self.open()

    def open(self):
        """(Re)connect; the headers arriving means the server has started the stream."""
        self.close()
        headers = {} if self.last_id is None else {"Last-Event-ID": self.last_id}
        self.connection = connect(self.base, self.certificate, timeout=2)
        self.connection.request("GET", self.path, headers=headers)
        self.response = self.connection.getresponse()
        assert self.response.status == 200
        assert self.response.getheader("Content-Type").startswith("text/event-stream")

    def message_before(self, deadline):
        """The data of the next message event, or an AssertionError once ``deadline`` passes."""
        fields = {}
        while time.monotonic() < deadline:
            line = self.response.readline().decode()
            if not line:
                # The server ended the stream: resume where it stopped, as EventSource
                # would (sooner than its retry hint, to stay within the deadline).
                time.sleep(0.1)
                self.open()
                continue
            if line != "\n":
                name, _, value = line.rstrip("\n").partition(": ")
                fields[name] = value
                continue
            self.last_id = fields.get("id", self.last_id)
            if fields.get("event") == "message":
                return json.loads(fields["data"])
            fields = {}
        raise AssertionError("no message on the stream before the deadline")

    def close(self):
        """Close the connection, if any."""
        if self.response is not None:
            self.response.close()
        if self.connection is not None:
            self.connection.close()
