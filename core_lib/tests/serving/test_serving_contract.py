"""The API honours the data contract learned at training: missing values, kinds and policies."""

from __future__ import annotations

import asyncio
import json
import math

import numpy as np
import pytest
from fastapi.testclient import TestClient

from modelyard.serving import create_app
from modelyard.serving.limits import BodyParser
from modelyard.serving.requests import RequestError, RequestParser

NULLABLE = {"bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "sex"}


def _row(**changes) -> dict:
    row = {
        "island": "Biscoe",
        "bill_length_mm": 46.1,
        "bill_depth_mm": 13.2,
        "flipper_length_mm": 211.0,
        "body_mass_g": 4500.0,
        "sex": "female",
        "year": 2007,
    }
    return {**row, **changes}


def _client(train_penguins, **options) -> TestClient:
    return TestClient(create_app(train_penguins(**options)))


@pytest.fixture
def penguins_client(trained_penguins):
    with TestClient(create_app(trained_penguins)) as client:
        yield client


def _predict(client: TestClient, *rows: dict, **extra):
    return client.post("/predict", json={"rows": list(rows), **extra})


def test_null_is_accepted_for_a_feature_with_missing_values_in_training(penguins_client):
    answer = _predict(penguins_client, _row(bill_length_mm=None, sex=None))

    assert answer.status_code == 200, answer.text
    assert answer.json()["predictions"] == ["Gentoo"]


def test_a_nullable_feature_may_be_left_out_of_a_row(penguins_client):
    row = _row()
    del row["sex"]

    assert _predict(penguins_client, row).json() == _predict(penguins_client, _row(sex=None)).json()


def test_null_is_refused_for_a_feature_never_missing_in_training(penguins_client):
    answer = _predict(penguins_client, _row(), _row(year=None))

    assert answer.status_code == 422
    [detail] = answer.json()["detail"]
    assert (detail["type"], detail["row"], detail["field"]) == ("null_not_allowed", 1, "year")


def test_a_declared_nullable_feature_accepts_null(train_penguins):
    with _client(train_penguins, nullable=("year",)) as client:
        assert _predict(client, _row(year=None)).status_code == 200


def test_an_integral_float_is_accepted_for_an_integer_feature(penguins_client):
    assert (
        _predict(penguins_client, _row(year=2007.0)).json()
        == _predict(penguins_client, _row(year=2007)).json()
    )


def test_a_fractional_float_is_refused_for_an_integer_feature(penguins_client):
    answer = _predict(penguins_client, _row(year=2007.5))

    assert answer.status_code == 422
    assert answer.json()["detail"][0]["field"] == "year"


@pytest.mark.parametrize(
    ("options", "row", "status", "check"),
    [
        ({}, _row(island="Atlantis"), 200, None),
        ({"unseen_category": "reject"}, _row(island="Atlantis"), 422, "unseen_category"),
        (
            {"unseen_category": {"island": "reject"}},
            _row(island="Atlantis"),
            422,
            "unseen_category",
        ),
        ({}, _row(body_mass_g=99_000.0), 200, None),
        ({"out_of_range": "reject"}, _row(body_mass_g=99_000.0), 422, "out_of_range"),
        ({"out_of_range": "reject"}, _row(year=2030), 422, "out_of_range"),
        ({"out_of_range": "reject", "unseen_category": "reject"}, _row(sex=None), 200, None),
    ],
    ids=[
        "unseen-accept",
        "unseen-reject",
        "unseen-reject-per-feature",
        "range-accept",
        "range-reject-number",
        "range-reject-integer",
        "null-is-not-a-policy-breach",
    ],
)
def test_policies_decide_unseen_categories_and_numbers_out_of_range(
    train_penguins, options, row, status, check
):
    with _client(train_penguins, **options) as client:
        answer = _predict(client, row)

    assert answer.status_code == status, answer.text
    if check:
        [detail] = answer.json()["detail"]
        assert detail["type"] == check and detail["row"] == 0


def test_the_openapi_document_marks_exactly_the_nullable_features(penguins_client):
    row = penguins_client.get("/openapi.json").json()["components"]["schemas"]["Row"]

    nullable = {
        name
        for name, prop in row["properties"].items()
        if {"type": "null"} in prop.get("anyOf", [])
    }
    assert nullable == NULLABLE
    assert set(row["required"]) == set(row["properties"]) - NULLABLE


def test_contract_breaches_are_counted_in_metrics_by_feature(penguins_client):
    _predict(penguins_client, _row(island="Atlantis"), _row(island="Atlantis", body_mass_g=1.0))

    metrics = penguins_client.get("/metrics").text
    assert (
        'modelyard_contract_values_total{check="unseen_category",feature="island"} 2.0' in metrics
    )
    assert (
        'modelyard_contract_values_total{check="out_of_range",feature="body_mass_g"} 1.0' in metrics
    )


def test_refused_breaches_are_counted_too(train_penguins):
    with _client(train_penguins, unseen_category="reject") as client:
        _predict(client, _row(island="Atlantis"))
        metrics = client.get("/metrics").text

    assert (
        'modelyard_contract_values_total{check="unseen_category",feature="island"} 1.0' in metrics
    )


def test_the_columns_shape_takes_null_too(penguins_client):
    row = _row(sex=None, flipper_length_mm=None)
    answer = penguins_client.post(
        "/predict", json={"columns": list(row), "data": [list(row.values())]}
    )

    assert answer.json()["predictions"] == _predict(penguins_client, row).json()["predictions"]


def test_rows_with_missing_values_get_the_in_process_models_answers(trained_penguins, penguins):
    frame = penguins.x.head(12)  # row 3 is missing every measurement and the sex
    rows = [
        {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
        for r in frame.to_dict(orient="records")
    ]
    with TestClient(create_app(trained_penguins)) as client:
        answer = _predict(client, *rows, probabilities=True).json()

    assert answer["predictions"] == trained_penguins.predict(frame).tolist()
    np.testing.assert_allclose(answer["probabilities"], trained_penguins.predict_proba(frame))


def test_contract_counts_travel_back_from_the_parsing_process(trained_penguins):
    parser = RequestParser(trained_penguins.schema, max_rows=10)
    bodies = BodyParser(parser, trained_penguins.schema, big=0)  # every body to the process
    body = json.dumps({"rows": [_row(island="Atlantis")]}).encode()
    try:
        parsed = asyncio.run(bodies.parse(body))
    finally:
        bodies.close()

    assert parsed.contract == {("island", "unseen_category"): 1}


def test_a_refusal_keeps_its_counts_across_the_parsing_process(train_penguins):
    schema = train_penguins(unseen_category="reject").schema
    bodies = BodyParser(RequestParser(schema, max_rows=10), schema, big=0)
    body = json.dumps({"rows": [_row(island="Atlantis")]}).encode()
    try:
        with pytest.raises(RequestError) as refused:
            asyncio.run(bodies.parse(body))
    finally:
        bodies.close()

    assert refused.value.contract == {("island", "unseen_category"): 1}


def test_python_and_the_api_agree_on_a_row_given_with_none(trained_penguins, penguins_client):
    row = _row(bill_length_mm=None, body_mass_g=None, sex=None)

    assert (
        trained_penguins.predict(row).tolist()
        == _predict(penguins_client, row).json()["predictions"]
    )
