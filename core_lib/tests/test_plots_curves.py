"""Learning and validation curves draw scikit-learn's cross-validated means."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import Ridge
from sklearn.model_selection import learning_curve, validation_curve

from modelyard.exceptions import PlotError
from modelyard.plots import plot_learning_curve, plot_validation_curve


def test_learning_curve_draws_mean_training_and_validation_scores(regression_data):
    x, y = regression_data.x, regression_data.y
    sizes, train, test = learning_curve(Ridge(), x, y, cv=3, train_sizes=[0.3, 0.6, 1.0])

    ax = plot_learning_curve(Ridge(), x, y, cv=3, train_sizes=[0.3, 0.6, 1.0])

    training, validation = ax.lines
    np.testing.assert_array_equal(training.get_xdata(), sizes)
    np.testing.assert_allclose(training.get_ydata(), train.mean(axis=1))
    np.testing.assert_allclose(validation.get_ydata(), test.mean(axis=1))


def test_validation_curve_sweeps_the_parameter_on_a_log_scale(regression_data):
    x, y = regression_data.x, regression_data.y
    alphas = [0.01, 0.1, 1.0, 10.0]
    _, test = validation_curve(Ridge(), x, y, param_name="alpha", param_range=alphas, cv=3)

    ax = plot_validation_curve(Ridge(), x, y, param_name="alpha", param_range=alphas, cv=3)

    np.testing.assert_allclose(ax.lines[1].get_ydata(), test.mean(axis=1))
    assert ax.get_xscale() == "log"
    assert ax.get_title() == "Validation curve: alpha"


def test_an_unknown_parameter_is_named_with_the_choices(regression_data):
    with pytest.raises(PlotError, match="no parameter 'alhpa'; choose one of alpha"):
        plot_validation_curve(
            Ridge(), regression_data.x, regression_data.y, param_name="alhpa", param_range=[1]
        )
