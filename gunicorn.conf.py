"""Production settings for ``gunicorn -c gunicorn.conf.py``; every value has a variable.

GUNICORN_WORKER_CLASS picks the worker: ``gthread`` (the default: GUNICORN_THREADS
threads per process), ``gevent`` (greenlets; best for many open live streams) or
``sync`` (one request per process). The message board's stream budget follows the
worker: half the threads of a gthread worker, none for sync (every stream request is
answered at once and the browser polls), worker_connections for gevent.
"""

import multiprocessing
import os
import signal

wsgi_app = "dispatcher:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "4" if worker_class == "gthread" else "1"))
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "1000"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))

STREAM_BUDGETS = {"gthread": threads // 2, "sync": 0, "gevent": worker_connections}
if "FLASK_MESSAGE_STREAM_MAX_OPEN" not in os.environ and worker_class in STREAM_BUDGETS:
    raw_env = [f"FLASK_MESSAGE_STREAM_MAX_OPEN={STREAM_BUDGETS[worker_class]}"]

# Bounded request lines and headers, as MAX_CONTENT_LENGTH bounds bodies.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

# Forwarded headers are trusted only through the site's PROXY_FIX_* settings
# (ProxyFix), never by gunicorn itself, whatever the peer's address.
forwarded_allow_ips = ""


def pre_request(worker, req):
    """Say ``Connection: close`` up front when the site may leave the body unread."""
    from apps.common.serving import close_after_unread_body

    close_after_unread_body(worker, req)


# gunicorn's control socket (a fixed path under the home folder) is not used here.
control_socket_disable = True

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


def child_exit(server, worker):
    """Forget an exited worker's open-stream gauge in the shared Prometheus folder."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    """End this worker's open live streams as soon as it is told to stop.

    Otherwise a worker waits out graceful_timeout for streams that never end by
    themselves. gunicorn's own handler still runs after ours.
    """
    from apps.message.shutdown import end_streams

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
        gunicorn_handler = signal.getsignal(signum)

        def end_streams_then(sig, frame, gunicorn_handler=gunicorn_handler):
            end_streams()
            gunicorn_handler(sig, frame)

        signal.signal(signum, end_streams_then)
