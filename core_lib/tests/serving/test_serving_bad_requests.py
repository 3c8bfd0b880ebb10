"""Every kind of bad request gets a 4xx naming what is wrong; never the payload or a traceback."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from modelyard.serving import create_app

SECRET = "secret-token-123"
FEATURES = ["mean radius", "mean texture"]


def _rows(rows: list[dict], **change: Any) -> bytes:
    rows = [dict(r) for r in rows]
    for key, value in change.items():
        rows[1][key.replace("_", " ")] = value
    return json.dumps({"rows": rows}).encode()


def _without(rows: list[dict], feature: str) -> bytes:
    rows = [dict(r) for r in rows]
    del rows[1][feature]
    return json.dumps({"rows": rows}).encode()


def _columns(rows: list[dict], columns: list[str], data: list[list[Any]] | None = None) -> bytes:
    values = data if data is not None else [[r[c] for c in columns] for r in rows]
    return json.dumps({"columns": columns, "data": values}).encode()


# (case id, body builder, status, expected type, expected row, expected field)
CASES = [
    ("missing feature", lambda r: _without(r, "mean area"), 422, "missing", 1, "mean area"),
    ("extra feature", lambda r: _rows(r, colour="red"), 422, "extra_forbidden", 1, "colour"),
    (
        "string for a number",
        lambda r: _rows(r, mean_area=SECRET),
        422,
        "float_type",
        1,
        "mean area",
    ),
    ("boolean for a number", lambda r: _rows(r, mean_area=True), 422, "float_type", 1, "mean area"),
    (
        "null for a number",
        lambda r: _rows(r, mean_area=None),
        422,
        "null_not_allowed",
        1,
        "mean area",
    ),
    (
        "NaN",
        lambda r: json.dumps({"rows": r}).replace(str(r[1]["mean area"]), "NaN", 1).encode(),
        422,
        "finite_number",
        1,
        "mean area",
    ),
    (
        "Infinity",
        lambda r: _rows(r).replace(str(r[1]["mean area"]).encode(), b"1e999", 1),
        422,
        "finite_number",
        1,
        "mean area",
    ),
    ("empty batch", lambda r: b'{"rows": []}', 422, "too_short", None, None),
    ("too many rows", lambda r: json.dumps({"rows": r * 2}).encode(), 422, "too_long", None, None),
    ("a row that is not an object", lambda r: b'{"rows": [17]}', 422, "dict_type", 0, None),
    ("body not JSON", lambda r: f"{SECRET} {{".encode(), 422, "json_invalid", None, None),
    ("bare list of rows", lambda r: json.dumps(r).encode(), 422, "body_shape", None, None),
    (
        "unknown top-level key",
        lambda r: json.dumps({"rows": r, "colour": 1}).encode(),
        422,
        "extra_forbidden",
        None,
        None,
    ),
    (
        "probabilities not a boolean",
        lambda r: json.dumps({"rows": r, "probabilities": "yes"}).encode(),
        422,
        "bool_type",
        None,
        None,
    ),
    (
        "columns missing a feature",
        lambda r: _columns(r, list(r[0])[1:]),
        422,
        "missing",
        None,
        "mean radius",
    ),
    (
        "columns with an unknown name",
        lambda r: _columns(r, [*r[0], "colour"], [[*row.values(), 1] for row in r]),
        422,
        "extra_forbidden",
        None,
        "colour",
    ),
    (
        "columns given twice",
        lambda r: _columns(r, [*r[0], "mean area"], [[*row.values(), 1] for row in r]),
        422,
        "duplicate",
        None,
        "mean area",
    ),
    (
        "data row too short",
        lambda r: _columns(r, list(r[0]), [list(r[0].values())[:-1]]),
        422,
        "missing",
        0,
        "worst fractal dimension",
    ),
    (
        "data cell wrongly typed",
        lambda r: _columns(
            r, list(r[0]), [list(r[0].values()), [SECRET, *list(r[1].values())[1:]]]
        ),
        422,
        "float_type",
        1,
        "mean radius",
    ),
    (
        "empty data",
        lambda r: json.dumps({"columns": list(r[0]), "data": []}).encode(),
        422,
        "too_short",
        None,
        None,
    ),
]


@pytest.fixture
def limited_client(trained_classifier) -> TestClient:
    """A server allowing at most 3 rows and 20,000 bytes per request."""
    return TestClient(create_app(trained_classifier, max_rows=3, max_body_bytes=20_000))


@pytest.mark.parametrize(
    ("build", "status", "kind", "row", "field"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_a_bad_body_gets_a_4xx_naming_the_problem(
    limited_client, rows, build, status, kind, row, field
):
    response = limited_client.post(
        "/predict", content=build(rows), headers={"Content-Type": "application/json"}
    )

    assert response.status_code == status
    details = response.json()["detail"]
    matching = [d for d in details if d["type"] == kind]
    assert matching, details
    assert (matching[0].get("row"), matching[0].get("field")) == (row, field)
    _assert_nothing_leaks(response.text)


def test_too_many_rows_says_the_limit_and_how_to_raise_it(limited_client, rows):
    response = limited_client.post("/predict", json={"rows": rows * 2})

    assert "at most 3 rows" in response.json()["detail"][0]["msg"]
    assert "MODELYARD_MAX_ROWS" in response.json()["detail"][0]["msg"]


def test_the_row_limit_comes_from_the_environment(trained_classifier, rows, monkeypatch):
    monkeypatch.setenv("MODELYARD_MAX_ROWS", "2")

    response = TestClient(create_app(trained_classifier)).post("/predict", json={"rows": rows})

    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "too_long"


def test_a_bad_limit_in_the_environment_is_a_clear_error(trained_classifier, monkeypatch):
    from modelyard.exceptions import ConfigError

    monkeypatch.setenv("MODELYARD_MAX_BODY_BYTES", "lots")

    with pytest.raises(ConfigError, match="MODELYARD_MAX_BODY_BYTES"):
        create_app(trained_classifier)


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", ""]
)
def test_a_body_that_is_not_json_gets_415(limited_client, rows, content_type):
    response = limited_client.post(
        "/predict", content=json.dumps({"rows": rows}), headers={"Content-Type": content_type}
    )

    assert response.status_code == 415
    assert response.json()["detail"][0]["type"] == "body_type"


def test_json_with_a_charset_is_json(limited_client, rows):
    response = limited_client.post(
        "/predict",
        content=json.dumps({"rows": rows[:1]}),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )

    assert response.status_code == 200


def test_a_body_over_the_size_limit_gets_413_before_it_is_parsed(limited_client):
    body = b'{"rows": [' + b" " * 30_000 + SECRET.encode() + b"]}"

    response = limited_client.post(
        "/predict", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 413
    assert response.json()["detail"][0]["type"] == "body_too_large"
    assert "20000 bytes" in response.json()["detail"][0]["msg"]
    _assert_nothing_leaks(response.text)


def test_a_chunked_body_over_the_limit_gets_413(limited_client):
    def chunks():
        yield b'{"rows": ['
        for _ in range(100):
            yield b" " * 1000

    response = limited_client.post(
        "/predict", content=chunks(), headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 413


def _assert_nothing_leaks(text: str) -> None:
    assert SECRET not in text
    assert "Traceback" not in text and 'File "' not in text
