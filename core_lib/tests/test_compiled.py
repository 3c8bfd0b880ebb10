"""The compiled path: an ONNX graph is saved only when proven, served only when intact."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from sklearn.ensemble import (
    ExtraTreesClassifier,
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from modelyard import Model, load_model
from modelyard.artifact import CARD_FILE
from modelyard.compiled import COMPILED_FILE, TOLERANCE, compile_estimator
from modelyard.exceptions import ArtifactError, ConfigError
from modelyard.serving.predictor import Predictor

pytest.importorskip("skl2onnx")
pytest.importorskip("onnxruntime")


def _card(ref) -> dict:
    return json.loads((ref.path / CARD_FILE).read_text())


def _rows(frame) -> list[list]:
    """Rows as a request gives them: plain values in column order, None where missing."""
    return [
        [None if isinstance(v, float) and math.isnan(v) else v for v in row]
        for row in frame.astype(object).itertuples(index=False)
    ]


def _same_answers(predictor: Predictor, model: Model, frame) -> None:
    answer = predictor.predict(_rows(frame), probabilities=True)
    assert answer["predictions"] == model.estimator.predict(frame).tolist()
    expected = model.estimator.predict_proba(frame)
    assert np.abs(np.array(answer["probabilities"]) - expected).max() <= TOLERANCE


@pytest.fixture
def tampering(monkeypatch):
    """Make the converter emit graphs whose coefficients are half as large again."""
    import onnx
    from onnx import numpy_helper

    from modelyard import compiled

    convert = compiled._convert

    def altered(*args, **kwargs):
        graph = onnx.load_from_string(convert(*args, **kwargs))
        for tensor in graph.graph.initializer:
            if tensor.name == "coef":
                tensor.CopyFrom(
                    numpy_helper.from_array(numpy_helper.to_array(tensor) * 1.5, "coef")
                )
        return graph.SerializeToString()

    monkeypatch.setattr(compiled, "_convert", altered)


def test_a_scaled_logistic_regression_is_saved_with_a_graph_that_passed_parity(
    trained_classifier,
):
    ref = trained_classifier.save("models")

    compiled = _card(ref)["compiled"]
    assert compiled["parity"] == "passed" and compiled["file"] == COMPILED_FILE
    assert compiled["max_abs_diff"] <= TOLERANCE and compiled["reason"] is None
    assert (ref.path / COMPILED_FILE).is_file()


def test_a_loaded_logistic_regression_is_served_by_onnx_runtime_with_sklearns_answers(
    trained_classifier, binary_data
):
    model = load_model(str(trained_classifier.save("models")))

    predictor = Predictor(model)

    assert predictor.path == "onnx"
    _same_answers(predictor, model, binary_data.x.iloc[:40])


def test_the_penguins_pipeline_with_strings_and_gaps_is_served_by_onnx_runtime(
    trained_penguins, penguins
):
    model = load_model(str(trained_penguins.save("models")))
    rows = penguins.x[penguins.x.isna().any(axis=1)]

    predictor = Predictor(model)

    assert predictor.path == "onnx"
    assert _card(model.ref)["compiled"]["parity"] == "passed"
    _same_answers(predictor, model, rows)


def test_a_random_forest_passes_parity_and_is_served_by_onnx_runtime(binary_data):
    model = Model(RandomForestClassifier(n_estimators=30, random_state=0), name="forest")
    model = load_model(str(model.train(binary_data).save("models")))

    predictor = Predictor(model)

    assert _card(model.ref)["compiled"]["parity"] == "passed"
    assert predictor.path == "onnx"
    _same_answers(predictor, model, binary_data.x)


@pytest.mark.parametrize(
    "estimator",
    [
        DecisionTreeClassifier(random_state=0),
        ExtraTreesClassifier(n_estimators=20, random_state=0),
        GradientBoostingClassifier(n_estimators=20, random_state=0),
        make_pipeline(StandardScaler(), RandomForestClassifier(n_estimators=20, random_state=0)),
    ],
    ids=["decision-tree", "extra-trees", "gradient-boosting", "scaled-forest"],
)
def test_tree_ensembles_agree_with_scikit_learn_on_held_out_rows(estimator, binary_data):
    x, y = binary_data.x, binary_data.y
    estimator.fit(x.iloc[:400], y.iloc[:400])
    features = [{"name": name, "kind": "number"} for name in x.columns]

    compiled = compile_estimator(estimator, features, x.iloc[400:], is_classifier=True)

    assert compiled.record["parity"] == "passed", compiled.record["reason"]


def test_a_string_equal_to_the_stand_in_for_missing_is_answered_by_scikit_learn(
    trained_penguins, penguins
):
    model = load_model(str(trained_penguins.save("models")))
    row = penguins.x.iloc[[0]].copy()
    row["sex"] = "\x00"

    answer = Predictor(model).predict(_rows(row))

    assert answer["predictions"] == model.estimator.predict(row).tolist()


def test_an_estimator_that_does_not_convert_is_saved_without_a_graph_and_the_reason(
    binary_data,
):
    model = Model(HistGradientBoostingClassifier(max_iter=5), name="hgb").train(binary_data)

    ref = model.save("models")

    compiled = _card(ref)["compiled"]
    assert compiled["parity"] == "failed" and compiled["file"] is None
    assert "cannot convert HistGradientBoostingClassifier" in compiled["reason"]
    assert not (ref.path / COMPILED_FILE).exists()
    assert Predictor(load_model(str(ref))).path == "scikit-learn"


def test_a_graph_that_disagrees_with_scikit_learn_is_not_saved_and_never_serves(
    tampering, trained_classifier
):
    ref = trained_classifier.save("models")

    compiled = _card(ref)["compiled"]
    assert compiled["parity"] == "failed" and compiled["max_abs_diff"] > TOLERANCE
    assert "differ" in compiled["reason"] or "label" in compiled["reason"]
    assert not (ref.path / COMPILED_FILE).exists()
    assert Predictor(load_model(str(ref))).path == "scikit-learn"


def test_a_graph_changed_after_saving_refuses_the_model(trained_classifier):
    ref = trained_classifier.save("models")
    graph = ref.path / COMPILED_FILE
    graph.write_bytes(graph.read_bytes().replace(b"coef", b"coeg"))

    with pytest.raises(ArtifactError, match=r"model\.onnx does not match the sha256"):
        load_model(str(ref))


def test_a_deleted_graph_refuses_the_model(trained_classifier):
    ref = trained_classifier.save("models")
    (ref.path / COMPILED_FILE).unlink()

    with pytest.raises(ArtifactError, match=r"model\.onnx"):
        load_model(str(ref))


def test_compiled_off_serves_with_scikit_learn(trained_classifier, monkeypatch):
    model = load_model(str(trained_classifier.save("models")))
    monkeypatch.setenv("MODELYARD_COMPILED", "off")

    assert Predictor(model).path == "scikit-learn"


def test_an_unknown_compiled_mode_is_a_config_error(trained_classifier, monkeypatch):
    monkeypatch.setenv("MODELYARD_COMPILED", "always")

    with pytest.raises(ConfigError, match="MODELYARD_COMPILED must be one of auto, off"):
        Predictor(trained_classifier)


def test_a_model_never_saved_is_served_by_scikit_learn(trained_classifier):
    assert Predictor(trained_classifier).path == "scikit-learn"


def test_a_regressor_graph_is_checked_relative_to_its_predictions(regressor, regression_data):
    model = regressor.train(regression_data)

    compiled = _card(model.save("models"))["compiled"]

    assert compiled["parity"] == "passed" and compiled["max_abs_diff"] <= TOLERANCE


def test_a_model_with_more_tree_nodes_than_the_limit_is_not_converted(binary_data, monkeypatch):
    from modelyard import compiled

    forest = RandomForestClassifier(n_estimators=5, random_state=0)
    model = Model(forest, name="forest").train(binary_data)
    nodes = compiled.tree_nodes(forest)
    monkeypatch.setattr(compiled, "MAX_TREE_NODES", nodes - 1)

    model = load_model(str(model.save("models")))

    record = _card(model.ref)["compiled"]
    assert record["parity"] == "skipped"
    assert f"too large to compile: {nodes:,} tree nodes" in record["reason"]
    assert Predictor(model).path != "onnx"


def test_tree_nodes_counts_every_tree_of_a_pipeline_and_a_boosted_ensemble(binary_data):
    from modelyard.compiled import tree_nodes

    boosted = GradientBoostingClassifier(n_estimators=3, random_state=0).fit(
        binary_data.x, binary_data.y
    )
    pipeline = make_pipeline(StandardScaler(), DecisionTreeClassifier(random_state=0))
    pipeline.fit(binary_data.x, binary_data.y)

    assert tree_nodes(boosted) == sum(t.tree_.node_count for t in boosted.estimators_.ravel())
    assert tree_nodes(pipeline) == pipeline[-1].tree_.node_count
