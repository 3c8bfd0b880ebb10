"""The body of ``POST /predict``: its types, compiled once from the feature schema, and its parsing.

Two shapes are accepted::

    {"rows": [{"feature": value, ...}, ...], "probabilities": false}
    {"columns": ["feature", ...], "data": [[value, ...], ...], "probabilities": false}

The Open Inference Protocol's body (one tensor per feature, or one 2-D tensor;
see :mod:`modelyard.serving.tensors`) is turned into the columns shape and
validated by the same rules. Every shape becomes one list of rows, each a
list of values in training column order, or a :class:`RequestError` whose
details name the row and the field, never the value that was sent.

The model's data contract decides the rest: a feature that may be missing
(``nullable``) takes ``null`` and may be left out of a row, one that may not
refuses ``null`` (``null_not_allowed``); an integer feature takes an integral
number such as ``2007.0``; an unseen category or a number outside the training
range is counted, and refused when the feature's policy is ``reject``.
"""

import functools
from collections import Counter
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import pydantic_core
from pydantic import BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError
from typing_extensions import NotRequired, TypedDict

from modelyard.schema import Feature, FeatureSchema
from modelyard.serving import tensors
from modelyard.serving.errors import detail as _error

_INT64 = {"ge": -(2**63), "le": 2**63 - 1}
_PYTHON_TYPES: dict[str, type] = {"integer": int, "number": float, "boolean": bool, "category": str}
_FORBID = ConfigDict(extra="forbid")
_STRICT_BOOL = Annotated[bool, Field(strict=True)]
_NULL_NOT_ALLOWED = (
    "null is not allowed: this feature had no missing values in training "
    "(a project can declare it in [tool.modelyard] nullable)"
)
_REFUSALS = {
    "unseen_category": "a category the model never saw in training (policy: reject)",
    "out_of_range": "a number outside the range seen in training (policy: reject)",
}
#: Most refused values named in one answer.
_REFUSED_LIMIT = 20
#: Longest piece of a client's key name repeated in an error, so a huge key is not echoed.
_NAME_LIMIT = 100


class RequestError(Exception):
    """A request the server refuses: its HTTP status and the details to answer with."""

    def __init__(
        self,
        status: int,
        details: list[dict[str, Any]],
        contract: dict[tuple[str, str], int] | None = None,
    ):
        super().__init__(status, details, contract)
        self.status = status
        self.details = details
        #: Contract values seen before refusing, as in :attr:`Parsed.contract`.
        self.contract = contract or {}


@dataclass(frozen=True)
class Parsed:
    """A valid request: the rows in training column order, and whether probabilities are wanted."""

    rows: list[list[Any]]
    probabilities: bool
    #: How many values broke the contract, by ``(feature, check)``; check is
    #: ``unseen_category`` or ``out_of_range``.
    contract: dict[tuple[str, str], int] = field(default_factory=dict)
    #: The Open Inference Protocol request's outputs, in the order asked (None for ``/predict``).
    outputs: tuple[str, ...] | None = None
    #: The Open Inference Protocol request's ``id``, when it is a short plain token.
    request_id: str | None = None


