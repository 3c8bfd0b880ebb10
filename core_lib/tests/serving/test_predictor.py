"""The serving predictor: arrays on the fast path, without touching the process's warnings."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from modelyard.serving.predictor import Predictor


def test_building_a_predictor_leaves_the_process_warning_filters_as_they_were(
    trained_classifier,
):
    before = list(warnings.filters)

    predictor = Predictor(trained_classifier)

    assert predictor.uses_arrays
    assert warnings.filters == before


def test_predicting_from_arrays_raises_no_feature_names_warning(trained_classifier, binary_data):
    predictor = Predictor(trained_classifier)
    rows = binary_data.x.head(3).to_numpy().tolist()

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        answer = predictor.predict(rows, probabilities=True)

    assert answer["predictions"] == trained_classifier.predict(binary_data.x.head(3)).tolist()


def test_the_feature_names_warning_still_reaches_other_code(trained_classifier, binary_data):
    Predictor(trained_classifier)

    with warnings.catch_warnings(record=True) as caught:
        trained_classifier.estimator.predict(binary_data.x.head(1).to_numpy())

    assert any("valid feature names" in str(w.message) for w in caught)


def test_a_null_for_an_estimator_that_cannot_take_it_is_refused_by_scikit_learn(
    binary_data,
):
    from sklearn.linear_model import LogisticRegression

    from modelyard import Model
    from modelyard.schema import ContractOptions

    model = Model(LogisticRegression(max_iter=5000), name="declared-nullable")
    first = str(binary_data.x.columns[0])
    model.contract = ContractOptions(nullable=(first,))
    model.train(binary_data)
    row = binary_data.x.head(1).to_numpy().tolist()[0]
    row[0] = None  # allowed by the contract; this estimator cannot take it

    with pytest.raises(ValueError, match="NaN"):
        Predictor(model).predict([row])


def test_an_answer_that_is_not_a_finite_number_is_refused(regressor, regression_data):
    row = [1.7e308] * regression_data.x.shape[1]  # within JSON, past what a sum can hold

    with pytest.raises(ValueError, match="not a finite number"):
        Predictor(regressor.train(regression_data)).predict([row])


class _GraphNotToBeAsked:
    """Stands in for the compiled graph where the test says it must not answer."""

    def run(self, rows, probabilities=False):
        raise AssertionError("the compiled graph was asked")


def test_rows_outside_the_training_range_are_answered_by_scikit_learn_not_the_graph(
    trained_classifier, binary_data
):
    predictor = Predictor(trained_classifier)
    predictor.compiled = _GraphNotToBeAsked()  # its parity check covered the training range only
    rows = binary_data.x.head(2) * 1000

    answer = predictor.predict(rows.to_numpy().tolist(), in_contract=False)

    assert answer["predictions"] == trained_classifier.predict(rows).tolist()


def test_a_pipeline_is_answered_step_by_step_with_the_estimators_answers(
    trained_classifier, binary_data
):
    predictor = Predictor(trained_classifier)
    rows = binary_data.x.head(20)

    answer = predictor.predict(rows.to_numpy().tolist(), probabilities=True)

    assert predictor.walk == "steps"
    assert answer["predictions"] == trained_classifier.estimator.predict(rows).tolist()
    assert answer["probabilities"] == trained_classifier.estimator.predict_proba(rows).tolist()


def test_a_passthrough_step_is_skipped_as_the_pipeline_skips_it(binary_data):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from modelyard import Model

    steps = [("none", "passthrough"), ("scale", StandardScaler()), ("model", LogisticRegression())]
    model = Model(Pipeline(steps), name="passthrough").train(binary_data)
    rows = binary_data.x.head(20)

    predictor = Predictor(model)
    answer = predictor.predict(rows.to_numpy().tolist())

    assert predictor.walk == "steps"
    assert answer["predictions"] == model.estimator.predict(rows).tolist()


def test_a_pipeline_subclass_is_asked_itself(binary_data):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from modelyard import Model

    class Subclass(Pipeline):
        pass

    model = Model(Subclass([("scale", StandardScaler()), ("model", LogisticRegression())]))
    predictor = Predictor(model.train(binary_data))

    assert predictor.uses_arrays
    assert predictor.walk is None


def test_a_walk_that_disagrees_with_the_pipeline_is_not_used(trained_classifier, monkeypatch):
    from modelyard.serving import predictor as module

    # A walk that changes every answer: the start-up check must refuse it.
    monkeypatch.setattr(module._StepWalk, "predict", lambda self, X: np.zeros(len(X)) - 1)

    assert Predictor(trained_classifier).walk is None
