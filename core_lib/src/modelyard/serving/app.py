"""The FastAPI application that serves one model.

Everything that depends only on the model is built once, when the app is
created: the request validators and the OpenAPI schema (from the model card's
feature schema, so ``/openapi.json`` gives the real feature names and types), the
column order, and whether the estimator can take plain arrays. A request does
only its own work: validate, convert, predict, encode.

A saved model is loaded in the background after the server starts listening,
so ``/health/live`` answers at once and ``/health/ready`` turns from 503 to
200 when the model can predict; if loading fails, ``/health/ready`` says
``failed`` and ``/predict`` answers 503 "failed to load: <cause>", never
"still loading". ``modelyard serve`` loads the model before it listens
(:func:`preload`), so a model that cannot load stops it at once.
"""

import contextlib
import functools
import json
import logging
import threading
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from modelyard import __version__, env
from modelyard.artifact import library_versions
from modelyard.drift import ReferenceProfile
from modelyard.exceptions import ConfigError, ModelyardError, NotTrainedError
from modelyard.loading import load_model
from modelyard.model import Model
from modelyard.schema import FeatureSchema
from modelyard.serving import errors, routing, v2
from modelyard.serving.limits import BodyParser, InFlightLimit, max_in_flight
from modelyard.serving.monitoring import Watch, add_monitoring, card_profile
from modelyard.serving.observability import Metrics, RequestMiddleware
from modelyard.serving.predictor import Predictor
from modelyard.serving.requests import Parsed, RequestError, RequestParser
from modelyard.store import locate_ref

MODEL_ENV = "MODELYARD_SERVE_MODEL"
#: Comma-separated profiles or type names the served model may need (see modelyard.trust).
TRUST_ENV = "MODELYARD_TRUST"
_preloaded: dict[str, Model] = {}
MAX_ROWS_ENV = "MODELYARD_MAX_ROWS"
MAX_BODY_ENV = "MODELYARD_MAX_BODY_BYTES"
DEFAULT_MAX_ROWS = 10_000
DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024
#: Batches up to this size are predicted on the event loop; larger ones in a thread,
#: so a big batch does not hold up health checks.
INLINE_ROWS = 100

logger = logging.getLogger("modelyard.serving")
_JSON = "application/json"


class Health(BaseModel):
    """Answer of the health endpoints."""

    status: str
    model: str
    version: int | None
    detail: str | None = None


class Prediction(BaseModel):
    """Answer of ``POST /predict``: one prediction per row, in request order."""

    model: str
    version: int | None
    predictions: list[Any]
    classes: list[Any] | None = None
    probabilities: list[list[float]] | None = None


class ErrorDetail(BaseModel):
    """One problem with a request: where (``row``, ``field``), what, and its kind."""

    loc: list[str | int]
    msg: str
    type: str
    row: int | None = None
    field: str | None = None


class ErrorAnswer(BaseModel):
    """Answer of a refused or failed request. ``request_id`` comes with server errors."""

    detail: list[ErrorDetail]
    request_id: str | None = None


class _Served:
    """The model being served, and whether it is loaded yet."""

    def __init__(self, name: str, version: int | None, schema: FeatureSchema, info: dict):
        self.name, self.version, self.schema, self.info = name, version, schema, info
        self.predictor: Predictor | None = None
        self.failure: str | None = None
        self.ready = threading.Event()
        #: The reference profile (drift monitoring), or None and why there is none.
        self.profile: tuple[ReferenceProfile | None, str | None] = (None, None)

    def load(self, model: Model) -> None:
        self.predictor = Predictor(model)
        self.ready.set()


