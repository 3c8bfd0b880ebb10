"""An estimator's own error is one line naming the step that refused the data and the column."""

from __future__ import annotations

import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from modelyard import Model
from modelyard.cli import main
from modelyard.exceptions import FitError

ROWS = 20
NUMBERS = [float(i) for i in range(ROWS)]
ALTERNATING = [i % 2 for i in range(ROWS)]


@pytest.fixture
def scaled_model() -> Model:
    return Model(make_pipeline(StandardScaler(), LogisticRegression()), name="scaled")


def test_a_string_in_a_numeric_column_names_the_step_and_the_column(scaled_model, table_data):
    data = table_data(a=NUMBERS, b=[*NUMBERS[:-1], "many"], y=ALTERNATING)

    with pytest.raises(FitError, match=r"step 'standardscaler' .*'many' \(column 'b'\)"):
        scaled_model.train(data)


def test_a_single_class_names_the_classifier_step(scaled_model, table_data):
    data = table_data(a=NUMBERS, y=[0] * ROWS)

    with pytest.raises(FitError, match=r"step 'logisticregression' .*only one class"):
        scaled_model.train(data)


def test_an_all_missing_column_names_the_column(scaled_model, table_data):
    data = table_data(a=NUMBERS, b=[None] * ROWS, y=ALTERNATING)

    with pytest.warns(RuntimeWarning), pytest.raises(FitError, match=r"NaN \(column 'b'\)"):
        scaled_model.train(data)


def test_a_bare_estimator_is_named_by_its_class(table_data):
    data = table_data(a=NUMBERS, y=[0] * ROWS)

    with pytest.raises(FitError, match=r"^LogisticRegression could not be fitted"):
        Model(LogisticRegression()).train(data)


def test_the_estimator_error_stays_chained_for_debugging(scaled_model, table_data):
    with pytest.raises(FitError) as caught:
        scaled_model.train(table_data(a=NUMBERS, y=[0] * ROWS))

    assert isinstance(caught.value.__cause__, ValueError)


def test_cross_validation_reports_the_failing_step_too(scaled_model, table_data):
    data = table_data(a=NUMBERS, b=["many"] * ROWS, y=ALTERNATING)

    with pytest.raises(FitError, match="step 'standardscaler'"):
        scaled_model.score(data, cv=2, n_jobs=1)


def test_a_value_only_in_the_held_out_rows_names_the_step_that_refused_it(scaled_model, table_data):
    data = table_data(a=NUMBERS, b=[*NUMBERS[:-1], "many"], y=ALTERNATING)

    with pytest.raises(FitError, match=r"could not be (fitted|measured): .*\(column 'b'\)"):
        scaled_model.score(data, cv=2, n_jobs=1)


def test_the_command_line_prints_a_fit_error_as_one_line(fault_project, capsys, monkeypatch):
    monkeypatch.setenv("MODELYARD_DATASET", "fault_project:OneClass")

    assert main(["train"]) == 1

    err = capsys.readouterr().err
    assert err.startswith("modelyard: error: step 'logisticregression'")
    assert "Traceback" not in err


def test_debug_prints_the_full_traceback_of_a_fit_error(fault_project, capsys, monkeypatch):
    monkeypatch.setenv("MODELYARD_DATASET", "fault_project:OneClass")

    assert main(["--debug", "train"]) == 1

    err = capsys.readouterr().err
    assert "Traceback" in err
    assert "ValueError" in err


# -- estimator_label: names that tell models apart in listings --------------------------


def test_a_pipeline_is_labelled_by_the_model_at_its_end():
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.preprocessing import StandardScaler

    from modelyard.fitting import estimator_label

    pipeline = make_pipeline(StandardScaler(), HistGradientBoostingRegressor())

    assert estimator_label(pipeline) == "Pipeline(... HistGradientBoostingRegressor)"


def test_a_wrapper_is_labelled_by_what_it_wraps_and_a_forest_by_itself():
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.linear_model import Ridge

    from modelyard.fitting import estimator_label

    assert (
        estimator_label(TransformedTargetRegressor(Ridge())) == "TransformedTargetRegressor(Ridge)"
    )
    assert estimator_label(RandomForestRegressor()) == "RandomForestRegressor"
