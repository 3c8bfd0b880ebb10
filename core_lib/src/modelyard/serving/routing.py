"""The prediction endpoints' answering routes: plain Starlette routes, matched first.

FastAPI's routes document ``POST /predict`` and the Open Inference Protocol's
``infer`` endpoints in the OpenAPI schema. The requests themselves are
answered by the routes made here, placed at the head of the app's routes: a
prediction is not matched against every other route first, and, as the
endpoints take the raw ``Request``, FastAPI has no dependencies to solve on
each request. The endpoint, the middleware (request id, metrics, access log),
the data contract and drift tracking are the same on either route.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from starlette.routing import Match, Route


class AnsweringRoute(Route):
    """A Starlette route that leaves itself in the scope, as FastAPI's routes do.

    The metrics label a request with the path template of ``scope["route"]``.
    """

    include_in_schema = False

    def matches(self, scope: Any) -> tuple[Any, dict[str, Any]]:
        """Match as a Starlette route; a match names this route in the child scope."""
        match, child = super().matches(scope)
        if match != Match.NONE:
            child["route"] = self
        return match, child


def answer_first(
    app: FastAPI, path: str, endpoint: Callable[[Request], Awaitable[Response]]
) -> None:
    """Answer ``POST path`` with ``endpoint(request)``, after earlier such routes, before others."""
    routes = app.router.routes
    position = 0
    while position < len(routes) and isinstance(routes[position], AnsweringRoute):
        position += 1
    routes.insert(position, AnsweringRoute(path, endpoint, methods=["POST"]))