class _Predicting:
    """The prediction path both protocols share: readiness, parsing, the contract, the model."""

    def __init__(self, served: _Served, parser: BodyParser, metrics: Metrics, watch: Watch):
        self.served, self.parser, self.metrics, self.watch = served, parser, metrics, watch
        self.name, self.version, self.schema = served.name, served.version, served.schema

    def is_ready(self) -> bool:
        return self.served.ready.is_set()

    def classes(self) -> list[Any] | None:
        return self.served.info["classes"]

    def has_probabilities(self) -> bool:
        predictor = self.served.predictor
        return predictor is not None and predictor.has_probabilities

    async def run(self, request: Request, v2: bool) -> tuple[Parsed, dict[str, Any]] | Response:
        path = request.scope["path"]
        predictor = self.served.predictor
        if predictor is None:
            if self.served.failure:
                return errors.refusal(
                    path, 503, "not_ready", f"failed to load: {self.served.failure}"
                )
            return errors.refusal(
                path, 503, "not_ready", "the model is still loading; retry shortly"
            )
        try:
            parsed = await self.parser.parse(await request.body(), v2=v2)
        except RequestError as error:
            self.metrics.count_contract(error.contract)
            return errors.error_response(path, error.status, error.details)
        self.metrics.count_contract(parsed.contract)
        if parsed.probabilities and not predictor.has_probabilities:
            return errors.refusal(
                path,
                422,
                "no_probabilities",
                "this model gives no probabilities",
                loc=["probabilities"],
            )
        try:
            predict = functools.partial(
                predictor.predict,
                parsed.rows,
                parsed.probabilities,
                in_contract=not parsed.contract,  # no value the model never saw the like of
            )
            if len(parsed.rows) <= INLINE_ROWS:
                answer = predict()
            else:
                answer = await run_in_threadpool(predict)
        except Exception as error:
            return _model_failed(path, request.scope["state"]["request_id"], error)
        request_id = request.scope["state"]["request_id"]
        self.watch.record(request_id, parsed.rows, answer, parsed.contract)
        return parsed, answer


def create_app(
    model: Model | str | Path,
    *,
    max_rows: int | None = None,
    max_body_bytes: int | None = None,
    storage_options: dict[str, Any] | None = None,
    trusted: Iterable[str] = (),
) -> FastAPI:
    """Build the REST API of a trained model, or of a saved one given by its path.

    Args:
        model: a trained :class:`~modelyard.model.Model`, or what ``load_model`` accepts
            (``models/NAME``, ``models/NAME/3``, ``models/NAME@3``). A saved model's
            card is read now; its estimator is loaded when the server starts.
        max_rows: most rows per request (default ``$MODELYARD_MAX_ROWS``, else 10,000).
        max_body_bytes: largest request body (default ``$MODELYARD_MAX_BODY_BYTES``,
            else 16 MiB), checked before the body is parsed.
        storage_options: options of the fsspec filesystem when ``model`` is a store
            URL (``s3://bucket/models/NAME@3``).
        trusted: profiles or exact type names a saved model may need beyond
            modelyard's built-in list (see :mod:`modelyard.trust`).

    Endpoints: ``GET /health/live``, ``GET /health/ready``, ``GET /metadata``,
    ``GET /metrics`` and ``POST /predict``, and the Open Inference Protocol's
    under ``/v2`` (:mod:`modelyard.serving.v2`).
    """
    served, loader = _served(model, storage_options, tuple(trusted))
    limits = (
        max_rows or env.read_int(MAX_ROWS_ENV, DEFAULT_MAX_ROWS),
        max_body_bytes or env.read_int(MAX_BODY_ENV, DEFAULT_MAX_BODY_BYTES),
    )
    parser = RequestParser(served.schema, max_rows=limits[0])
    bodies = BodyParser(parser, served.schema)  # big bodies are parsed off the event loop
    if isinstance(model, Model):  # already in memory: ready at once, with or without lifespan
        served.load(model)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not served.ready.is_set():
            threading.Thread(target=_load, args=(served, loader), daemon=True).start()
        yield
        bodies.close()
        watch.close()

    app = FastAPI(
        title=f"{served.name} model",
        version=str(served.version or "unsaved"),
        description=f"Predictions from the {served.info['task']} model '{served.name}', "
        "served by modelyard.",
        lifespan=lifespan,
        redirect_slashes=False,  # its redirect would name the client's Host header
        docs_url=None,  # the docs pages load scripts from the internet; /openapi.json stays
        redoc_url=None,
    )
    metrics = Metrics()  # labelled by the routes below
    watch = Watch.from_env(
        served.schema.names, (served.name, served.version), served.profile, metrics.registry
    )
    lanes = routing.answering_lanes(app)  # innermost: inside the limit, id, metrics and log
    app.add_middleware(InFlightLimit, limit=max_in_flight())
    app.add_middleware(RequestMiddleware, metrics=metrics, max_body_bytes=limits[1])
    app.add_exception_handler(StarletteHTTPException, errors.http_exception_handler)
    predicting = _Predicting(served, bodies, metrics, watch)
    _add_health(app, served)
    _add_metadata(app, served, limits)
    _add_predict(app, served, predicting, lanes)
    add_monitoring(app, watch)
    protocol_v2 = v2.router(predicting)
    app.include_router(protocol_v2)
    v2.answer_first(lanes, protocol_v2)

    @app.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
    def prometheus_metrics() -> Response:
        """Request counts, latencies and errors, in Prometheus' text format."""
        return Response(metrics.exposition(), media_type="text/plain; version=0.0.4")

    _document_request_body(app, parser)
    metrics.routes = [*app.routes, *protocol_v2.routes]  # included routers match lazily
    return app