class RequestParser:
    """Validates ``POST /predict`` bodies against one feature schema.

    Everything that depends only on the schema (the pydantic validators, the
    column order) is built here, once; :meth:`parse` does only per-request work.
    """

    def __init__(self, schema: FeatureSchema, max_rows: int):
        self.names = schema.names
        self.max_rows = max_rows
        self._kinds = {f.name: f for f in schema.features}
        self._features = tuple(schema.features)
        self._rows_type = _rows_body(schema, max_rows)
        self._rows = TypeAdapter(self._rows_type)
        self._columns_type = _columns_body(schema, max_rows)
        self._columns = TypeAdapter(_columns_shape(max_rows))
        self._data_in_schema_order = self._data_type(tuple(self.names))
        self._checks = _contract_checks(schema)
        # The same checks as plain data, for the common request that breaks none of them.
        self._ranges = [
            (i, f.minimum, f.maximum)
            for i, f in enumerate(schema.features)
            if f.kind in ("integer", "number") and f.has_range
        ]
        self._seen = [
            (i, frozenset(f.categories))
            for i, f in enumerate(schema.features)
            if f.kind == "category" and f.categories is not None
        ]

    def parse(self, body: bytes, v2: bool = False) -> Parsed:
        """Validate a JSON body; raise :class:`RequestError` (422) naming what is wrong.

        With ``v2``, the body is an Open Inference Protocol inference request; a
        malformed tensor is refused with 400, a value against the contract with 422.
        """
        try:
            payload = pydantic_core.from_json(body, allow_inf_nan=True)
        except ValueError:
            raise RequestError(
                422, [_error([], "body is not valid JSON", "json_invalid")]
            ) from None
        if v2:
            try:
                request = tensors.decode(payload, self._features)
            except tensors.TensorError as error:
                raise RequestError(400, error.details) from None
            parsed = self._parse_columns(request.columns)
            return Parsed(
                parsed.rows,
                "predict_proba" in request.outputs,
                parsed.contract,
                request.outputs,
                request.id,
            )
        if isinstance(payload, dict) and "rows" in payload:
            return self._parse_rows(payload)
        if isinstance(payload, dict) and ("columns" in payload or "data" in payload):
            return self._parse_columns(payload)
        raise RequestError(
            422,
            [
                _error(
                    [],
                    'body must be an object with "rows" (a list of objects) or with '
                    '"columns" and "data"',
                    "body_shape",
                )
            ],
        )

    def openapi_schemas(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The request body's JSON schema and the component schemas it refers to."""
        template = "#/components/schemas/{model}"
        rows = self._rows.json_schema(ref_template=template)
        columns = TypeAdapter(self._columns_type).json_schema(ref_template=template)
        components = {**rows.pop("$defs", {}), **columns.pop("$defs", {})}
        components.update(PredictRows=rows, PredictColumns=columns)
        body = {
            "oneOf": [
                {"$ref": template.format(model="PredictRows")},
                {"$ref": template.format(model="PredictColumns")},
            ]
        }
        return body, components

    def _parse_rows(self, payload: dict[str, Any]) -> Parsed:
        try:
            valid = self._rows.validate_python(payload)
        except ValidationError as error:
            raise RequestError(422, self._details(error, columns=None)) from None
        names = self.names
        rows = [[row.get(name) for name in names] for row in valid["rows"]]
        return Parsed(rows, valid.get("probabilities", False), self._contract(rows, "rows"))

    def _parse_columns(self, payload: dict[str, Any]) -> Parsed:
        try:
            shape = self._columns.validate_python(payload)
        except ValidationError as error:
            raise RequestError(422, self._details(error, columns=None)) from None
        columns = tuple(shape["columns"])
        self._check_columns(columns)
        validator = (
            self._data_in_schema_order if list(columns) == self.names else self._data_type(columns)
        )
        try:
            data = validator.validate_python(shape["data"])
        except ValidationError as error:
            raise RequestError(422, self._details(error, columns=columns, prefix="data")) from None
        if validator is not self._data_in_schema_order:
            order = [columns.index(name) for name in self.names]
            data = [[row[i] for i in order] for row in data]
        rows = [list(row) for row in data]
        return Parsed(rows, shape.get("probabilities", False), self._contract(rows, "data"))

    def _contract(self, rows: list[list[Any]], part: str) -> dict[tuple[str, str], int]:
        """Count the values that break the contract; refuse them where the policy says so."""
        if self._keeps_contract(rows):
            return {}
        counts: Counter[tuple[str, str]] = Counter()
        refused = []
        for index, name, check, breaks, reject in self._checks:
            for number, row in enumerate(rows):
                value = row[index]
                if value is not None and breaks(value):
                    counts[name, check] += 1
                    if reject and len(refused) < _REFUSED_LIMIT:
                        refused.append(
                            _error([part, number], _REFUSALS[check], check, row=number, field=name)
                        )
        if refused:
            raise RequestError(422, [_shortened(d) for d in refused], dict(counts))
        return dict(counts)

    def _keeps_contract(self, rows: list[list[Any]]) -> bool:
        """Whether no value breaks the contract (the checks of :meth:`_contract`, inlined)."""
        ranges, seen = self._ranges, self._seen
        for row in rows:
            for index, low, high in ranges:
                value = row[index]
                if value is not None and not low <= value <= high:
                    return False
            for index, known in seen:
                value = row[index]
                if value is not None and value not in known:
                    return False
        return True

    def _check_columns(self, columns: tuple[str, ...]) -> None:
        known = set(self.names)
        details = [
            _error(["columns"], "feature is missing", "missing", field=name)
            for name in self.names
            if name not in columns
        ]
        details += [
            _error(["columns", i], "not a feature of this model", "extra_forbidden", field=name)
            for i, name in enumerate(columns)
            if name not in known
        ]
        details += [
            _error(["columns", i], "column given twice", "duplicate", field=name)
            for i, name in enumerate(columns)
            if name in columns[:i]
        ]
        if details:
            raise RequestError(422, [_shortened(d) for d in details])

    @functools.lru_cache(maxsize=16)  # noqa: B019 - one parser per app, a handful of orders
    def _data_type(self, columns: tuple[str, ...]) -> TypeAdapter:
        cells = tuple(_field_type(self._kinds[name]) for name in columns)
        return TypeAdapter(_batch(list[tuple[cells]], self.max_rows))  # type: ignore[valid-type]

    def _details(
        self, error: ValidationError, columns: tuple[str, ...] | None, prefix: str | None = None
    ) -> list[dict[str, Any]]:
        details = []
        for item in error.errors(include_url=False, include_context=False):
            loc = [prefix, *item["loc"]] if prefix else list(item["loc"])
            if item.get("input", "") is None and item["type"].endswith("_type"):
                detail = _error(loc, _NULL_NOT_ALLOWED, "null_not_allowed")
            else:  # the input itself is never repeated
                detail = _error(loc, item["msg"], item["type"])
            if item["type"] == "too_long" and loc[:1] in (["rows"], ["data"]) and len(loc) == 1:
                detail["msg"] = (
                    f"at most {self.max_rows} rows per request (MODELYARD_MAX_ROWS); "
                    "send fewer, or use `modelyard predict` for files"
                )
            if len(loc) >= 2 and loc[0] in ("rows", "data") and isinstance(loc[1], int):
                detail["row"] = loc[1]
                if len(loc) >= 3:
                    field = loc[2]
                    detail["field"] = (
                        columns[field] if isinstance(field, int) and columns else field
                    )
            details.append(_shortened(detail))
        return details


def _rows_body(schema: FeatureSchema, max_rows: int) -> Any:
    # Functional TypedDicts take any key, so the real feature names need no aliases.
    # A feature that may be missing may also be left out of a row: it is then null.
    fields = {
        f.name: NotRequired[_field_type(f)] if f.nullable else _field_type(f)
        for f in schema.features
    }
    row = TypedDict("Row", fields)  # type: ignore[misc]
    row.__pydantic_config__ = _FORBID  # type: ignore[attr-defined]
    body = TypedDict(  # type: ignore[misc]  # noqa: UP013 - keys need not be identifiers
        "PredictRows",
        {"rows": _batch(list[row], max_rows), "probabilities": NotRequired[_STRICT_BOOL]},  # type: ignore[valid-type]
    )
    body.__pydantic_config__ = _FORBID  # type: ignore[attr-defined]
    return body


def _columns_body(schema: FeatureSchema, max_rows: int) -> Any:
    """The documented columns shape: data rows in the order ``columns`` names."""
    cells = tuple(_field_type(f) for f in schema.features)
    body = TypedDict(  # type: ignore[misc]  # noqa: UP013 - keys need not be identifiers
        "PredictColumns",
        {
            "columns": Annotated[
                list[Literal[tuple(schema.names)]],  # type: ignore[misc]
                Field(
                    min_length=len(schema),
                    max_length=len(schema),
                    json_schema_extra={"uniqueItems": True},
                    description="every feature once, in the order of each data row",
                ),
            ],
            "data": _batch(list[tuple[cells]], max_rows),  # type: ignore[valid-type]
            "probabilities": NotRequired[_STRICT_BOOL],
        },
    )
    body.__pydantic_config__ = _FORBID  # type: ignore[attr-defined]
    return body


def _columns_shape(max_rows: int) -> Any:
    """The columns shape before the cells are typed (their types depend on ``columns``)."""
    body = TypedDict(  # type: ignore[misc]  # noqa: UP013 - keys need not be identifiers
        "PredictColumnsShape",
        {
            "columns": Annotated[list[Annotated[str, Field(strict=True)]], Field(min_length=1)],
            "data": _batch(list[list[Any]], max_rows),
            "probabilities": NotRequired[_STRICT_BOOL],
        },
    )
    body.__pydantic_config__ = _FORBID  # type: ignore[attr-defined]
    return body


def _batch(kind: Any, max_rows: int) -> Any:
    return Annotated[kind, Field(min_length=1, max_length=max_rows)]


def _field_type(feature: Feature) -> Any:
    """One feature's type: no coercion from other types, finite numbers, int64 integers.

    An integer feature takes an integral float (``2007.0``); a nullable one takes ``null``.
    """
    extra: dict[str, Any] = {}
    if feature.kind == "number":
        extra = {"allow_inf_nan": False}
    elif feature.kind == "integer":
        extra = _INT64
    kind: Any = Annotated[_PYTHON_TYPES[feature.kind], Field(strict=True, **extra)]
    if feature.kind == "integer":
        kind = Annotated[kind, BeforeValidator(_integral)]
    return kind | None if feature.nullable else kind


def _integral(value: Any) -> Any:
    """An integral float as an int (``2007.0`` -> ``2007``); anything else unchanged."""
    if type(value) is float and value.is_integer():
        return int(value)
    return value


def _contract_checks(schema: FeatureSchema) -> list[tuple[int, str, str, Any, bool]]:
    """Per checked feature: its column, name, check, a test for a breaking value, and refusal."""
    checks: list[tuple[int, str, str, Any, bool]] = []
    for index, f in enumerate(schema.features):
        if f.kind == "category" and f.categories is not None:
            seen = frozenset(f.categories)
            unseen = lambda v, seen=seen: v not in seen  # noqa: E731
            checks.append((index, f.name, "unseen_category", unseen, f.unseen_category == "reject"))
        elif f.kind in ("integer", "number") and f.has_range:
            low, high = f.minimum, f.maximum
            checks.append(
                (
                    index,
                    f.name,
                    "out_of_range",
                    lambda v, low=low, high=high: not low <= v <= high,
                    f.out_of_range == "reject",
                )
            )
    return checks


def _shortened(detail: dict[str, Any]) -> dict[str, Any]:
    """Cut client-chosen key names down, so an error never repeats a large part of the body."""
    detail["loc"] = [p[:_NAME_LIMIT] if isinstance(p, str) else p for p in detail["loc"]]
    if isinstance(detail.get("field"), str):
        detail["field"] = detail["field"][:_NAME_LIMIT]
    return detail
