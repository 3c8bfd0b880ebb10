"""Grid and random searches: best model refitted, every candidate kept, bad input refused."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from modelyard import Model, ResultGroup
from modelyard.exceptions import ModelyardError
from modelyard.runlog import read_run

GRID = {"logisticregression__C": [0.01, 1.0, 100.0]}


@pytest.fixture(scope="module")
def searched(binary_data, tmp_path_factory):
    model = Model(make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)), "cancer")
    runs = tmp_path_factory.mktemp("runs")
    return model.gridsearch(binary_data, GRID, cv=3, run_dir=runs)


def test_gridsearch_returns_the_best_model_refitted_and_a_result_group(searched, binary_data):
    best_model, results = searched

    assert isinstance(results, ResultGroup)
    assert len(results) == 3
    assert best_model.is_trained
    assert best_model._training_rows == len(binary_data.x)
    c = best_model.estimator.get_params()["logisticregression__C"]
    assert c == searched.best_params["logisticregression__C"]


def test_gridsearch_results_are_sorted_best_first_by_the_first_metric(searched):
    values = [r.metrics["accuracy"] for r in searched.results]

    assert values == sorted(values, reverse=True)
    assert list(searched.table["mean_accuracy"]) == values


def test_each_candidate_scores_as_model_score_with_the_same_folds(searched, binary_data):
    for row in searched.table.itertuples():
        estimator = make_pipeline(
            StandardScaler(), LogisticRegression(max_iter=1000, C=row.param_logisticregression__C)
        )
        scored = Model(estimator).score(binary_data, cv=3, run_dir="elsewhere")
        assert row.mean_accuracy == pytest.approx(scored.metrics["accuracy"], abs=1e-12)
        assert row.std_roc_auc == pytest.approx(scored.std["roc_auc"], abs=1e-12)


def test_the_table_has_params_fold_scores_means_stds_and_fit_times(searched):
    columns = set(searched.table.columns)

    assert {"rank", "candidate", "param_logisticregression__C"} <= columns
    for metric in ("accuracy", "roc_auc", "f1"):
        expected = {f"split0_{metric}", f"split2_{metric}", f"mean_{metric}", f"std_{metric}"}
        assert expected <= columns
    assert (searched.table["mean_fit_time"] > 0).all()
    assert "split3_accuracy" not in columns


def test_the_table_is_saved_as_csv_and_parquet_named_in_the_run_record(searched):
    record = read_run(searched.run_record)
    folder = searched.run_record.parent

    assert record.kind == "search"
    csv = pd.read_csv(folder / record.options["candidates_csv"])
    parquet = pd.read_parquet(folder / record.options["candidates_parquet"])
    assert list(csv["mean_accuracy"]) == pytest.approx(list(searched.table["mean_accuracy"]))
    assert list(parquet["candidate"]) == list(searched.table["candidate"])
    assert record.metrics["accuracy"] == searched.results.best.metrics["accuracy"]
    assert record.params == searched.best_params


def test_the_refit_of_the_best_model_is_recorded_as_a_training_run(searched):
    kinds = [json.loads(p.read_text())["kind"] for p in searched.run_record.parent.glob("*.json")]

    assert sorted(kinds) == ["search", "train"]


def test_a_search_is_identical_with_one_or_two_processes(binary_data):
    model = Model(DecisionTreeClassifier(random_state=0))
    grid = {"max_depth": [2, 4, None], "min_samples_leaf": [1, 5]}

    one = model.gridsearch(binary_data, grid, cv=3, n_jobs=1).table
    two = model.gridsearch(binary_data, grid, cv=3, n_jobs=2).table

    scores = [c for c in one.columns if "time" not in c]
    pd.testing.assert_frame_equal(one[scores], two[scores])


def test_n_jobs_comes_from_the_settings_passed_in(binary_data, monkeypatch):
    from modelyard.config import load_settings

    monkeypatch.setenv("MODELYARD_N_JOBS", "2")

    found = Model(DecisionTreeClassifier(random_state=0)).gridsearch(
        binary_data, {"max_depth": [1, 2]}, cv=2, settings=load_settings()
    )

    assert read_run(found.run_record).options["n_jobs"] == 2


def test_randomsearch_samples_n_iter_candidates_reproducibly(regression_data):
    model = Model(Ridge(), "diabetes")
    space = {"alpha": stats.loguniform(1e-3, 1e2), "fit_intercept": [True, False]}

    first = model.randomsearch(regression_data, space, n_iter=4, cv=3, random_state=7)
    again = model.randomsearch(regression_data, space, n_iter=4, cv=3, random_state=7)

    assert len(first.table) == 4
    assert list(first.table["param_alpha"]) == list(again.table["param_alpha"])
    assert first.results.metric == "r2"


def test_lower_is_better_metrics_rank_rising(regression_data):
    found = Model(Ridge()).gridsearch(
        regression_data, {"alpha": [0.01, 10.0, 1000.0]}, cv=3, metrics=["rmse", "r2"]
    )

    assert list(found.table["mean_rmse"]) == sorted(found.table["mean_rmse"])


def test_a_list_of_grids_is_searched_whole(binary_data):
    grids = [{"max_depth": [1, 2]}, {"min_samples_leaf": [3]}]

    found = Model(DecisionTreeClassifier(random_state=0)).gridsearch(binary_data, grids, cv=3)

    assert len(found.table) == 3


def test_a_holdout_search_uses_the_score_split(binary_data):
    found = Model(DecisionTreeClassifier(random_state=0)).gridsearch(
        binary_data, {"max_depth": [2]}, cv=0
    )
    scored = Model(DecisionTreeClassifier(random_state=0, max_depth=2)).score(binary_data)

    assert found.results.best.metrics == pytest.approx(scored.metrics)


# -- bad input: refused before anything is fitted --------------------------------


@pytest.mark.parametrize("grid", [{}, [], {"fitforbidden__C": []}, [{}]])
def test_an_empty_grid_is_refused(unfittable, binary_data, grid):
    with pytest.raises(ModelyardError, match="empty"):
        unfittable.gridsearch(binary_data, grid)


def test_an_unknown_parameter_is_refused_listing_the_pipeline_names(unfittable, binary_data):
    with pytest.raises(ModelyardError) as error:
        unfittable.gridsearch(binary_data, {"C": [1.0]})

    message = str(error.value)
    assert "'C'" in message
    assert "fitforbidden__C" in message
    assert "standardscaler__with_mean" in message


def test_an_unknown_metric_is_refused(unfittable, binary_data):
    with pytest.raises(ModelyardError, match="unknown metric 'acuracy'"):
        unfittable.gridsearch(binary_data, {"fitforbidden__C": [1.0]}, metrics=["acuracy"])


def test_an_unreachable_scheduler_is_refused(unfittable, binary_data, unreachable_scheduler):
    with pytest.raises(ModelyardError, match="no Dask scheduler answered"):
        unfittable.gridsearch(
            binary_data, {"fitforbidden__C": [1.0]}, scheduler=unreachable_scheduler
        )


def test_a_bad_n_iter_is_refused(unfittable, binary_data):
    with pytest.raises(ModelyardError, match="n_iter"):
        unfittable.randomsearch(binary_data, {"fitforbidden__C": [1.0]}, n_iter=0)


def test_a_single_value_instead_of_a_list_is_refused(unfittable, binary_data):
    with pytest.raises(ModelyardError, match="must be a list"):
        unfittable.gridsearch(binary_data, {"fitforbidden__C": 1.0})


@pytest.mark.parametrize("cv", [1, -2, "5"])
def test_bad_folds_are_refused(unfittable, binary_data, cv):
    with pytest.raises(ModelyardError, match="cv must be"):
        unfittable.gridsearch(binary_data, {"fitforbidden__C": [1.0]}, cv=cv)


def test_an_estimator_without_get_params_cannot_be_searched(binary_data):
    class Plain:
        def fit(self, X, y):
            return self

        def predict(self, X):
            return np.zeros(len(X))

    with pytest.raises(ModelyardError, match="get_params"):
        Model(Plain(), task="classification").gridsearch(binary_data, {"a": [1]})


# -- progress --------------------------------------------------------------------


def test_a_short_search_off_a_terminal_prints_no_progress(binary_data, capsys):
    Model(DecisionTreeClassifier(random_state=0)).gridsearch(
        binary_data, {"max_depth": [1, 2]}, cv=2
    )

    assert capsys.readouterr().err == ""


def test_progress_off_a_terminal_is_plain_lines_with_the_best_so_far(
    binary_data, capsys, monkeypatch
):
    import functools

    from modelyard import search
    from modelyard.progress import Progress

    monkeypatch.setattr(search, "Progress", functools.partial(Progress, interval=0))
    Model(DecisionTreeClassifier(random_state=0)).gridsearch(
        binary_data, {"max_depth": [1, 2]}, cv=2
    )

    lines = [line for line in capsys.readouterr().err.splitlines() if "grid search" in line]
    assert any(
        line.startswith("grid search: 1 of 2 (50%) candidates, best accuracy") for line in lines
    )
    assert lines[-1].startswith("grid search: 2 of 2 (100%) candidates, best accuracy")


def test_progress_shows_candidates_done_and_best_so_far_on_a_terminal(
    binary_data, capsys, monkeypatch
):
    import sys

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    Model(DecisionTreeClassifier(random_state=0)).gridsearch(
        binary_data, {"max_depth": [1, 2]}, cv=2
    )

    err = capsys.readouterr().err
    assert re.search(r"grid search: 100%.* 2(\.00)?/2(\.00)? .*best accuracy", err)


def test_candidate_labels_show_numpy_values_as_plain_numbers(binary_data):
    model = Model(DecisionTreeClassifier(random_state=0))

    found = model.gridsearch(
        binary_data, {"min_impurity_decrease": np.array([0.0, 0.0123456789])}, cv=2, quiet=True
    )

    assert set(found.table["candidate"]) == {
        "min_impurity_decrease=0",
        "min_impurity_decrease=0.01235",
    }


def test_without_pyarrow_the_candidate_table_is_csv_only_and_nothing_is_said(
    binary_data, monkeypatch, recwarn
):
    import importlib.util

    find_spec = importlib.util.find_spec
    # As if pyarrow were not installed (pandas may hold it already, so it is not unloaded).
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "pyarrow" else find_spec(name, *a),
    )

    found = Model(DecisionTreeClassifier(random_state=0)).gridsearch(
        binary_data, {"max_depth": [1, 2]}, cv=2, quiet=True
    )

    options = read_run(found.run_record).options
    assert "candidates_csv" in options and "candidates_parquet" not in options
    assert [str(w.message) for w in recwarn] == []


def test_the_best_model_of_a_search_records_the_search_run_as_its_origin(binary_data):
    found = Model(DecisionTreeClassifier(random_state=0)).gridsearch(
        binary_data, {"max_depth": [1, 2]}, cv=2, quiet=True
    )

    origin = found.best_model.origin
    assert origin["kind"] == "search"
    assert origin["run_id"] == read_run(found.run_record).run_id
    assert origin["params"] == found.best_params
