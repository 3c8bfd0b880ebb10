"""The prediction endpoints' answering lane: matched and answered ahead of FastAPI's router.

FastAPI's routes document ``POST /predict`` and the Open Inference Protocol's
``infer`` endpoints in the OpenAPI schema. The requests themselves are answered
by :class:`AnsweringLanes`, a middleware just inside the request id, metrics,
access log and in-flight limit: a prediction is matched against these few
routes only, and its endpoint, which takes the raw ``Request``, is called
directly. What it passes by is FastAPI's exception middleware, its dependency
exit stack and its router, none of which a prediction uses: the endpoints raise
no ``HTTPException`` and have no dependencies, and any other exception reaches
:class:`~modelyard.serving.observability.RequestMiddleware`, which answers 500
in the error envelope. The data contract, limits, errors, metrics, access log
and drift tracking are the same on either path.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from starlette.routing import Match, Route

Endpoint = Callable[[Request], Awaitable[Response]]


class AnsweringRoute(Route):
    """A Starlette route that leaves itself in the scope, as FastAPI's routes do.

    The metrics label a request with the path template of ``scope["route"]``.
    """

    def matches(self, scope: Any) -> tuple[Any, dict[str, Any]]:
        """Match as a Starlette route; a match names this route in the child scope."""
        match, child = super().matches(scope)
        if match != Match.NONE:
            child["route"] = self
        return match, child


class AnsweringLanes:
    """ASGI middleware: a ``POST`` to one of ``routes`` is answered by its endpoint at once.

    Any other request goes on to the app (FastAPI's router answers it).
    """

    def __init__(self, app: Any, *, routes: list[AnsweringRoute]):
        self.app = app
        self.routes = routes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Handle one ASGI scope."""
        if scope["type"] == "http" and scope["method"] == "POST":
            for route in self.routes:
                match, child = route.matches(scope)
                if match == Match.FULL:
                    scope.update(child)
                    response = await route.endpoint(Request(scope, receive, send))
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def answering_lanes(app: FastAPI) -> list[AnsweringRoute]:
    """Add :class:`AnsweringLanes` to ``app``; the list :func:`answer_first` adds routes to.

    Call it before any other middleware is added, so that the lanes sit inside them all.
    """
    routes: list[AnsweringRoute] = []
    app.add_middleware(AnsweringLanes, routes=routes)
    return routes


def answer_first(routes: list[AnsweringRoute], path: str, endpoint: Endpoint) -> None:
    """Answer ``POST path`` with ``endpoint(request)`` in the lanes of ``routes``."""
    routes.append(AnsweringRoute(path, endpoint, methods=["POST"]))
