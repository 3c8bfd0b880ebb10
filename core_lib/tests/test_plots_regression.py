"""Regressor plots draw the residuals and predictions they were given."""

from __future__ import annotations

import numpy as np
import pytest

from modelyard.exceptions import PlotError
from modelyard.plots import plot_prediction_error, plot_residuals

Y_TRUE = np.array([3.0, 5.0, 2.5, 7.0, 4.0])
Y_PRED = np.array([2.5, 5.5, 2.0, 8.0, 4.0])


def test_residuals_are_true_minus_predicted_against_the_prediction():
    ax = plot_residuals(Y_TRUE, Y_PRED)

    np.testing.assert_array_equal(ax.collections[0].get_offsets(), np.c_[Y_PRED, Y_TRUE - Y_PRED])
    assert ax.get_ylabel() == "Residual (true - predicted)"


def test_prediction_error_draws_predicted_against_true_with_the_diagonal():
    ax = plot_prediction_error(Y_TRUE, Y_PRED)

    np.testing.assert_array_equal(ax.collections[0].get_offsets(), np.c_[Y_TRUE, Y_PRED])
    diagonal = ax.lines[0]
    assert list(diagonal.get_xdata()) == list(diagonal.get_ydata()) == [2.0, 8.0]


def test_empty_arrays_are_refused():
    with pytest.raises(PlotError, match="nothing to plot"):
        plot_residuals([], [])
