"""The Open Inference Protocol (V2), spoken by clients nobody here wrote: tritonclient, and
MLServer's documented request body. Each gets the same answers as ``/predict``."""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.request

import numpy as np
import pandas as pd
import pytest

httpclient = pytest.importorskip("tritonclient.http")
from tritonclient.utils import InferenceServerException  # noqa: E402

#: Rows of palmerpenguins with every category given and numbers present or missing.
NUMBERS = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]


@pytest.fixture(scope="module")
def penguin_rows(penguins) -> pd.DataFrame:
    rows = penguins.x.dropna(subset=["sex"]).iloc[[0, 5, 60, 150, 200, 280]].copy()
    rows.loc[rows.index[1], "bill_length_mm"] = np.nan  # a nullable number, missing
    return rows


@pytest.fixture
def triton(penguins_server):
    client = httpclient.InferenceServerClient(penguins_server.removeprefix("http://"))
    yield client
    client.close()


def _post(url: str, path: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url + path, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _predict(url: str, rows: pd.DataFrame) -> dict:
    records = [
        {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}
        for row in rows.to_dict(orient="records")
    ]
    status, answer = _post(url, "/predict", {"rows": records, "probabilities": True})
    assert status == 200, answer
    return answer


def _inputs(rows: pd.DataFrame, **datatypes: str) -> list:
    """One tritonclient tensor per column, as JSON (tritonclient's binary form is not spoken)."""
    inputs = []
    for name in rows.columns:
        column = rows[name]
        if not pd.api.types.is_numeric_dtype(column):
            datatype, values = "BYTES", column.to_numpy(dtype=object)
        else:
            datatype, values = "FP64", column.to_numpy(dtype=np.float64)
        datatype = datatypes.get(name, datatype)
        tensor = httpclient.InferInput(name, [len(rows)], datatype)
        if datatype == "BYTES":
            values = values.astype(object)
        elif datatype != "FP64":
            values = values.astype(np.int64)
        tensor.set_data_from_numpy(values, binary_data=False)
        inputs.append(tensor)
    return inputs


def _outputs(*names: str) -> list:
    return [httpclient.InferRequestedOutput(name, binary_data=False) for name in names]


def test_tritonclient_sees_the_server_and_model_ready(triton):
    assert triton.is_server_live()
    assert triton.is_server_ready()
    assert triton.is_model_ready("penguins")


def test_model_metadata_lists_one_input_per_feature_and_the_outputs(triton):
    metadata = triton.get_model_metadata("penguins")

    inputs = {tensor["name"]: tensor for tensor in metadata["inputs"]}
    assert inputs["island"] == {"name": "island", "datatype": "BYTES", "shape": [-1]}
    assert inputs["bill_length_mm"]["datatype"] == "FP64"
    assert inputs["year"]["datatype"] == "INT64"
    assert [o["name"] for o in metadata["outputs"]] == ["predict", "predict_proba"]
    assert metadata["outputs"][1]["shape"] == [-1, 3]


def test_tritonclient_gets_the_predictions_of_predict(triton, penguins_server, penguin_rows):
    expected = _predict(penguins_server, penguin_rows)

    result = triton.infer(
        "penguins", _inputs(penguin_rows, year="INT64"), outputs=_outputs("predict")
    )

    labels = [v.decode() if isinstance(v, bytes) else v for v in result.as_numpy("predict")]
    assert labels == expected["predictions"]
    assert result.get_output("predict")["datatype"] == "BYTES"
    assert result.as_numpy("predict_proba") is None


def test_tritonclient_gets_the_probabilities_of_predict_when_it_asks(
    triton, penguins_server, penguin_rows
):
    expected = _predict(penguins_server, penguin_rows)

    result = triton.infer(
        "penguins", _inputs(penguin_rows), outputs=_outputs("predict", "predict_proba")
    )

    probabilities = result.as_numpy("predict_proba")
    assert probabilities.shape == (len(penguin_rows), 3)
    np.testing.assert_array_equal(probabilities, np.array(expected["probabilities"]))


def test_a_nullable_number_sent_as_nan_is_missing(triton, penguins_server, penguin_rows):
    row = penguin_rows.iloc[[1]]
    assert math.isnan(row["bill_length_mm"].iloc[0])  # FP64 NaN, as pandas writes a gap

    result = triton.infer("penguins", _inputs(row), outputs=_outputs("predict_proba"))

    expected = _predict(penguins_server, row)["probabilities"]
    np.testing.assert_array_equal(result.as_numpy("predict_proba"), np.array(expected))


def test_nan_for_a_feature_that_may_not_be_missing_is_refused_as_null(triton, penguin_rows):
    rows = penguin_rows.astype({"year": "float64"})
    rows.loc[rows.index[0], "year"] = np.nan

    with pytest.raises(InferenceServerException) as refused:
        triton.infer("penguins", _inputs(rows), outputs=_outputs("predict"))

    assert refused.value.status() == "422"
    assert "input 'year', row 0: null is not allowed" in refused.value.message()


def test_a_tensor_of_the_wrong_datatype_is_refused_in_the_protocols_shape(
    triton, penguins_server, penguin_rows
):
    rows = penguin_rows.assign(island=range(len(penguin_rows)))  # numbers where words belong

    with pytest.raises(InferenceServerException) as refused:
        triton.infer("penguins", _inputs(rows, island="INT64"))

    assert refused.value.status() == "400"
    assert "does not fit this feature (category); send BYTES" in refused.value.message()


def test_a_tensor_of_the_wrong_shape_is_refused_in_the_protocols_shape(penguins_server):
    body = {"inputs": [{"name": "island", "datatype": "BYTES", "shape": [2], "data": ["Biscoe"]}]}

    status, answer = _post(penguins_server, "/v2/models/penguins/infer", body)

    assert status == 400
    assert answer == {"error": "inputs.island.shape: shape [2] holds 2 values, data has 1"}


def test_a_missing_feature_is_refused_in_the_protocols_shape(triton, penguin_rows):
    with pytest.raises(InferenceServerException) as refused:
        triton.infer("penguins", _inputs(penguin_rows.drop(columns=["island"])))

    assert refused.value.status() == "422"
    assert refused.value.message() == "input 'island': feature is missing"


def test_another_model_or_version_is_not_found(triton, penguins_server, penguin_rows):
    with pytest.raises(InferenceServerException) as other_model:
        triton.get_model_metadata("iris")
    with pytest.raises(InferenceServerException) as other_version:
        triton.infer("penguins", _inputs(penguin_rows), model_version="7")

    assert other_model.value.status() == other_version.value.status() == "404"
    status, answer = _post(penguins_server, "/v2/models/penguins/versions/1/infer", {})
    assert status == 400 and set(answer) == {"error"}  # version 1 exists; the body is empty


def test_an_mlserver_pandas_body_gets_the_answers_of_predict(penguins_server):
    # The request shape of MLServer's pandas codec ("pd" content type), as its user guide shows:
    # https://docs.seldon.ai/mlserver/user-guide/content-type (section "Pandas DataFrame"):
    # one input per column, strings as BYTES with content type "str"; a gap is null.
    body = {
        "parameters": {"content_type": "pd"},
        "inputs": [
            {"name": "island", "shape": [2], "datatype": "BYTES",
             "parameters": {"content_type": "str"}, "data": ["Torgersen", "Biscoe"]},
            {"name": "bill_length_mm", "shape": [2], "datatype": "FP64", "data": [None, 46.1]},
            {"name": "bill_depth_mm", "shape": [2], "datatype": "FP64", "data": [None, 13.2]},
            {"name": "flipper_length_mm", "shape": [2], "datatype": "FP64", "data": [None, 211.0]},
            {"name": "body_mass_g", "shape": [2], "datatype": "FP64", "data": [None, 4500.0]},
            {"name": "sex", "shape": [2], "datatype": "BYTES",
             "parameters": {"content_type": "str"}, "data": [None, "female"]},
            {"name": "year", "shape": [2], "datatype": "INT64", "data": [2007, 2008]},
        ],
    }  # fmt: skip
    rows = {
        "columns": [i["name"] for i in body["inputs"]],
        "data": [list(r) for r in zip(*(i["data"] for i in body["inputs"]), strict=True)],
    }

    status, answer = _post(penguins_server, "/v2/models/penguins/infer", body)
    _, expected = _post(penguins_server, "/predict", rows)

    assert status == 200
    assert answer["outputs"] == [
        {"name": "predict", "datatype": "BYTES", "shape": [2], "data": expected["predictions"]}
    ]
    assert expected["predictions"] == ["Adelie", "Gentoo"]


def test_one_2d_tensor_in_schema_order_gets_the_answers_of_predict(client, rows):
    names = list(rows[0])
    body = {
        "inputs": [
            {"name": "input-0", "datatype": "FP64", "shape": [len(rows), len(names)],
             "data": [[row[n] for n in names] for row in rows]}
        ],
        "parameters": {"probabilities": True},
    }  # fmt: skip

    name = client.get("/metadata").json()["name"]
    answer = client.post(f"/v2/models/{name}/infer", json=body).json()
    expected = client.post("/predict", json={"rows": rows, "probabilities": True}).json()

    outputs = {o["name"]: o for o in answer["outputs"]}
    assert outputs["predict"]["data"] == expected["predictions"]
    assert outputs["predict_proba"]["shape"] == [len(rows), 2]
    assert outputs["predict_proba"]["data"] == [p for r in expected["probabilities"] for p in r]


def test_metrics_label_requests_by_route_template(client, rows):
    client.post("/v2/models/anything/infer", json={})
    client.get("/no/such/path")

    text = client.get("/metrics").text

    assert 'path="/v2/models/{name}/infer",status="404"} 1.0' in text
    assert 'path="other",status="404"} 1.0' in text


def test_metrics_label_a_request_refused_before_routing_by_its_route(trained_classifier, rows):
    from fastapi.testclient import TestClient

    from modelyard.serving import create_app

    with TestClient(create_app(trained_classifier, max_body_bytes=10)) as small:
        assert small.post("/v2/models/x/infer", json={"inputs": []}).status_code == 413
        text = small.get("/metrics").text

    assert 'path="/v2/models/{name}/infer",status="413"} 1.0' in text


def test_the_routers_own_refusals_under_v2_use_the_protocols_shape(client):
    answer = client.get("/v2/models/x/infer")

    assert answer.status_code == 405
    assert answer.json() == {"error": "Method Not Allowed"}
