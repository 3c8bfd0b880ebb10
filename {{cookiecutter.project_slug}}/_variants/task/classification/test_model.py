from __future__ import annotations


def test_model_scores_better_than_chance(model, data, settings):
    result = model.score(data, settings=settings)

    assert result.metrics["roc_auc"] > 0.9


def test_trained_model_predicts_one_label_per_row(trained_model, data):
    predictions = trained_model.predict(data.x.head(10))

    assert len(predictions) == 10
    assert set(predictions) <= set(data.y.unique())


def test_rows_with_missing_values_get_predictions(trained_model, data):
    rows = data.x.head(3).copy()
    numbers = rows.select_dtypes("number").columns
    rows[numbers] = float("nan")

    assert len(trained_model.predict(rows)) == 3
