"""The site under every documented WSGI server, each started with docs/deploying.md's command.

Each test starts the real server from a fresh instance folder on a free 127.0.0.1 port,
then the same flow: every mount answers; register, add a todo, post a message that an
open stream receives, the 404 page, /healthz; 8 open streams leave the landing page
answering within 1 s; the stop signal ends the server within 10 s, streams still open.
"""

import contextlib
import math
import os
import re
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.conftest import browser_like_opener
from tests.conftest import free_port
from tests.conftest import register_over_http
from tests.servers import BIN
from tests.servers import check_streams_spare_the_site_and_stop
from tests.servers import fetch
from tests.servers import serving
from tests.servers import use_the_site
from tests.servers import wait_until_serving

__all__ = ["BIN", "wait_until_serving"]  # tests/test_stream_servers.py imports these here

pytestmark = pytest.mark.server

# One page per mount; /todo/ sends an anonymous visitor to the login page, followed here.
PAGES = {"/": "Home", "/auth/login": "Account", "/todo/": "Account", "/message/": "Messages"}

# Every server command exactly as docs/deploying.md writes it, where the port is 8000.
COMMANDS = {
    "gunicorn-gthread": "GUNICORN_BIND=127.0.0.1:{port} gunicorn -c gunicorn.conf.py",
    "gunicorn-sync": "GUNICORN_BIND=127.0.0.1:{port} GUNICORN_WORKER_CLASS=sync"
    " gunicorn -c gunicorn.conf.py",
    "gunicorn-gevent": "GUNICORN_BIND=127.0.0.1:{port} GUNICORN_WORKER_CLASS=gevent"
    " gunicorn -c gunicorn.conf.py",
    "waitress": "waitress-serve --listen=127.0.0.1:{port} dispatcher:application",
    "uwsgi": "UWSGI_HTTP=127.0.0.1:{port} uwsgi --ini deploy/uwsgi.ini",
    "mod_wsgi": "FLASK_MESSAGE_STREAM_HEARTBEAT_SECONDS=2 FLASK_MESSAGE_STREAM_MAX_SECONDS=120"
    " mod_wsgi-express start-server --application-type module --entry-point dispatcher"
    " --callable-object application --host 127.0.0.1 --port {port} --processes 2 --threads 5",
    "cheroot": "FLASK_MESSAGE_STREAM_MAX_OPEN=5 cheroot --bind 127.0.0.1:{port} --threads 10"
    " dispatcher:application",
    "granian": "FLASK_MESSAGE_STREAM_MAX_OPEN=4 granian --interface wsgi --host 127.0.0.1"
    " --port {port} --workers 2 --blocking-threads 8 --workers-kill-timeout 5"
    " dispatcher:application",
    "gevent": "python dispatcher.py run --host 127.0.0.1 --port {port} --server gevent",
    "werkzeug-threaded": "python dispatcher.py run --host 127.0.0.1 --port {port}",
    "werkzeug-processes": "python dispatcher.py run --host 127.0.0.1 --port {port} --processes 4",
    "flask-run": "flask --app dispatcher run --port {port}",
}
# Werkzeug's server stops on Ctrl-C; every other one on SIGTERM, as process managers send.
STOP_SIGNALS = {"werkzeug-threaded": signal.SIGINT, "werkzeug-processes": signal.SIGINT}
STOP_SIGNALS["flask-run"] = signal.SIGINT


def documented(name, environment, extra_options=()):
    """The command and environment of ``COMMANDS[name]``, run from this virtual environment."""
    words = shlex.split(COMMANDS[name])
    environment = dict(environment)
    while "=" in words[0]:
        variable, _, value = words.pop(0).partition("=")
        environment[variable] = value
    program = sys.executable if words[0] == "python" else str(BIN / words[0])
    return [program, *words[1:], *extra_options], environment


def serve_and_check_everything(name, environment, tmp_path, extra_options=()):
    """Start ``COMMANDS[name]`` and run the whole flow against it."""
    command, environment = documented(name, environment, extra_options)
    with serving(command, environment, tmp_path) as server:
        for path, current_app_title in PAGES.items():
            status, page = fetch(server.url + path)
            assert status == 200, path
            assert f'aria-current="page">{current_app_title}</a>' in page, path
        use_the_site(server.url)
        check_streams_spare_the_site_and_stop(server, STOP_SIGNALS.get(name, signal.SIGTERM))


