"""The Open Inference Protocol (KServe's V2 protocol, also spoken by MLServer and Triton).

Endpoints, next to ``/predict`` and answering the same model:

- ``GET /v2``: the server's name, version and extensions (none);
- ``GET /v2/health/live`` and ``GET /v2/health/ready``: 200 when live, ready;
- ``GET /v2/models/{name}`` and ``GET /v2/models/{name}/ready``: the model's
  metadata (one input per feature, the outputs) and whether it can predict;
- ``POST /v2/models/{name}/infer``: predictions;
- the same three model endpoints under ``/v2/models/{name}/versions/{version}``.

A name other than the served model's, or a version other than its own, is
404. A request's tensors are read by :mod:`modelyard.serving.tensors` and its
values checked by the same validator, data contract and limits as
``/predict``; every error answers ``{"error": "..."}`` (400 for a malformed
request or tensor, 422 for values the contract refuses, 413 and 503 as for
``/predict``). Only the protocol's JSON form is spoken: a request using the
binary tensor extension is refused with 400.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute

from modelyard import __version__
from modelyard.schema import FeatureSchema
from modelyard.serving import routing, tensors
from modelyard.serving.errors import refusal
from modelyard.serving.requests import Parsed

_JSON = "application/json"
_BINARY_HEADER = "inference-header-content-length"


class Backend(Protocol):
    """What the V2 endpoints need from the app: the served model, and its prediction path."""

    name: str
    version: int | None
    schema: FeatureSchema

    def is_ready(self) -> bool:
        """Whether the model is loaded and can predict."""

    def classes(self) -> list[Any] | None:
        """The classifier's classes, in the order of its probabilities (None otherwise)."""

    def has_probabilities(self) -> bool:
        """Whether the model gives class probabilities."""

    async def run(self, request: Request, v2: bool) -> tuple[Parsed, dict[str, Any]] | Response:
        """Parse, check and predict a request, or the error Response that refuses it."""


def router(backend: Backend) -> APIRouter:
    """The Open Inference Protocol's endpoints for the model ``backend`` serves."""
    routes = APIRouter(prefix="/v2", tags=["Open Inference Protocol (V2)"])
    version = None if backend.version is None else str(backend.version)
    metadata = json.dumps(_metadata(backend, version)).encode()
    not_found = {404: {"description": 'No such model or version; the body is {"error": ...}.'}}

    def unknown(request: Request, name: str, asked: str | None) -> Response | None:
        path = request.scope["path"]
        if name != backend.name:
            return refusal(
                path, 404, "not_found", f"this server serves the model '{backend.name}' only"
            )
        if asked is not None and asked != version:
            return refusal(path, 404, "not_found", f"this server serves version {version} only")
        return None

    @routes.get("", response_class=Response, responses={200: {"content": {_JSON: {}}}})
    def server_metadata() -> Response:
        """The server's name, version and protocol extensions."""
        body = {"name": "modelyard", "version": __version__, "extensions": []}
        return Response(json.dumps(body), media_type=_JSON)

    @routes.get("/health/live", response_class=Response)
    def server_live() -> Response:
        """200: the server is up (the model may still be loading)."""
        return Response(json.dumps({"live": True}), media_type=_JSON)

    @routes.get("/health/ready", response_class=Response)
    def server_ready() -> Response:
        """200 when the model can predict, 503 until then."""
        ready = backend.is_ready()
        return Response(json.dumps({"ready": ready}), 200 if ready else 503, media_type=_JSON)

    async def model_metadata(request: Request, name: str, version: str | None = None) -> Response:
        """The model's name, versions, platform, inputs (one per feature) and outputs."""
        return unknown(request, name, version) or Response(metadata, media_type=_JSON)

    async def model_ready(request: Request, name: str, version: str | None = None) -> Response:
        """200 when the model can predict, 503 until then; 404 for another model or version."""
        refused = unknown(request, name, version)
        if refused is not None:
            return refused
        ready = backend.is_ready()
        body = {"name": backend.name, "ready": ready}
        return Response(json.dumps(body), 200 if ready else 503, media_type=_JSON)

    async def infer(request: Request, name: str, version: str | None = None) -> Response:
        """Predictions for the rows in the request's tensors.

        Outputs: ``predict``, and ``predict_proba`` when named in ``outputs`` (or
        with the parameter ``"probabilities": true``).
        """
        refused = unknown(request, name, version)
        if refused is not None:
            return refused
        path = request.scope["path"]
        if _BINARY_HEADER in request.headers:
            return refusal(
                path,
                400,
                "binary_tensors",
                "the binary tensor extension is not supported; "
                "send the tensors as JSON (tritonclient: binary_data=False)",
            )
        media = request.headers.get("content-type", _JSON).split(";", 1)[0].strip().lower()
        if media not in (_JSON, ""):
            return refusal(
                path, 415, "body_type", "send the body as JSON (Content-Type: application/json)"
            )
        result = await backend.run(request, v2=True)
        if isinstance(result, Response):
            return result
        parsed, answer = result
        classes = backend.classes()
        body: dict[str, Any] = {"model_name": backend.name}
        if backend.version is not None:
            body["model_version"] = str(backend.version)
        body["id"] = parsed.request_id or request.scope["state"]["request_id"]
        outputs = parsed.outputs or ("predict",)
        body["outputs"] = tensors.encode(answer, outputs, len(classes) if classes else None)
        return Response(json.dumps(body), media_type=_JSON)

    errors = {
        400: {"description": 'A malformed request or tensor; the body is {"error": ...}.'},
        **not_found,
        413: {"description": "The body is over the size limit."},
        422: {"description": "Values the model's data contract refuses."},
        503: {"description": "The model is not loaded yet, or the server is busy."},
    }
    for prefix in ("/models/{name}", "/models/{name}/versions/{version}"):
        routes.add_api_route(
            prefix, model_metadata, methods=["GET"], response_class=Response, responses=not_found
        )
        routes.add_api_route(
            f"{prefix}/ready",
            model_ready,
            methods=["GET"],
            response_class=Response,
            responses=not_found,
        )
        routes.add_api_route(
            f"{prefix}/infer", infer, methods=["POST"], response_class=Response, responses=errors
        )
    return routes


def answer_first(lanes: list[routing.AnsweringRoute], routes: APIRouter) -> None:
    """Answer the ``infer`` endpoints of ``routes`` in the answering ``lanes`` of the app.

    See :mod:`modelyard.serving.routing`; the routes of ``routes`` still document them.
    """
    for route in routes.routes:
        if isinstance(route, APIRoute) and route.path.endswith("/infer"):

            async def answer(request: Request, endpoint: Any = route.endpoint) -> Response:
                params = request.path_params
                return await endpoint(request, params["name"], params.get("version"))

            routing.answer_first(lanes, route.path, answer)


def _metadata(backend: Backend, version: str | None) -> dict[str, Any]:
    inputs = [
        {"name": f.name, "datatype": tensors.DATATYPES[f.kind], "shape": [-1]}
        for f in backend.schema.features
    ]
    classes = backend.classes()
    predict = tensors.datatype_of(classes) if classes else "FP64"
    outputs: list[dict[str, Any]] = [{"name": "predict", "datatype": predict, "shape": [-1]}]
    if classes:
        outputs.append({"name": "predict_proba", "datatype": "FP64", "shape": [-1, len(classes)]})
    return {
        "name": backend.name,
        "versions": [version] if version is not None else [],
        "platform": "modelyard",
        "inputs": inputs,
        "outputs": outputs,
    }
