"""The FastAPI application that serves one model.

The request model is built once, at start-up, from the model's feature schema:
validation is pydantic's compiled validator, and the OpenAPI page shows the real
feature names and types.
"""

import os
from pathlib import Path
from typing import Annotated, Any

from fastapi import Body, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, create_model

from modelyard.exceptions import ConfigError, NotTrainedError
from modelyard.model import Model
from modelyard.schema import Feature, FeatureSchema
from modelyard.store import load_model

MODEL_ENV = "MODELYARD_MODEL"

_PYTHON_TYPES: dict[str, type] = {"integer": int, "number": float, "boolean": bool, "string": str}


class Health(BaseModel):
    """Answer of ``GET /health``."""

    status: str
    model: str
    version: int | None


class Prediction(BaseModel):
    """Answer of ``POST /predict``: one prediction per row, in request order."""

    model: str
    version: int | None
    predictions: list[Any]


def create_app(model: Model | str | Path) -> FastAPI:
    """Build the REST API of a trained model, or of a saved one given by its path.

    Endpoints: ``GET /health`` and ``POST /predict``, which takes a JSON list of
    rows (feature name to value) and returns one prediction per row.
    """
    if not isinstance(model, Model):
        model = load_model(model)
    if model.schema is None:
        raise NotTrainedError("only a trained model can be served; train or load it first")
    name = model.name or type(model.estimator).__name__
    version = model.ref.version if model.ref else None
    rows_type = _rows_type(model.schema)

    app = FastAPI(
        title=f"{name} model",
        version=str(version or "unsaved"),
        description=f"Predictions from the {model.task} model '{name}', served by modelyard.",
    )
    app.add_exception_handler(RequestValidationError, _validation_error)

    @app.get("/health")
    def health() -> Health:
        """Whether the server is up, and which model it serves."""
        return Health(status="ok", model=name, version=version)

    @app.post("/predict")
    def predict(rows: rows_type) -> Prediction:  # type: ignore[valid-type]
        """Predict one value per row. Every feature is required; no other keys are allowed."""
        frame = [row.model_dump(by_alias=True) for row in rows]
        return Prediction(model=name, version=version, predictions=model.predict(frame).tolist())

    return app


def create_app_from_env() -> FastAPI:
    """Build the app for the model named by the ``MODELYARD_MODEL`` environment variable.

    This is the factory ``modelyard serve`` gives uvicorn, so every worker
    process loads the model itself.
    """
    uri = os.environ.get(MODEL_ENV)
    if not uri:
        raise ConfigError(f"set {MODEL_ENV} to the model to serve, e.g. models/my-model")
    return create_app(uri)


def _rows_type(schema: FeatureSchema) -> Any:
    """A list-of-rows body type whose rows have exactly the schema's features."""
    # Field names must be identifiers; the real feature names are the aliases.
    fields = {f"f{i}": (_field_type(feature), ...) for i, feature in enumerate(schema.features)}
    row = create_model("Row", __config__=ConfigDict(extra="forbid"), **fields)
    return Annotated[list[row], Body(min_length=1)]  # type: ignore[valid-type]


def _field_type(feature: Feature) -> Any:
    """One feature's type: its JSON name, no coercion from other types, finite numbers only."""
    finite = {"allow_inf_nan": False} if feature.kind == "number" else {}
    return Annotated[_PYTHON_TYPES[feature.kind], Field(alias=feature.name, strict=True, **finite)]


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    """Answer 422 naming each problem's row and field, without echoing the input back."""
    assert isinstance(error, RequestValidationError)
    return JSONResponse(status_code=422, content={"detail": [_describe(e) for e in error.errors()]})


def _describe(error: dict[str, Any]) -> dict[str, Any]:
    detail: dict[str, Any] = {"loc": list(error["loc"]), "msg": error["msg"], "type": error["type"]}
    if error["type"] == "json_invalid":  # loc holds a character position, not a row
        return detail
    loc = [part for part in error["loc"] if part != "body"]
    if loc and isinstance(loc[0], int):
        detail["row"] = loc[0]
        if len(loc) > 1:
            detail["field"] = loc[1]
    return detail
