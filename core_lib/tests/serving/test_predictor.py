"""The serving predictor: arrays on the fast path, without touching the process's warnings."""

from __future__ import annotations

import warnings

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
