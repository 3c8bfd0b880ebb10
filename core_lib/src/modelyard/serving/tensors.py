"""Open Inference Protocol (V2) tensors: a request's inputs to rows, predictions to outputs.

An inference request carries its rows in one of two ways:

- one tensor per feature, named after it, shape ``[n]`` or ``[n, 1]``, as
  MLServer's pandas codec sends a DataFrame: ``BYTES`` for a category,
  ``FP64`` (or any float or integer type) for a number, ``INT64`` (or any
  integer type, or a float type holding whole numbers) for an integer,
  ``BOOL`` for a boolean;
- one 2-D tensor of shape ``[n, k]``, its columns the model's ``k`` features
  in the order ``GET /v2/models/{name}`` lists them (``BYTES`` when a feature
  is a category, since the cells then mix strings and numbers).

A missing value is ``null``, or ``NaN`` in a float tensor (as pandas writes
one); the data contract then decides, as for ``/predict``: only a feature that
may be missing takes it. :func:`decode` checks only the protocol's part (names,
datatypes, shapes) and turns the tensors into ``/predict``'s columns shape, so
the values are validated by :class:`~modelyard.serving.requests.RequestParser`,
the one validator. Outputs are ``predict`` (shape ``[n]``) and, when asked
for, ``predict_proba`` (``FP64``, shape ``[n, classes]``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from modelyard.schema import Feature
from modelyard.serving.errors import detail

#: The datatype each feature kind is described with in the model's metadata.
DATATYPES = {"category": "BYTES", "number": "FP64", "integer": "INT64", "boolean": "BOOL"}
_FLOATS = frozenset({"FP16", "FP32", "FP64"})
_INTEGERS = frozenset({"INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64"})
#: The datatypes a feature of each kind accepts.
ACCEPTED = {
    "category": frozenset({"BYTES"}),
    "number": _FLOATS | _INTEGERS,
    "integer": _INTEGERS | _FLOATS,
    "boolean": frozenset({"BOOL"}),
}
#: The outputs a model can give.
OUTPUTS = ("predict", "predict_proba")
_ALL_TYPES = _FLOATS | _INTEGERS | {"BOOL", "BYTES"}
_TOKEN = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_NAME_LIMIT = 100


class TensorError(Exception):
    """A request that breaks the protocol (not the data contract): answered with 400."""

    def __init__(self, details: list[dict[str, Any]]):
        super().__init__(details)
        self.details = details


@dataclass(frozen=True)
class InferenceRequest:
    """A decoded request: ``/predict``'s columns shape, the outputs asked for, the request id."""

    columns: dict[str, Any]
    outputs: tuple[str, ...]
    id: str | None


def decode(payload: Any, features: tuple[Feature, ...]) -> InferenceRequest:
    """Check an inference request's envelope and tensors; give its rows in the columns shape.

    Raises :class:`TensorError` for a malformed request: not an object, no
    inputs, an unknown datatype or output, a datatype that does not fit its
    feature, a shape that does not match the data.
    """
    if not isinstance(payload, dict):
        raise _refused([], 'body must be an object with "inputs" (a list of tensors)')
    unknown = sorted(set(payload) - {"id", "inputs", "outputs", "parameters"})
    if unknown:
        raise _refused([_short(unknown[0])], "not a field of an inference request")
    inputs = payload.get("inputs")
    if not isinstance(inputs, list) or not inputs:
        raise _refused(["inputs"], "inputs must be a non-empty list of tensors")
    parameters = payload.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise _refused(["parameters"], "parameters must be an object")
    outputs = _outputs(payload.get("outputs"), parameters)
    tensors = [_tensor(i, item) for i, item in enumerate(inputs)]
    by_name = {f.name: f for f in features}
    if len(tensors) == 1 and len(tensors[0][2]) == 2 and tensors[0][0] not in by_name:
        columns = _matrix(tensors[0], features)
    else:
        columns = _per_feature(tensors, by_name)
    if "probabilities" in parameters and parameters["probabilities"] is not True:
        raise _refused(["parameters", "probabilities"], "probabilities must be true or absent")
    request_id = payload.get("id")
    token = request_id if isinstance(request_id, str) and _TOKEN.match(request_id) else None
    return InferenceRequest(columns, outputs, token)


def _outputs(asked: Any, parameters: dict[str, Any]) -> tuple[str, ...]:
    if asked is None:
        return (
            ("predict", "predict_proba")
            if parameters.get("probabilities") is True
            else ("predict",)
        )
    if not isinstance(asked, list) or not asked:
        raise _refused(["outputs"], 'outputs must be a non-empty list of {"name": ...}')
    names = []
    for i, item in enumerate(asked):
        name = item.get("name") if isinstance(item, dict) else None
        if name not in OUTPUTS:
            raise _refused(["outputs", i], "output must be named predict or predict_proba")
        if name not in names:
            names.append(name)
    return tuple(names)


