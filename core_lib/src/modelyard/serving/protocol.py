"""Uvicorn's HTTP protocol with deadlines: a connection must send its request in time.

Uvicorn closes a kept-alive connection that stays idle between requests
(``timeout_keep_alive``), but nothing closes one that opened and never finished
its headers, or that sends its body a byte a minute: a thousand such clients
hold a thousand file descriptors for ever and lock everyone else out. Its
``limit_concurrency`` refuses new requests once too many connections are open,
health probes included, so it does not help either.

:class:`DeadlineProtocol` is uvicorn's httptools protocol plus two timers:

- the request line and headers must arrive within ``MODELYARD_HEADER_TIMEOUT``
  seconds (default 10) of the connection opening, or of the first byte of the
  next request on a kept-alive connection;
- the body must then arrive within ``MODELYARD_BODY_TIMEOUT`` seconds
  (default 60).

A connection past its deadline is closed. :func:`modelyard.serving.serve`
gives the class to uvicorn as its ``http`` protocol, and :func:`keep_alive` as
its ``timeout_keep_alive``: the seconds a kept-alive connection may stay idle
between requests (``MODELYARD_KEEP_ALIVE``, default 5, uvicorn's own). A proxy
or load balancer that keeps idle connections to the server longer than that may
send a request just as the server closes the connection, and the request fails:
behind one, set it above the proxy's idle timeout.
"""

from __future__ import annotations

import asyncio
import functools
import os
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from modelyard.exceptions import ConfigError

HEADER_TIMEOUT_ENV = "MODELYARD_HEADER_TIMEOUT"
BODY_TIMEOUT_ENV = "MODELYARD_BODY_TIMEOUT"
DEFAULT_HEADER_TIMEOUT = 10.0
DEFAULT_BODY_TIMEOUT = 60.0
KEEP_ALIVE_ENV = "MODELYARD_KEEP_ALIVE"
DEFAULT_KEEP_ALIVE = 5.0


@functools.cache
def deadlines() -> tuple[float, float]:
    """Seconds allowed for the headers and for the body, from the environment.

    Read once per process; a value that is not a positive number is a
    :class:`~modelyard.exceptions.ConfigError`.
    """
    return (
        _seconds(HEADER_TIMEOUT_ENV, DEFAULT_HEADER_TIMEOUT),
        _seconds(BODY_TIMEOUT_ENV, DEFAULT_BODY_TIMEOUT),
    )


def keep_alive() -> float:
    """Seconds a kept-alive connection may stay idle: ``MODELYARD_KEEP_ALIVE``, else 5."""
    return _seconds(KEEP_ALIVE_ENV, DEFAULT_KEEP_ALIVE)


class DeadlineProtocol(HttpToolsProtocol):
    """Uvicorn's httptools protocol that closes connections slower than the deadlines."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.header_timeout, self.body_timeout = deadlines()
        self._timer: asyncio.TimerHandle | None = None
        #: The loop time the current phase must end by, or None while a request is answered.
        self._until: float | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the clock for the first request's headers."""
        super().connection_made(transport)
        self._arm(self.header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the clock."""
        self._until = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        """A request starts: on a kept-alive connection, start the clock for its headers."""
        super().on_message_begin()
        if self._until is None:
            self._arm(self.header_timeout)

    def on_headers_complete(self) -> None:
        """The headers are in: start the clock for the body."""
        super().on_headers_complete()
        self._arm(self.body_timeout)

    def on_message_complete(self) -> None:
        """The whole request is in: no deadline while it is answered."""
        super().on_message_complete()
        self._until = None

    def _arm(self, seconds: float) -> None:
        # One timer per connection, moved only when a deadline comes sooner than it: a
        # timer that fires early finds a later deadline and waits again, so a request on
        # a kept-alive connection costs no timer of its own.
        self._until = self.loop.time() + seconds
        if self._timer is not None and self._timer.when() <= self._until:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self.loop.call_at(self._until, self._expired)

    def _expired(self) -> None:
        self._timer = None
        if self._until is None:  # between a request's end and the next one's first byte
            return
        if self.loop.time() < self._until:
            self._timer = self.loop.call_at(self._until, self._expired)
        elif not self.transport.is_closing():
            self.transport.close()


def _seconds(name: str, default: float) -> float:
    text = os.environ.get(name)
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise ConfigError(f"{name} must be a positive number of seconds, not {text!r}")
    return value
