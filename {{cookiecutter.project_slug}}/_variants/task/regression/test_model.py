from __future__ import annotations

import numpy as np


def test_model_explains_more_than_the_mean_does(model, data, settings):
    result = model.score(data, settings=settings)

    assert result.metrics["r2"] > 0.3


def test_trained_model_predicts_one_finite_number_per_row(trained_model, data):
    predictions = trained_model.predict(data.x.head(10))

    assert len(predictions) == 10
    assert np.isfinite(predictions).all()


def test_trained_model_predicts_within_the_range_it_learned(trained_model, data):
    predictions = trained_model.predict(data.x)

    assert data.y.min() - data.y.std() < predictions.min()
    assert predictions.max() < data.y.max() + data.y.std()
