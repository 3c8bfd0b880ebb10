from __future__ import annotations

from modelyard import load_model

from {{ cookiecutter.package_name }}.model import build_model


def test_model_scores_better_than_chance(data):
    result = build_model().score(data)

    assert result.metrics["roc_auc"] > 0.9


def test_trained_model_predicts_one_label_per_row(trained_model, data):
    predictions = trained_model.predict(data.x.head(10))

    assert len(predictions) == 10
    assert set(predictions) <= set(data.y.unique())


def test_saved_model_loads_and_predicts_the_same(trained_model, data, tmp_path):
    ref = trained_model.save(tmp_path / "store")

    loaded = load_model(str(ref))

    assert (loaded.predict(data.x) == trained_model.predict(data.x)).all()


def test_rows_with_missing_values_get_predictions(trained_model, data):
    gaps = data.x[data.x.isna().any(axis=1)]

    assert len(trained_model.predict(gaps)) == len(gaps) > 0
