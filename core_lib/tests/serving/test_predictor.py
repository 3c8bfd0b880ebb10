"""The serving predictor: arrays on the fast path, without touching the process's warnings."""

from __future__ import annotations

import warnings

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


def test_with_no_feature_that_may_be_missing_the_predictor_trusts_the_contract_for_finite_values(
    trained_classifier, binary_data
):
    predictor = Predictor(trained_classifier)
    row = binary_data.x.head(1).to_numpy().tolist()[0]
    row[0] = float("nan")  # the contract refuses this before it gets here

    answer = predictor.predict([row])

    assert len(answer["predictions"]) == 1


def test_a_feature_that_may_be_missing_keeps_scikit_learns_check_for_missing_values(
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
