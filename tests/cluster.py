"""Several app hosts and a real nginx in front of them, as deploy/ describes, on 127.0.0.1.

Each host is a gunicorn process group started with the shipped ``gunicorn.conf.py``;
nginx runs ``deploy/nginx-cluster.conf`` itself, with only its addresses and
certificate paths replaced, inside a small main config that lets it run from a
temporary folder.
"""

import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request

from tests.conftest import ROOT
from tests.conftest import free_port
from tests.test_servers import BIN

DEPLOY = ROOT / "deploy"
NGINX_MAIN = """pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
worker_processes 1;
events {{ worker_connections 256; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/cluster.conf;
}}
"""


def shared_environment():
    """The variables of deploy/cluster.env.example, read the way its comment says."""
    path = DEPLOY / "cluster.env.example"
    names = re.findall(r"^([A-Z_]+)=", path.read_text(), flags=re.MULTILINE)
    script = 'set -a; . "$1"; set +a; env -0'
    output = subprocess.run(
        ["bash", "-c", script, "bash", str(path)],
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        check=True,
    ).stdout.decode()
    values = dict(entry.split("=", 1) for entry in output.split("\0") if entry)
    return {name: values[name] for name in names}


class Host:
    """One app host: gunicorn with one worker class on its own loopback port."""

    def __init__(self, name, folder, **settings):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.settings = {f"GUNICORN_{key.upper()}": str(value) for key, value in settings.items()}
        self.log_path = folder / f"host-{name}.log"
        # Each machine has its own instance folder: nothing may depend on sharing one.
        self.instance_path = folder / f"instance-{name}"
        self.process = None

    def start(self, environment):
        """Start gunicorn in its own process group (so the whole host can be killed)."""
        environment = {
            **environment,
            **self.settings,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "DISPATCHER_INSTANCE_PATH": str(self.instance_path),
        }
        command = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py"]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=environment, stdout=log, stderr=log, start_new_session=True
            )

    def wait_until_serving(self, seconds=30):
        """Block until /healthz answers 200 (bounded)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"host {self.name} exited: {self.log_path.read_text()}")
            try:
                # The first answer may be slow (the app loads on it): wait up to the end.
                timeout = max(deadline - time.monotonic(), 1)
                with urllib.request.urlopen(self.url + "/healthz", timeout=timeout) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        raise AssertionError(f"host {self.name} did not serve within {seconds}s")

    def stop(self, seconds=20):
        """SIGTERM, as a deploy would; SIGKILL the group if it does not stop in time."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"host {self.name} did not stop within {seconds}s") from None

    def kill(self):
        """SIGKILL the master and every worker at once: the machine is gone."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def requests_served(self):
        """How many requests this host has logged so far (gunicorn's access log)."""
        return len(re.findall(r'"(?:GET|POST|HEAD) /', self.log_path.read_text()))


def make_certificate(folder):
    """A self-signed certificate for 127.0.0.1; return the certificate and key paths."""
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
    return certificate, key


def substitute(text, pattern, replacements):
    """Replace each match of ``pattern`` in turn; the shipped file must have exactly as many."""
    matches = re.findall(pattern, text, flags=re.MULTILINE)
    assert len(matches) == len(replacements), (pattern, matches)
    parts = iter(replacements)
    return re.sub(pattern, lambda _match: next(parts), text, flags=re.MULTILINE)


class Nginx:
    """Debian's nginx, as the current user, running deploy/nginx-cluster.conf."""

    def __init__(self, folder, hosts):
        self.folder = folder
        self.port, self.plain_port = free_port(), free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.certificate, key = make_certificate(folder)
        conf = (DEPLOY / "nginx-cluster.conf").read_text()
        conf = substitute(
            conf, r"server \S+:8000", [f"server 127.0.0.1:{host.port}" for host in hosts]
        )
        conf = substitute(conf, r"listen 443 ssl;", [f"listen 127.0.0.1:{self.port} ssl;"])
        conf = substitute(conf, r"listen 80;", [f"listen 127.0.0.1:{self.plain_port};"])
        conf = substitute(conf, r"ssl_certificate \S+;", [f"ssl_certificate {self.certificate};"])
        conf = substitute(conf, r"ssl_certificate_key \S+;", [f"ssl_certificate_key {key};"])
        (folder / "cluster.conf").write_text(conf)
        (folder / "nginx.conf").write_text(NGINX_MAIN.format(folder=folder))
        self.process = None

    def start(self):
        """Start nginx in the foreground and wait until it accepts connections."""
        command = ["nginx", "-p", str(self.folder), "-c", str(self.folder / "nginx.conf")]
        self.process = subprocess.Popen(
            [*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 10
        while not (self.folder / "nginx.pid").exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"nginx did not start: {self.process.stderr.read()}")
            time.sleep(0.05)

    def stop(self):
        """Stop nginx (SIGTERM: fast shutdown) and wait for it."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        if self.process is not None:
            self.process.stderr.close()
