"""What the server tells its operators: Prometheus metrics, a JSON access log, a request id.

One ASGI middleware does the per-request bookkeeping: it gives each request an
id (answered in the ``X-Request-ID`` header), refuses bodies over the size limit
before they are read in full, counts and times the request, and notes one JSON
access-log line, which :class:`AccessLog` writes after the answer has gone
out, with the other lines of the same event-loop turn (see benchmarks/README.md,
serving, for what was measured against a queue thread). With several uvicorn
workers the metrics are shared through prometheus_client's multiprocess mode
(``PROMETHEUS_MULTIPROC_DIR``, which :func:`modelyard.serving.serve` sets up).
"""

import asyncio
import itertools
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.requests import ClientDisconnect
from starlette.routing import Match

from modelyard.serving.errors import internal_error, send_error, too_large

access_log = logging.getLogger("modelyard.access")
logger = logging.getLogger("modelyard.serving")

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
#: Longest string value a log line keeps; longer ones are cut and marked (a traceback is
#: cut line by line, and to its last lines).
LOG_VALUE_LIMIT = 2000
_TRACEBACK_LINES = 60
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


#: The path label of a request that matched none of the app's routes.
OTHER_PATH = "other"


class Metrics:
    """The server's Prometheus metrics, in a registry of their own.

    Requests are labelled by the route they matched, as the app declares it
    (``/v2/models/{name}/infer``, not the path the client sent), so the number
    of series is bounded by the app's routes; a path no route matched is
    labelled ``other``.
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        #: The app's routes, for requests answered before routing (413, a busy 503).
        self.routes: list[Any] = []
        self.requests = Counter(
            "modelyard_http_requests",
            "HTTP requests answered, by method, path and status.",
            ["method", "path", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "modelyard_http_request_duration_seconds",
            "Time from the request's arrival to the end of its answer.",
            ["path"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.errors = Counter(
            "modelyard_http_errors",
            "HTTP answers with status 400 or more, by path and status.",
            ["path", "status"],
            registry=self.registry,
        )
        self._children: dict[tuple[str, str, int], tuple[Any, Any, Any]] = {}
        self.rows = Counter("modelyard_predicted_rows", "Rows predicted.", registry=self.registry)
        self.contract = Counter(
            "modelyard_contract_values",
            "Values that broke the data contract (an unseen category, a number outside the "
            "training range), by feature and check; counted whether accepted or refused.",
            ["feature", "check"],
            registry=self.registry,
        )

    def count_contract(self, counts: dict[tuple[str, str], int]) -> None:
        """Add one request's contract counts, by ``(feature, check)``."""
        for (feature, check), count in counts.items():
            self.contract.labels(feature=feature, check=check).inc(count)

    def observe(self, method: str, label: str, status: int, seconds: float) -> None:
        """Count one answered request under its route's ``label`` (see :meth:`label`)."""
        key = (method, label, status)
        children = self._children.get(key)
        if children is None:  # looked up once per method, route and status, then kept
            children = (
                self.requests.labels(method, label, str(status)),
                self.latency.labels(label),
                self.errors.labels(label, str(status)) if status >= 400 else None,
            )
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)
        if children[2] is not None:
            children[2].inc()

    def exposition(self) -> bytes:
        """The metrics in Prometheus' text format (summed over workers in multiprocess mode)."""
        if os.environ.get(MULTIPROCESS_ENV):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)

    def label(self, scope: Scope) -> str:
        """The path template of the route a request matched, else ``other``.

        The router leaves the matched route in the scope; a request answered
        before it was routed (too large, or the server busy) is matched here
        against :attr:`routes`.
        """
        route = scope.get("route")
        for candidate in self.routes if route is None else ():
            if candidate.matches(scope)[0] == Match.FULL and hasattr(candidate, "path"):
                route = candidate
                break
        path = getattr(route, "path", None)
        return path if isinstance(path, str) else OTHER_PATH


class BodyTooLarge(Exception):
    """The request body grew past the limit while it was being received."""


