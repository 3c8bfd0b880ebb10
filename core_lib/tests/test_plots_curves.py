"""Learning and validation curves draw scikit-learn's cross-validated means."""

from __future__ import annotations

import io

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


def test_a_pipeline_parameters_title_fits_the_report_figure(regression_data):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from modelyard.plots.style import FIGSIZE

    forest = make_pipeline(StandardScaler(), RandomForestRegressor(n_estimators=3, random_state=0))
    figure = Figure(figsize=FIGSIZE, layout="constrained")  # as the report draws it
    FigureCanvasAgg(figure)
    ax = plot_validation_curve(
        forest,
        regression_data.x,
        regression_data.y,
        param_name="randomforestregressor__max_depth",
        param_range=[1, 3, 6, 12],
        cv=3,
        ax=figure.subplots(),
    )
    figure.savefig(io.BytesIO(), format="png", dpi=100)  # lays the figure out as the report does
    renderer = figure.canvas.get_renderer()

    page = figure.bbox
    for text in (ax.title, ax.xaxis.label):
        box = text.get_window_extent(renderer)
        assert page.x0 <= box.x0 and box.x1 <= page.x1, text.get_text()
    assert ax.get_title() == "Validation curve: max_depth"


def test_the_curves_refit_in_the_processes_they_are_given(regression_data, monkeypatch):
    import sklearn.model_selection

    seen = []
    real = sklearn.model_selection.learning_curve

    def spy(*args, **kwargs):
        seen.append(kwargs["n_jobs"])
        return real(*args, **kwargs)

    monkeypatch.setattr(sklearn.model_selection, "learning_curve", spy)
    plot_learning_curve(Ridge(), regression_data.x, regression_data.y, cv=3, n_jobs=2)

    assert seen == [2]
