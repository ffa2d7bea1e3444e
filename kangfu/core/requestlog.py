"""Structured logs: one JSON line per request, and JSON for every other log record.

A request line names the route (``people:person-detail``), never the path: paths carry a
person's public id, and a log is read by more people, and kept longer, than the audit log
allows. Static files (served by whitenoise, above this middleware) are not logged.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time

logger = logging.getLogger("kangfu.request")


def route_of(request) -> str | None:
    """The URL pattern's name (``app:name``), or None when the path matched no route."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    return match.view_name


class RequestLogMiddleware:
    """Logs method, route name, status and duration of every request, as one JSON line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        logger.info(
            "request",
            extra={
                "http": {
                    "method": request.method,
                    "route": route_of(request),
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                }
            },
        )
        return response


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object; a request's path is replaced by its route name.

    Django's own loggers (``django.request``, ``django.security.csrf``) put the path into
    their message ("Not Found: /people/<uuid>/"); the record carries the request, so the
    path can be swapped for the route before anything is written.
    """

    def format(self, record: logging.LogRecord) -> str:
        request = getattr(record, "request", None)
        path = getattr(request, "path", None)

        def redact(text: str) -> str:
            if not path or path == "/":
                return text
            route = route_of(request)
            return text.replace(path, f"<{route}>" if route else "<unmatched>")

        message = redact(record.getMessage())
        entry: dict = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        http = getattr(record, "http", None)
        if isinstance(http, dict):
            entry.update(http)
        status = getattr(record, "status_code", None)
        if status is not None and "status" not in entry:
            entry["status"] = status
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)