class RequestMiddleware:
    """Request id, body-size limit, metrics and access log around every HTTP request."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, max_body_bytes: int):
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes
        self.access = AccessLog()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection scope."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        header = (b"x-request-id", request_id.encode())
        status = 500
        response_started = False
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge
            return message

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status, response_started = message["status"], True
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        try:
            if self._declared_length(scope) > self.max_body_bytes:
                raise BodyTooLarge
            await self.app(scope, limited_receive, send_with_id)
        except BodyTooLarge:
            if not response_started:
                await send_error(
                    send_with_id,
                    scope["path"],
                    413,
                    too_large(self.max_body_bytes),
                    headers=[(b"connection", b"close")],
                )
        except ClientDisconnect:
            status = 499  # the client left, or a deadline cut it off, before its body was in
        except Exception:
            logger.exception("request %s failed", request_id, extra={"request_id": request_id})
            if not response_started:
                await send_error(
                    send_with_id,
                    scope["path"],
                    500,
                    internal_error(),
                    request_id,
                    headers=[(b"connection", b"close")],
                )
        finally:
            seconds = time.perf_counter() - started
            self.metrics.observe(scope["method"], self.metrics.label(scope), status, seconds)
            if access_log.isEnabledFor(logging.INFO):
                self.access.add(
                    {
                        "request_id": request_id,
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "duration_ms": round(seconds * 1000, 3),
                        "client": (scope.get("client") or ("", 0))[0],
                    }
                )

    @staticmethod
    def _declared_length(scope: Scope) -> int:
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    return 0
        return 0


#: A new request id is this process's random prefix and a count: unique without asking the
#: system for random bytes on every request (it names a request; it is no secret).
_ID_PREFIX = uuid.uuid4().hex[:20]
_ID_COUNT = itertools.count()


def _new_id_prefix() -> None:
    """A forked worker counts under a prefix of its own."""
    global _ID_PREFIX, _ID_COUNT
    _ID_PREFIX, _ID_COUNT = uuid.uuid4().hex[:20], itertools.count()


os.register_at_fork(after_in_child=_new_id_prefix)


class AccessLog:
    """The access log: one JSON line per request, written once the answers are sent.

    A request only notes its fields and the time. The lines noted during one
    turn of the event loop are rendered and handed to logging together, as one
    record of ``modelyard.access`` whose message is the lines (so any handler
    writes them, one JSON object per line), on the loop's next turn: after the
    answers have gone out, and at one logging call, not one per request, under
    load. Outside an event loop each line is handed over at once.
    """

    def __init__(self) -> None:
        self._pending: list[tuple[float, dict[str, Any]]] = []

    def add(self, fields: dict[str, Any]) -> None:
        """Note one request's line."""
        self._pending.append((time.time(), fields))
        if len(self._pending) > 1:
            return
        try:
            asyncio.get_running_loop().call_soon(self.flush)
        except RuntimeError:
            self.flush()

    def flush(self) -> None:
        """Hand the noted lines to logging."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        lines = "\n".join(_access_line(created, fields) for created, fields in pending)
        record = access_log.makeRecord(access_log.name, logging.INFO, "", 0, lines, (), None)
        record.json_lines = True
        access_log.handle(record)


def _access_line(created: float, fields: dict[str, Any]) -> str:
    return json.dumps(_log_line(created, "info", access_log.name, fields), default=str)


def _log_line(created: float, level: str, logger: str, fields: dict[str, Any]) -> dict[str, Any]:
    """A JSON log line's keys: time, level, logger, then ``fields``, long strings cut."""
    line: dict[str, Any] = {"time": iso_time(created), "level": level, "logger": logger}
    for name, value in fields.items():
        line[name] = truncated(value) if isinstance(value, str) else value
    return line


#: The last whole second :func:`iso_time` wrote, and its text (many lines share one).
_last_second: tuple[int, str] = (-1, "")


def iso_time(created: float) -> str:
    """``created`` (seconds since the epoch) as UTC ISO 8601 with milliseconds and ``Z``."""
    global _last_second
    second = int(created)
    if _last_second[0] != second:
        _last_second = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
    return f"{_last_second[1]}.{int((created - second) * 1000):03d}Z"


def new_request_id() -> str:
    """A request id unique to this process's lifetime: 32 hex digits."""
    return f"{_ID_PREFIX}{next(_ID_COUNT):012x}"


def _request_id(scope: Scope) -> str:
    """The caller's ``X-Request-ID`` when it is a short plain token, else a new one."""
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            text = value.decode("latin-1")
            if _CLIENT_ID.match(text):
                return text
    return new_request_id()


class JsonFormatter(logging.Formatter):
    """One JSON object per log line: time, level, logger, message, extra fields, traceback.

    A string value longer than :data:`LOG_VALUE_LIMIT` characters (a huge field
    quoted in an exception's message, say) is cut there and marked with how
    long it was, so one request cannot write megabytes into the log.
    """

    _FIELDS = ("request_id", "method", "path", "status", "duration_ms", "client")

    def format(self, record: logging.LogRecord) -> str:
        """Render ``record`` as a JSON line (an :class:`AccessLog` record is its lines already)."""
        if getattr(record, "json_lines", False):
            return record.getMessage()
        fields: dict[str, Any] = {}
        message = record.getMessage()
        if message:
            fields["message"] = message
        for field in self._FIELDS:
            if hasattr(record, field):
                fields[field] = getattr(record, field)
        line = _log_line(record.created, record.levelname.lower(), record.name, fields)
        if record.exc_info:
            line["traceback"] = _short_traceback(self.formatException(record.exc_info))
        return json.dumps(line, default=str)


def truncated(text: str, limit: int = LOG_VALUE_LIMIT) -> str:
    """``text`` cut to ``limit`` characters, with a marker saying how long it was."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... [truncated: {len(text):,} characters]"


def _short_traceback(text: str) -> str:
    """A traceback with each line truncated, and only its last lines if it is very long."""
    lines = [truncated(line) for line in text.splitlines()]
    if len(lines) > _TRACEBACK_LINES:
        cut = len(lines) - _TRACEBACK_LINES
        lines = [f"... [{cut:,} traceback lines left out]", *lines[-_TRACEBACK_LINES:]]
    return "\n".join(lines)