def create_app_from_env() -> FastAPI:
    """Build the app for the model named by the ``MODELYARD_SERVE_MODEL`` environment variable.

    This is the factory ``modelyard serve`` gives uvicorn. A worker in the
    process that called :func:`preload` serves the model loaded there; any
    other worker loads it itself, trusting ``MODELYARD_TRUST``.
    """
    uri = env.read(MODEL_ENV)
    if not uri:
        raise ConfigError(f"set {MODEL_ENV} to the model to serve, e.g. models/my-model")
    trusted = list(env.read_list(TRUST_ENV))
    return create_app(uri, trusted=trusted)


def preload(location: Path | str, model: Model) -> None:
    """Keep ``model``, loaded from ``location``, for the app this process builds for it."""
    _preloaded[str(location)] = model


def _served(
    model: Model | str | Path, storage_options: dict[str, Any] | None, trusted: tuple[str, ...]
) -> tuple[_Served, Any]:
    """What is served (from the model or its card), and how to load it."""
    if isinstance(model, Model):
        if model.schema is None:
            raise NotTrainedError("only a trained model can be served; train or load it first")
        name = model.name or type(model.estimator).__name__
        info = {
            "task": model.task,
            "estimator": f"{type(model.estimator).__module__}.{type(model.estimator).__name__}",
            "classes": model.classes,
            "metrics": dict(model.result.metrics) if model.result else {},
            "created": None,
            "trained_with": library_versions(),
        }
        version = model.ref.version if model.ref else None
        served = _Served(name, version, model.schema, info)
        served.profile = card_profile(model.monitoring)
        return served, lambda: model
    ref = locate_ref(model, storage_options=storage_options)
    folder, card = ref.path, ref.card
    info = {
        "task": card.task,
        "estimator": card.estimator,
        "classes": card.classes,
        "metrics": card.metrics,
        "created": card.created,
        "trained_with": card.versions,
    }
    served = _Served(card.name, card.version, FeatureSchema.from_dict(card.features), info)
    served.profile = card_profile(card.monitoring)
    preloaded = _preloaded.pop(str(folder), None)
    if preloaded is not None:
        return served, lambda: preloaded
    return served, lambda: load_model(folder, storage_options=storage_options, trusted=trusted)


def _load(served: _Served, loader: Any) -> None:
    try:
        served.load(loader())
        logger.info("model %s version %s is ready", served.name, served.version)
    except Exception as error:  # the process stays up, not ready, and says why
        served.failure = str(error) if isinstance(error, ModelyardError) else repr(error)
        logger.exception("model %s could not be loaded", served.name)


def _add_health(app: FastAPI, served: _Served) -> None:
    not_ready = {503: {"model": Health, "description": "The model is not loaded (yet)."}}

    def answer() -> Response:
        status = "ok" if served.ready.is_set() else ("failed" if served.failure else "loading")
        fields: dict[str, Any] = {"status": status, "model": served.name, "version": served.version}
        if status == "failed":
            fields["detail"] = f"failed to load: {served.failure}"
        body = Health(**fields)
        return Response(
            body.model_dump_json(exclude_unset=True),
            status_code=200 if status == "ok" else 503,
            media_type=_JSON,
        )

    @app.get("/health/live", response_model=Health, response_model_exclude_unset=True)
    def live() -> Health:
        """The process is up and answering (the model may still be loading)."""
        return Health(status="ok", model=served.name, version=served.version)

    @app.get("/health/ready", response_model=Health, responses=not_ready)
    def ready() -> Response:
        """The model is loaded and predictions can be asked for; 503 until then."""
        return answer()

    @app.get("/health", response_model=Health, responses=not_ready, include_in_schema=False)
    def health() -> Response:
        """Kept for clients of the first release: the same as ``/health/ready``."""
        return answer()


