"""The model's REST API, in-process: what a client of the served model relies on."""

from __future__ import annotations

import pandas as pd


def _json_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """JSON has no NaN: a client sends a missing value as null."""
    return frame.astype(object).where(frame.notna(), None)


def test_the_api_is_live_and_ready(client):
    assert client.get("/health/live").status_code == 200
    assert client.get("/health/ready").json()["status"] == "ok"


def test_metadata_lists_the_models_features(client, data):
    metadata = client.get("/metadata").json()

    assert [feature["name"] for feature in metadata["features"]] == list(data.x.columns)


def test_predict_returns_one_prediction_per_row(client, data):
    rows = _json_ready(data.x.head(3)).to_dict(orient="records")

    response = client.post("/predict", json={"rows": rows})

    assert response.status_code == 200
    assert len(response.json()["predictions"]) == 3


def test_predict_takes_columns_and_data_too(client, data):
    frame = _json_ready(data.x.head(2))

    response = client.post(
        "/predict", json={"columns": list(frame.columns), "data": frame.to_numpy().tolist()}
    )

    assert len(response.json()["predictions"]) == 2


def test_probabilities_come_with_the_classes_of_a_classifier(client, data, trained_model):
    rows = _json_ready(data.x.head(2)).to_dict(orient="records")

    response = client.post("/predict", json={"rows": rows, "probabilities": True})

    if trained_model.classes is None:  # a regressor has none to give
        assert response.status_code == 422
    else:
        assert response.json()["classes"] == trained_model.classes
        assert len(response.json()["probabilities"][0]) == len(trained_model.classes)


def test_predict_rejects_a_row_missing_a_feature(client, data):
    row = _json_ready(data.x.head(1)).to_dict(orient="records")[0]
    missing = next(iter(row))
    del row[missing]

    response = client.post("/predict", json={"rows": [row]})

    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == missing
