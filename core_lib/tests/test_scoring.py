"""The scoring core of batch and partitioned prediction: one check, the same columns."""

from __future__ import annotations

import pytest

from modelyard.exceptions import ModelyardError, SchemaError
from modelyard.scoring import PREDICTION_COLUMN, add_predictions, probability_columns, ready_model


class NoProba:
    """An estimator that predicts labels and gives no probabilities."""

    def predict(self, X):
        return [0] * len(X)


def test_an_untrained_model_is_refused_before_any_row_is_read(classifier):
    with pytest.raises(ModelyardError, match="only a trained model can predict"):
        ready_model(classifier)


def test_probabilities_from_an_estimator_without_predict_proba_are_refused(
    trained_classifier, monkeypatch
):
    monkeypatch.setattr(trained_classifier, "estimator", NoProba())

    with pytest.raises(ModelyardError, match="leave out --probabilities"):
        ready_model(trained_classifier, probabilities=True)


def test_predictions_and_one_probability_column_per_class_are_added(
    trained_classifier, binary_data
):
    rows = binary_data.x.head(5).assign(customer_id=[f"00{i}" for i in range(5)])

    scored = add_predictions(rows.copy(), trained_classifier, probabilities=True)

    expected = ["customer_id", PREDICTION_COLUMN, *probability_columns(trained_classifier)]
    assert list(scored.columns)[-len(expected) :] == expected
    expected_labels = trained_classifier.predict(binary_data.x.head(5))
    assert list(scored[PREDICTION_COLUMN]) == list(expected_labels)
    assert scored[probability_columns(trained_classifier)].sum(axis=1).round(6).eq(1).all()


def test_a_wrongly_typed_feature_is_a_schema_error(trained_classifier, binary_data):
    rows = binary_data.x.head(2).astype(object)
    rows.iloc[0, 0] = "not a number"

    with pytest.raises(SchemaError):
        add_predictions(rows, trained_classifier)