def _add_metadata(app: FastAPI, served: _Served, limits: tuple[int, int]) -> None:
    metadata = {
        "name": served.name,
        "version": served.version,
        **served.info,
        "features": served.schema.to_dict(),
        "limits": {"max_rows": limits[0], "max_body_bytes": limits[1]},
        "served_with": {"modelyard": __version__, **library_versions()},
    }
    encoded = json.dumps(metadata, default=str).encode()

    @app.get("/metadata", response_class=Response, responses={200: {"content": {_JSON: {}}}})
    def model_metadata() -> Response:
        """The model's name, version, task, features, classes, metrics and library versions."""
        return Response(encoded, media_type=_JSON)


def _add_predict(
    app: FastAPI, served: _Served, predicting: _Predicting, lanes: list[routing.AnsweringRoute]
) -> None:
    errors_ = {
        413: {"model": ErrorAnswer, "description": "The body is over the size limit."},
        415: {"model": ErrorAnswer, "description": "The body is not JSON."},
        422: {"model": ErrorAnswer, "description": "The body does not match the features."},
        500: {"model": ErrorAnswer, "description": "The model failed; quote the request id."},
        503: {
            "model": ErrorAnswer,
            "description": "The model is not loaded yet, or the server is busy (see Retry-After).",
        },
    }
    header = {"model": served.name, "version": served.version}

    @app.post(
        "/predict",
        response_class=Response,
        responses={200: {"model": Prediction}, **errors_},
        openapi_extra={"x-modelyard-body": True},
    )
    async def predict(request: Request) -> Response:
        """Predict one value per row, in request order.

        Send ``{"rows": [{feature: value, ...}, ...]}`` or ``{"columns": [...],
        "data": [[...], ...]}``; every feature is required, except that one that may be
        missing (nullable in the model's contract) takes ``null`` or may be left out of
        a row; no other key is allowed.
        Add ``"probabilities": true`` for a classifier's class probabilities.
        """
        if not _is_json(request.headers.get("content-type", "")):
            return errors.refusal(
                "/predict",
                415,
                "body_type",
                "send the body as JSON (Content-Type: application/json)",
            )
        result = await predicting.run(request, v2=False)
        if isinstance(result, Response):
            return result
        parsed, answer = result
        if parsed.probabilities:
            answer["classes"] = predicting.classes()
        return Response(json.dumps({**header, **answer}), media_type=_JSON)

    routing.answer_first(lanes, "/predict", predict)  # the route above documents it


def _model_failed(path: str, request_id: str, error: Exception) -> Response:
    """Log the model's exception in full; answer without its message (it may quote the input).

    A ValueError from a model given schema-valid input means it cannot use these
    values (a number so large a scaler overflows, a category it never saw): a
    422. Anything else is a fault of the model or the server: a 500.
    """
    logger.exception("the model failed on request %s", request_id, extra={"request_id": request_id})
    if isinstance(error, ValueError):
        return errors.error_response(path, 422, errors.model_rejected_input(), request_id)
    return errors.error_response(path, 500, errors.internal_error(), request_id)


def _document_request_body(app: FastAPI, parser: RequestParser) -> None:
    """Put the body types compiled from the feature schema into the OpenAPI schema."""
    body, components = parser.openapi_schemas()

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            operation = schema["paths"]["/predict"]["post"]
            operation.pop("x-modelyard-body", None)
            operation["requestBody"] = {"required": True, "content": {_JSON: {"schema": body}}}
            schema.setdefault("components", {}).setdefault("schemas", {}).update(components)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == _JSON or (media.startswith("application/") and media.endswith("+json"))