@pytest.mark.parametrize(
    "name",
    [name for name in COMMANDS if name != "mod_wsgi"],
)
def test_documented_server(server_environment, tmp_path, name):
    # Two gunicorn workers: enough to show the streams are shared out, quicker to start.
    environment = {**server_environment, "GUNICORN_WORKERS": "2"}
    serve_and_check_everything(name, environment, tmp_path)


def deploying_md_commands():
    """The server commands in docs/deploying.md's shell blocks, continued lines joined."""
    text = (ROOT / "docs" / "deploying.md").read_text()
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split(" #")[0].strip()
            if line and not line.startswith(("pip ", "apt-get ")):
                commands.append(" ".join(line.split()))
    return commands


def test_every_command_in_deploying_md_is_one_these_tests_run():
    tested = {command.replace("{port}", "8000") for command in COMMANDS.values()}
    assert sorted(deploying_md_commands()) == sorted(tested)


def test_the_quick_start_command_makes_the_tables_and_serves_a_working_site():
    """``python dispatcher.py`` on an empty instance folder: no init-db beforehand."""
    port = free_port()
    command = [sys.executable, "dispatcher.py", "run", "--port", str(port)]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(process, base + "/healthz")
        opener = browser_like_opener()
        landing = register_over_http(opener, base, "newcomer")
        assert ">newcomer</a>" in landing
        with opener.open(base + "/todo/", timeout=10) as response:
            assert "Your todos" in response.read().decode()
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextlib.contextmanager
def folder_for_the_daemon_user(server_environment, tmp_path):
    """As root, Apache runs the site as www-data: a folder it owns for the instance and
    SQLite files (pytest's own folders are root's alone). As anyone else: no change."""
    if os.geteuid() != 0:
        yield server_environment, ["--server-root", str(tmp_path / "apache")]
        return
    unreachable = [
        str(folder)
        for folder in Path(sys.base_prefix).parents
        if not folder.stat().st_mode & stat.S_IXOTH and "www-data" not in acl_users(folder)
    ]
    assert not unreachable, f"www-data cannot reach the Python in {unreachable}: see .ci/run"
    folder = Path(tempfile.mkdtemp(prefix="dispatcher-mod-wsgi-"))
    try:
        environment = {**server_environment, "DISPATCHER_INSTANCE_PATH": str(folder / "instance")}
        for name in ("AUTH", "TODO", "MESSAGE"):
            url = environment[f"{name}_DATABASE_URL"]
            if url.startswith("sqlite:"):
                environment[f"{name}_DATABASE_URL"] = f"sqlite:///{folder / name.lower()}.sqlite"
        subprocess.run(
            [sys.executable, "dispatcher.py", "init-db"], cwd=ROOT, env=environment, check=True
        )
        shutil.chown(folder, "www-data", "www-data")
        for path in folder.rglob("*"):
            shutil.chown(path, "www-data", "www-data")
        yield (
            environment,
            [
                *("--server-root", str(folder / "apache")),
                *("--user", "www-data", "--group", "www-data"),
            ],
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def acl_users(folder):
    """The users an ACL on ``folder`` names (``setfacl -m u:NAME:x``), if any."""
    result = subprocess.run(["getfacl", "-cp", str(folder)], capture_output=True, text=True)
    return result.stdout


def test_mod_wsgi(server_environment, tmp_path):
    """mod_wsgi-express, with ``--user www-data --group www-data`` when root starts it."""
    with folder_for_the_daemon_user(server_environment, tmp_path) as (environment, options):
        serve_and_check_everything(
            "mod_wsgi", environment, tmp_path, [*options, "--log-to-terminal"]
        )


def test_mod_wsgi_streams_end_before_mod_wsgi_restarts_their_process():
    """mod_wsgi restarts a daemon process, cutting off every request in it, once one has
    run request-timeout * (1 + ln threads) seconds: the command's streams end sooner."""
    from mod_wsgi.express.options import option_list

    command, environment = documented("mod_wsgi", {})
    defaults = {option.dest: option.default for option in option_list}
    threads = int(command[command.index("--threads") + 1])
    restart_after = defaults["request_timeout"] * (1 + math.log(threads))
    # A stream ends within a second of its time; mod_wsgi checks every few seconds.
    assert float(environment["FLASK_MESSAGE_STREAM_MAX_SECONDS"]) + 5 < restart_after
