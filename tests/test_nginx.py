"""deploy/nginx.conf as shipped, run by Debian's nginx on loopback ports in front of gunicorn.

Only the host-specific lines change: the listening ports, the certificate (a
self-signed one for 127.0.0.1 made here) and the upstream's port.
"""

import contextlib
import http.client
import http.cookiejar
import re
import shutil
import signal
import ssl
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

from tests.conftest import ROOT
from tests.conftest import free_port
from tests.conftest import register_over_http
from tests.servers import BIN
from tests.servers import EventStream
from tests.servers import post_form
from tests.servers import serving

pytestmark = pytest.mark.server

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def make_certificate(folder):
    """A self-signed certificate for 127.0.0.1, and a TLS context that trusts only it."""
    certificate, key = folder / "site.pem", folder / "site.key"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(certificate)),
        ],
        check=True,
        capture_output=True,
    )
    return certificate, key, ssl.create_default_context(cafile=str(certificate))


def site_config(folder, https_port, http_port, upstream_port):
    """deploy/nginx.conf with this machine's ports and certificate, and nothing else changed."""
    certificate, key, tls = make_certificate(folder)
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    for shipped, here in [
        ("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;"),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream_port};"),
        ("/etc/ssl/certs/example.com.pem", str(certificate)),
        ("/etc/ssl/private/example.com.key", str(key)),
    ]:
        assert text.count(shipped) == 1, shipped
        text = text.replace(shipped, here)
    return text, tls


def main_config(folder, site):
    """The rest of an nginx.conf, with every file nginx writes kept in ``folder``."""
    (folder / "site.conf").write_text(site)
    temp_paths = "".join(
        f"    {kind}_temp_path {folder / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"pid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\n"
        "events { worker_connections 64; }\n"
        f"http {{\n    access_log {folder / 'access.log'};\n{temp_paths}"
        f"    include {folder / 'site.conf'};\n}}\n"
    )


@contextlib.contextmanager
def nginx(folder, upstream_port):
    """nginx in the foreground on two free ports; yield the https and http base URLs."""
    https_port, http_port = free_port(), free_port()
    site, tls = site_config(folder, https_port, http_port, upstream_port)
    (folder / "nginx.conf").write_text(main_config(folder, site))
    command = [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"]
    with open(folder / "nginx.out", "wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    try:
        yield f"https://127.0.0.1:{https_port}", f"http://127.0.0.1:{http_port}", tls, process
    finally:
        process.send_signal(signal.SIGQUIT)  # nginx's graceful stop
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def get_without_following(url, tls=None):
    """One GET, redirects not followed: the status, the Location header and the text."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=5, context=tls)
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        connection.request("GET", parts.path)
        response = connection.getresponse()
        return response.status, response.getheader("Location"), response.read().decode()
    finally:
        connection.close()


def wait_for_nginx(process, url, tls, seconds=10):
    """Poll until nginx answers (its upstream is already serving)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "nginx exited"
        with contextlib.suppress(ConnectionError, OSError):
            return get_without_following(url, tls)
        time.sleep(0.1)
    raise AssertionError(f"nginx did not answer within {seconds}s")


def test_the_site_under_edge_behind_nginx(server_environment, tmp_path):
    environment = {
        **server_environment,
        "GUNICORN_BIND": "127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        # What deploy/nginx.conf tells the site to run with.
        "FLASK_PROXY_FIX_X_FOR": "1",
        "FLASK_PROXY_FIX_X_PROTO": "1",
        "FLASK_PROXY_FIX_X_PREFIX": "1",
    }
    command = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py"]
    with (
        serving(command, environment, tmp_path, plain_http=False) as upstream,
        nginx(tmp_path, upstream.port) as (site, plain, tls, process),
    ):
        base = site + "/edge"
        status, _, landing = wait_for_nginx(process, base + "/", tls)
        assert status == 200
        # Every link carries the prefix; none points outside it.
        assert 'href="/edge/auth/login' in landing
        assert 'href="/edge/static/' in landing
        assert not re.search(r'(href|src|action)="/(?!edge/)', landing)
        # Plain http is sent to https, /edge to /edge/, and the site's redirects keep /edge.
        https_host = site.removeprefix("https://").split(":")[0]
        assert get_without_following(plain + "/edge/todo/")[:2] == (
            301,
            f"https://{https_host}/edge/todo/",
        )
        assert get_without_following(site + "/edge", tls)[:2] == (301, f"{site}/edge/")
        status, location, _ = get_without_following(base + "/todo/", tls)
        assert status == 302
        assert location.startswith("/edge/auth/login?next=")
        check_forms_and_stream(base, tls)


def check_forms_and_stream(base, tls):
    """Register and post through nginx (Secure cookie, CSRF); the stream gets the post in 2 s."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=tls),
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
    )
    # Over https Flask-WTF also wants a same-origin Referer, as a browser sends.
    opener.addheaders = [("Referer", base + "/")]
    assert ">edge-user</a>" in register_over_http(opener, base, "edge-user")
    stream = EventStream(base, timeout=2, tls=tls)
    try:
        assert stream.response.status == 200
        board = post_form(opener, base + "/message/", base + "/message/", {"content": "Via nginx"})
        assert 'action="/edge/message/' in board
        assert stream.next_message(seconds=2)["content"] == "Via nginx"
    finally:
        stream.close()
