"""gunicorn settings shared by `make serve`, deploy/Dockerfile and deploy/systemd.

Every value can be overridden by the environment (GUNICORN_CMD_ARGS works too). gunicorn's
access log stays off: it would write each request's path, and paths hold persons' ids; the
application writes its own line per request, with the route name instead
(kangfu/core/requestlog.py).
"""

import multiprocessing
import os

wsgi_app = "config.wsgi:application"
bind = os.environ.get("KANGFU_BIND", "127.0.0.1:8000")
# Synchronous workers: pages are CPU-bound template rendering over short queries.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Load the app once in the master: a broken setting (DEBUG=true, a missing key) stops the
# start instead of looping through crashing workers, and workers share its memory.
preload_app = True
