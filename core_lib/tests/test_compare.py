"""Model.compare: several estimators measured on the same folds, best first."""

from __future__ import annotations

import pytest
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from modelyard import Model, ResultGroup
from modelyard.exceptions import ModelyardError
from modelyard.runlog import list_runs


def _contenders():
    return {
        "logistic": make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
        "tree": DecisionTreeClassifier(max_depth=3, random_state=0),
    }


def test_compare_returns_a_result_group_best_first(binary_data):
    group = Model.compare(binary_data, _contenders(), cv=3)

    assert isinstance(group, ResultGroup)
    assert [r.model_name for r in group] == ["logistic", "tree"]
    assert group[0].metrics["accuracy"] >= group[1].metrics["accuracy"]


def test_compare_uses_the_same_folds_as_score(binary_data):
    group = Model.compare(binary_data, _contenders(), cv=3)

    for result in group:
        scored = Model(_contenders()[result.model_name]).score(binary_data, cv=3)
        assert result.metrics == pytest.approx(scored.metrics, abs=1e-12)
        assert result.std == pytest.approx(scored.std, abs=1e-12)


def test_compare_without_cv_uses_the_holdout_split_of_score(binary_data):
    group = Model.compare(binary_data, _contenders())

    for result in group:
        scored = Model(_contenders()[result.model_name]).score(binary_data)
        assert result.metrics == pytest.approx(scored.metrics, abs=1e-12)


def test_compare_gives_a_table_and_a_plot(binary_data):
    group = Model.compare(binary_data, list(_contenders().values()), cv=2)

    frame = group.to_frame()
    assert list(frame["model_name"]) == [r.model_name for r in group]
    assert {"Pipeline", "DecisionTreeClassifier"} == set(frame["model_name"])
    ax = group.plot()
    assert len(ax.patches) == 2


def test_compare_is_recorded_with_its_table(binary_data):
    Model.compare(binary_data, _contenders(), cv=2, run_dir="runs")

    (record,) = list_runs("runs")
    assert record.kind == "compare"
    assert record.options["estimators"] == ["logistic", "tree"]
    assert record.options["candidates_csv"].endswith("-candidates.csv")


def test_models_keep_their_names_and_same_classes_are_numbered(binary_data):
    group = Model.compare(
        binary_data,
        [
            Model(DecisionTreeClassifier(max_depth=1), name="stump"),
            DecisionTreeClassifier(max_depth=2),
            DecisionTreeClassifier(max_depth=3),
        ],
        cv=2,
    )

    assert sorted(r.model_name for r in group) == [
        "DecisionTreeClassifier",
        "DecisionTreeClassifier #2",
        "stump",
    ]


def test_compare_needs_two_estimators(binary_data):
    with pytest.raises(ModelyardError, match="at least two"):
        Model.compare(binary_data, [LogisticRegression()])


def test_compare_refuses_mixed_tasks(binary_data):
    with pytest.raises(ModelyardError, match="one task"):
        Model.compare(binary_data, [LogisticRegression(), Ridge()])


def test_compare_refuses_an_unknown_metric_before_fitting(binary_data, unfittable):
    with pytest.raises(ModelyardError, match="unknown metric"):
        Model.compare(binary_data, [unfittable, unfittable], metrics=["precisionn"])


def test_cross_validated_results_give_the_rows_of_each_fold(penguins):
    from pipelines import penguins_pipeline

    strong = penguins_pipeline()
    weak = penguins_pipeline().set_params(logisticregression__C=0.01)

    group = Model.compare(penguins, {"strong": strong, "weak": weak}, cv=5, quiet=True)

    # 344 rows in five folds: 275 (or 276) training rows and 69 (or 68) test rows each
    frame = group.to_frame()
    assert list(frame["n_train"]) == [275, 275]
    assert list(frame["n_test"]) == [69, 69]
