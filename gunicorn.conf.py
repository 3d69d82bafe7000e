"""Gunicorn settings shared by the Procfile (Elastic Beanstalk) and `make run`."""

import os
import socket
import sys

HOST = os.environ.get("HOST", "127.0.0.1")  # EB's nginx proxies to 127.0.0.1
PORT = int(os.environ.get("PORT", 8000))  # TCP port
WEB_CONCURRENCY = int(os.environ.get("WEB_CONCURRENCY", 2))  # worker processes: one per vCPU of a t3.micro
GUNICORN_THREADS = int(os.environ.get("GUNICORN_THREADS", 4))  # threads per worker
GUNICORN_TIMEOUT = int(os.environ.get("GUNICORN_TIMEOUT", 30))  # seconds a request may take
# "true": each worker listens on its own SO_REUSEPORT socket and Linux spreads new connections between them.
GUNICORN_REUSE_PORT = os.environ.get("GUNICORN_REUSE_PORT", "false").lower() == "true"

bind = f"{HOST}:{PORT}"
workers = WEB_CONCURRENCY
threads = GUNICORN_THREADS
timeout = GUNICORN_TIMEOUT
graceful_timeout = GUNICORN_TIMEOUT
# One shared socket by default: the least busy worker tends to take each new connection, which suits EB's nginx
# (a new connection per request). But the worker that wakes first can take a whole burst of connections, and a
# kept-alive one never moves; SO_REUSEPORT spreads them by hash instead, busy worker or not (README,
# "Uneven workers"). On Linux only: elsewhere SO_REUSEPORT does not spread connections.
reuse_port = GUNICORN_REUSE_PORT and sys.platform == "linux"
# Load the models once in the master before forking: one download, pages shared by the workers.
preload_app = True
# Longer than nginx's upstream keepalive so that nginx, not gunicorn, closes idle connections.
keepalive = 75
# The application logs one JSON line per request itself.
accesslog = None
# No control socket: nothing uses it, and EB's webapp user may have no writable home for it.
control_socket_disable = True


def on_starting(server):
    """Refuse to start when another server holds our port: with reuse_port it would silently share it."""
    if not server.cfg.reuse_port:
        return
    for address in server.cfg.address:
        if isinstance(address, tuple):
            family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
            with socket.socket(family, socket.SOCK_STREAM) as probe:
                # As gunicorn binds, so that connections still in TIME_WAIT do not count as a server.
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind(address[:2])