def _tensor(index: int, item: Any) -> tuple[str, str, list[int], list[Any]]:
    """One input's name, datatype, shape and flat data, checked against each other."""
    if not isinstance(item, dict):
        raise _refused(["inputs", index], "a tensor must be an object")
    name, datatype, shape, data = (item.get(k) for k in ("name", "datatype", "shape", "data"))
    where = ["inputs", _short(name) if isinstance(name, str) else index]
    if not isinstance(name, str):
        raise _refused(["inputs", index, "name"], "a tensor needs a name (a string)")
    if datatype not in _ALL_TYPES:
        raise _refused(
            [*where, "datatype"], "datatype must be one of " + ", ".join(sorted(_ALL_TYPES))
        )
    if (
        not isinstance(shape, list)
        or not shape
        or not all(type(n) is int and n >= 0 for n in shape)
    ):
        raise _refused([*where, "shape"], "shape must be a list of non-negative whole numbers")
    if not isinstance(data, list):
        raise _refused([*where, "data"], "data must be a list")
    flat = _flatten(data)
    if len(flat) != math.prod(shape):
        raise _refused(
            [*where, "shape"],
            f"shape {shape} holds {math.prod(shape)} values, data has {len(flat)}",
        )
    if datatype in _FLOATS:
        flat = [None if isinstance(v, float) and math.isnan(v) else v for v in flat]
    return name, datatype, shape, flat


def _per_feature(
    tensors: list[tuple[str, str, list[int], list[Any]]], by_name: dict[str, Feature]
) -> dict[str, Any]:
    rows = None
    for name, datatype, shape, _ in tensors:
        if len(shape) > 2 or (len(shape) == 2 and shape[1] != 1):
            raise _refused(
                ["inputs", _short(name), "shape"],
                f"a feature's tensor has shape [n] or [n, 1], not {shape}",
            )
        if rows is not None and shape[0] != rows:
            raise _refused(
                ["inputs", _short(name), "shape"],
                f"every feature's tensor must have the same number of rows ({rows})",
            )
        rows = shape[0]
        feature = by_name.get(name)
        if feature is not None and datatype not in ACCEPTED[feature.kind]:
            raise TensorError(
                [
                    detail(
                        ["inputs", name, "datatype"],
                        f"datatype {datatype} does not fit this feature ({feature.kind}); "
                        f"send {DATATYPES[feature.kind]}",
                        "datatype",
                        field=name,
                    )
                ]
            )
    names = [name for name, *_ in tensors]
    data = [list(values) for values in zip(*(flat for *_, flat in tensors), strict=True)]
    return {"columns": names, "data": data}


def _matrix(
    tensor: tuple[str, str, list[int], list[Any]], features: tuple[Feature, ...]
) -> dict[str, Any]:
    name, datatype, shape, flat = tensor
    width = len(features)
    if shape[1] != width:
        raise _refused(
            ["inputs", _short(name), "shape"],
            f"a 2-D tensor has one column per feature: shape [n, {width}], not {shape}",
        )
    kinds = {f.kind for f in features}
    fits = set.intersection(*(set(ACCEPTED[kind]) for kind in kinds))
    if "category" in kinds:
        fits = {"BYTES"}
    if datatype not in fits:
        raise _refused(
            ["inputs", _short(name), "datatype"],
            f"datatype {datatype} does not fit every feature; send "
            + ("BYTES" if "category" in kinds else DATATYPES[sorted(kinds)[0]]),
        )
    data = [flat[i : i + width] for i in range(0, len(flat), width)]
    return {"columns": [f.name for f in features], "data": data}


def encode(
    answer: dict[str, Any], outputs: tuple[str, ...], n_classes: int | None
) -> list[dict[str, Any]]:
    """The response's outputs for a predictor's answer (``predictions``, ``probabilities``)."""
    encoded = []
    for name in outputs:
        if name == "predict":
            values = answer["predictions"]
            encoded.append(
                {
                    "name": "predict",
                    "datatype": datatype_of(values),
                    "shape": [len(values)],
                    "data": values,
                }
            )
        else:
            rows = answer["probabilities"]
            encoded.append(
                {
                    "name": "predict_proba",
                    "datatype": "FP64",
                    "shape": [len(rows), n_classes or 0],
                    "data": [p for row in rows for p in row],
                }
            )
    return encoded


def datatype_of(values: list[Any]) -> str:
    """The V2 datatype of a list of labels or values: BOOL, INT64, FP64 or BYTES."""
    first = values[0] if values else 0.0
    if isinstance(first, bool):
        return "BOOL"
    if isinstance(first, int):
        return "INT64"
    if isinstance(first, float):
        return "FP64"
    return "BYTES"


def _flatten(data: list[Any]) -> list[Any]:
    """Row-major flat data: the protocol allows nested lists as well as flat ones."""
    if not any(isinstance(v, list) for v in data):
        return data
    flat: list[Any] = []
    stack = [iter(data)]
    while stack:
        for value in stack[-1]:
            if isinstance(value, list):
                stack.append(iter(value))
                break
            flat.append(value)
        else:
            stack.pop()
    return flat


def _refused(loc: list[Any], msg: str) -> TensorError:
    return TensorError([detail(loc, msg, "tensor")])


def _short(name: Any) -> Any:
    return name[:_NAME_LIMIT] if isinstance(name, str) else name
