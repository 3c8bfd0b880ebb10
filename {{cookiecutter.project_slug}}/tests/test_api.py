from __future__ import annotations


def test_health_names_the_model(client):
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_predict_returns_one_prediction_per_row(client, data):
    rows = data.x.head(3).to_dict(orient="records")

    response = client.post("/predict", json=rows)

    assert response.status_code == 200
    assert len(response.json()["predictions"]) == 3


def test_predict_rejects_a_row_missing_a_feature(client, data):
    row = data.x.iloc[0].to_dict()
    missing = next(iter(row))
    del row[missing]

    response = client.post("/predict", json=[row])

    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == missing
