"""What keeps the server answering under load it should refuse.

Two limits, both measured with ``benchmarks/load/bench.py``:

- :class:`InFlightLimit` bounds the requests a worker works on at once
  (``MODELYARD_MAX_IN_FLIGHT``, default 32). One more is answered at once with
  503 and ``Retry-After``, before its body is read. The health endpoints never
  count and are never refused, so an orchestrator's probe is answered however
  busy the server is.
- :class:`BodyParser` parses and validates a body of 256 KiB or more in a
  separate process (one such body at a time), so the event loop, which also
  answers the health probes, never spends a second on a 16 MiB body. Smaller
  bodies are parsed in place: a process round trip would cost them more than
  the parse.

Connections that never complete their request are closed by
:mod:`modelyard.serving.protocol`.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from modelyard import env
from modelyard.schema import FeatureSchema
from modelyard.serving.errors import detail, send_error
from modelyard.serving.requests import Parsed, RequestError, RequestParser

logger = logging.getLogger("modelyard.serving")

MAX_IN_FLIGHT_ENV = "MODELYARD_MAX_IN_FLIGHT"
DEFAULT_MAX_IN_FLIGHT = 32
#: Bodies of this many bytes or more are parsed in the parsing process, not on the event loop.
BIG_BODY_BYTES = 256 * 1024
#: Paths never counted nor refused by :class:`InFlightLimit`.
HEALTH_PATHS = frozenset(
    {"/health", "/health/live", "/health/ready", "/v2/health/live", "/v2/health/ready"}
)
#: Seconds a client refused for being over the in-flight limit is asked to wait.
RETRY_AFTER_SECONDS = 1


def max_in_flight() -> int:
    """The in-flight limit: ``MODELYARD_MAX_IN_FLIGHT``, else 32; a bad value is an error."""
    return env.read_int(MAX_IN_FLIGHT_ENV, DEFAULT_MAX_IN_FLIGHT)


class InFlightLimit:
    """ASGI middleware: at most ``limit`` requests at once; the next ones get 503 + Retry-After.

    Requests to the health paths pass straight through and are not counted.
    """

    def __init__(self, app: Any, *, limit: int, exempt: frozenset[str] = HEALTH_PATHS):
        self.app = app
        self.limit = limit
        self.exempt = exempt
        self.in_flight = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Handle one ASGI scope."""
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            await _send_busy(send, scope["path"], self.limit)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


class BodyParser:
    """Parses ``/predict`` bodies: small ones in place, big ones in a parsing process.

    ``parser`` parses the small bodies in place. The parsing process is started
    on the first big body and builds its own parser from ``schema``.
    Big bodies queue for it one at a time. If the process dies (say, killed
    for memory), the request gets a 503 and the next big body starts a new one.

    The process is started the ``spawn`` way (no copy of the server's threads
    and locks), so, as with any multiprocessing, a script that starts the server
    itself must do so under ``if __name__ == "__main__":``.
    """

    def __init__(self, parser: RequestParser, schema: FeatureSchema, *, big: int = BIG_BODY_BYTES):
        self.parser = parser
        self.big = big
        self._spec = (json.dumps(schema.to_dict(), sort_keys=True), parser.max_rows)
        self._executor: ProcessPoolExecutor | None = None
        self._one_at_a_time: asyncio.Lock | None = None

    async def parse(self, body: bytes, v2: bool = False) -> Parsed:
        """Validate a JSON body; raise :class:`~modelyard.serving.requests.RequestError`.

        With ``v2`` the body is an Open Inference Protocol inference request.
        """
        if len(body) < self.big:
            return self.parser.parse(body, v2)
        if self._one_at_a_time is None:
            self._one_at_a_time = asyncio.Lock()
        async with self._one_at_a_time:
            if self._executor is None:
                context = multiprocessing.get_context("spawn")  # no copy of the server's threads
                self._executor = ProcessPoolExecutor(max_workers=1, mp_context=context)
            try:
                return await asyncio.get_running_loop().run_in_executor(
                    self._executor, _parse, self._spec, body, v2
                )
            except BrokenProcessPool:
                self._executor = None
                logger.error("the body-parsing process stopped; the next big body starts another")
                msg = (
                    "the server could not parse this body (its parsing process "
                    "stopped); retry, or send fewer rows per request"
                )
                raise RequestError(503, [detail(["body"], msg, "parser_unavailable")]) from None

    def close(self) -> None:
        """Stop the parsing process, if one was started."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


def _parse(spec: tuple[str, int], body: bytes, v2: bool) -> Parsed:
    """Runs in the parsing process: parse one body with the parser for ``spec``."""
    return _parser(*spec).parse(body, v2)


@functools.lru_cache(maxsize=4)
def _parser(schema: str, max_rows: int) -> RequestParser:
    return RequestParser(FeatureSchema.from_dict(json.loads(schema)), max_rows=max_rows)


async def _send_busy(send: Any, path: str, limit: int) -> None:
    msg = (
        f"the server is working on {limit} requests already "
        f"({MAX_IN_FLIGHT_ENV}); retry after {RETRY_AFTER_SECONDS} s"
    )
    await send_error(
        send,
        path,
        503,
        [detail([], msg, "busy")],
        headers=[(b"retry-after", str(RETRY_AFTER_SECONDS).encode())],
    )
