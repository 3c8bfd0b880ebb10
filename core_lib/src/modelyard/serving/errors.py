"""Every error body the server sends, built in one place, in the shape the path's protocol expects.

Two shapes, chosen by the request's path:

- ``/predict`` and the other modelyard endpoints answer
  ``{"detail": [{"loc": [...], "msg": "...", "type": "...", "row": 3, "field": "x"}],
  "request_id": "..."}`` (``row``, ``field`` and ``request_id`` when known);
- the Open Inference Protocol's endpoints (``/v2/...``) answer ``{"error": "..."}``,
  one line that joins the same details (where, then what).

The handlers, the middleware and the limits build :func:`detail` items and
hand them to :func:`error_body` (bytes) or :func:`error_response` (a Response),
or send them straight to an ASGI ``send`` with :func:`send_error`; none of
them writes error JSON of its own. No body ever repeats a value the client
sent.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from starlette.responses import Response

#: Paths under this prefix speak the Open Inference Protocol (V2).
V2_PREFIX = "/v2"
_JSON = "application/json"

Send = Callable[[dict[str, Any]], Awaitable[None]]


def detail(loc: list[Any], msg: str, kind: str, **extra: Any) -> dict[str, Any]:
    """One problem with a request: where (``loc``, ``row``, ``field``), what, its kind."""
    return {"loc": loc, "msg": msg, "type": kind, **extra}


def is_v2(path: str) -> bool:
    """Whether ``path`` belongs to the Open Inference Protocol's endpoints."""
    return path == V2_PREFIX or path.startswith(V2_PREFIX + "/")


def error_body(path: str, details: list[dict[str, Any]], request_id: str | None = None) -> bytes:
    """The JSON error body for a request to ``path``: modelyard's shape or the V2 protocol's."""
    if is_v2(path):
        message = v2_message(details)
        if request_id:
            message += f" (request id {request_id})"
        return json.dumps({"error": message}).encode()
    content: dict[str, Any] = {"detail": details}
    if request_id:
        content["request_id"] = request_id
    return json.dumps(content).encode()


def error_response(
    path: str,
    status: int,
    details: list[dict[str, Any]],
    request_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """:func:`error_body` as a Response with ``status``."""
    return Response(
        error_body(path, details, request_id), status, headers=headers, media_type=_JSON
    )


def refusal(path: str, status: int, kind: str, msg: str, loc: list | None = None) -> Response:
    """A Response refusing a request for one reason."""
    return error_response(path, status, [detail(loc or [], msg, kind)])


async def send_error(
    send: Send,
    path: str,
    status: int,
    details: list[dict[str, Any]],
    request_id: str | None = None,
    headers: Iterable[tuple[bytes, bytes]] = (),
) -> None:
    """Send an error answer from ASGI middleware (before any other part of the answer was sent)."""
    body = error_body(path, details, request_id)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", _JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def v2_message(details: list[dict[str, Any]]) -> str:
    """The details as one line: "where: what" for each, joined by semicolons."""
    parts = []
    for item in details:
        where = _where(item)
        parts.append(f"{where}: {item['msg']}" if where else item["msg"])
    return "; ".join(parts)


def _where(item: dict[str, Any]) -> str:
    if item.get("field") is not None and item.get("row") is not None:
        return f"input '{item['field']}', row {item['row']}"
    if item.get("field") is not None:
        return f"input '{item['field']}'"
    return ".".join(str(part) for part in item.get("loc", []))


def internal_error() -> list[dict[str, Any]]:
    """The details of a failure inside the server: nothing but a pointer to the request id."""
    return [
        detail(
            [],
            "the server failed to answer this request; it is logged under "
            "this request id, quote it to the service's operators",
            "internal_error",
        )
    ]


def model_rejected_input() -> list[dict[str, Any]]:
    """The details of a model that raised ValueError on schema-valid input."""
    return [
        detail(
            [],
            "the model cannot predict for the values in this request (for example "
            "numbers too large for it); the reason is logged under this request id",
            "model_rejected_input",
        )
    ]


def too_large(limit: int) -> list[dict[str, Any]]:
    """The details of a body over the size limit."""
    return [
        detail(
            ["body"],
            f"the body is larger than {limit} bytes (MODELYARD_MAX_BODY_BYTES); "
            "send fewer rows per request",
            "body_too_large",
        )
    ]


async def http_exception_handler(request: Any, exc: Any) -> Response:
    """The answer to the router's own refusals (no such path, method not allowed).

    Under ``/v2`` it is the protocol's ``{"error": "..."}``; elsewhere FastAPI's
    ``{"detail": "..."}``, which clients of the first release know.
    """
    headers = getattr(exc, "headers", None)
    if is_v2(request.url.path):
        body = json.dumps({"error": str(exc.detail)}).encode()
    else:
        body = json.dumps({"detail": exc.detail}).encode()
    return Response(body, exc.status_code, headers=headers, media_type=_JSON)
