"""Gunicorn settings shared by the Procfile (Elastic Beanstalk) and `make run`."""

import os

HOST = os.environ.get("HOST", "127.0.0.1")  # EB's nginx proxies to 127.0.0.1
PORT = int(os.environ.get("PORT", 8000))  # TCP port
WEB_CONCURRENCY = int(os.environ.get("WEB_CONCURRENCY", 2))  # worker processes: one per vCPU of a t3.micro
GUNICORN_THREADS = int(os.environ.get("GUNICORN_THREADS", 4))  # threads per worker
GUNICORN_TIMEOUT = int(os.environ.get("GUNICORN_TIMEOUT", 30))  # seconds a request may take

bind = f"{HOST}:{PORT}"
workers = WEB_CONCURRENCY
threads = GUNICORN_THREADS
timeout = GUNICORN_TIMEOUT
graceful_timeout = GUNICORN_TIMEOUT
# Load the models once in the master before forking: one download, pages shared by the workers.
preload_app = True
# Longer than nginx's upstream keepalive so that nginx, not gunicorn, closes idle connections.
keepalive = 75
# The application logs one JSON line per request itself.
accesslog = None
# No control socket: nothing uses it, and EB's webapp user may have no writable home for it.
control_socket_disable = True
