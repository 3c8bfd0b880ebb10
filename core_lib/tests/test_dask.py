"""Searches, comparisons and batch scoring on a real Dask cluster equal single-machine results.

The cluster is a ``distributed.LocalCluster``: a scheduler and two worker
processes on 127.0.0.1, started once for the session (see conftest.py).
"""

from __future__ import annotations

import io
import sys

import pandas as pd
import pytest
from sklearn.tree import DecisionTreeClassifier

from modelyard import Model
from modelyard.config import load_settings
from modelyard.distributed import predict_partitioned
from modelyard.exceptions import ModelyardError
from modelyard.parallel import connect

GRID = {"max_depth": [2, 4, None], "min_samples_leaf": [1, 5]}


def _scores(table: pd.DataFrame) -> pd.DataFrame:
    return table[[c for c in table.columns if "time" not in c]]


def test_a_grid_search_on_the_cluster_equals_the_local_one(binary_data, dask_scheduler):
    model = Model(DecisionTreeClassifier(random_state=0))

    local = model.gridsearch(binary_data, GRID, cv=3)
    remote = model.gridsearch(binary_data, GRID, cv=3, scheduler=dask_scheduler)

    pd.testing.assert_frame_equal(_scores(local.table), _scores(remote.table))
    assert remote.best_params == local.best_params


def test_the_scheduler_setting_sends_searches_to_the_cluster(
    binary_data, dask_scheduler, monkeypatch
):
    monkeypatch.setenv("MODELYARD_SCHEDULER", dask_scheduler)
    before = _tasks_done(dask_scheduler)

    Model(DecisionTreeClassifier(random_state=0)).gridsearch(
        binary_data, {"max_depth": [2]}, cv=2, settings=load_settings()
    )

    assert _tasks_done(dask_scheduler) > before


def test_a_comparison_on_the_cluster_equals_the_local_one(multiclass_data, dask_scheduler):
    contenders = {
        "shallow": DecisionTreeClassifier(max_depth=1, random_state=0),
        "deep": DecisionTreeClassifier(random_state=0),
    }

    local = Model.compare(multiclass_data, contenders, cv=3)
    remote = Model.compare(multiclass_data, contenders, cv=3, scheduler=dask_scheduler)

    pd.testing.assert_frame_equal(local.to_frame(), remote.to_frame())


def test_feature_selection_on_the_cluster_equals_the_local_one(noisy_data, dask_scheduler):
    model = Model(DecisionTreeClassifier(random_state=0))

    local = model.select_features(noisy_data, method="permutation", n_features=3)
    remote = model.select_features(
        noisy_data, method="permutation", n_features=3, scheduler=dask_scheduler
    )

    pd.testing.assert_frame_equal(local.scores, remote.scores)


def test_predict_on_the_cluster_scores_every_partition_like_predict(
    trained_classifier, binary_data, dask_scheduler, workdir
):
    rows = binary_data.x.assign(customer=range(len(binary_data.x)))
    (workdir / "in").mkdir()
    for number, part in enumerate([rows.iloc[:200], rows.iloc[200:400], rows.iloc[400:]]):
        part.to_parquet(workdir / "in" / f"part-{number}.parquet", index=False)

    written = predict_partitioned(
        trained_classifier,
        workdir / "in",
        workdir / "out",
        scheduler=dask_scheduler,
        probabilities=True,
    )

    out = pd.read_parquet(workdir / "out").sort_values("customer")
    assert written == len(rows)
    assert list(out["prediction"]) == list(trained_classifier.predict(binary_data.x))
    expected = trained_classifier.predict_proba(binary_data.x)[:, 1]
    assert out["probability_1"].to_numpy() == pytest.approx(expected)


def test_a_column_null_in_the_first_partition_keeps_the_type_of_the_others(
    trained_classifier, binary_data, workdir
):
    rows = binary_data.x
    (workdir / "in").mkdir()
    parts = [rows.iloc[:200].assign(note=None), rows.iloc[200:].assign(note="checked")]
    for number, part in enumerate(parts):
        part.to_parquet(workdir / "in" / f"part-{number}.parquet", index=False)

    predict_partitioned(trained_classifier, workdir / "in", workdir / "out", quiet=True)

    out = pd.read_parquet(workdir / "out")  # pyarrow takes the first part's schema
    assert out["note"].isna().sum() == 200
    assert (out["note"] == "checked").sum() == len(rows) - 200


@pytest.fixture
def three_partitions(binary_data, workdir):
    """A Parquet folder of three parts (200, 200 and 169 rows)."""
    (workdir / "in").mkdir()
    for number, start in enumerate(range(0, len(binary_data.x), 200)):
        part = binary_data.x.iloc[start : start + 200]
        part.to_parquet(workdir / "in" / f"part-{number}.parquet", index=False)
    return workdir / "in"


@pytest.mark.parametrize("on_cluster", [True, False], ids=["cluster", "local"])
def test_predict_reports_each_partition_done_of_the_total(
    trained_classifier, three_partitions, on_cluster, request, workdir
):
    scheduler = request.getfixturevalue("dask_scheduler") if on_cluster else None
    seen = []

    predict_partitioned(
        trained_classifier,
        three_partitions,
        workdir / "out",
        scheduler=scheduler,
        progress=lambda done, total: seen.append((done, total)),
    )

    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_a_partition_the_model_refuses_leaves_no_output(
    trained_classifier, three_partitions, workdir
):
    broken = pd.read_parquet(three_partitions / "part-2.parquet")
    broken["mean area"] = "unknown"
    broken.to_parquet(three_partitions / "part-2.parquet", index=False)

    with pytest.raises(ModelyardError, match="mean area"):
        predict_partitioned(trained_classifier, three_partitions, workdir / "out")

    assert not [p.name for p in workdir.iterdir() if "out" in p.name]


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as a console does."""

    def isatty(self) -> bool:
        return True


def test_predict_shows_partitions_done_on_a_terminal(
    trained_classifier, three_partitions, workdir, monkeypatch
):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)

    predict_partitioned(trained_classifier, three_partitions, workdir / "out")

    assert "3/3 partitions" in terminal.getvalue()


def test_predict_refuses_missing_feature_columns_and_writes_nothing(
    trained_classifier, binary_data, dask_scheduler, workdir
):
    (workdir / "in").mkdir()
    binary_data.x.iloc[:, 1:].to_parquet(workdir / "in" / "part.parquet")

    with pytest.raises(ModelyardError, match="lacks the model's feature column"):
        predict_partitioned(
            trained_classifier, workdir / "in", workdir / "out", scheduler=dask_scheduler
        )
    assert not [p.name for p in workdir.iterdir() if "out" in p.name]


def test_predict_refuses_an_existing_output_folder(trained_classifier, workdir):
    (workdir / "in").mkdir()
    (workdir / "out").mkdir()

    with pytest.raises(ModelyardError, match="already exists"):
        predict_partitioned(trained_classifier, workdir / "in", workdir / "out")


def test_an_unreachable_scheduler_is_a_clear_error_within_the_timeout(unreachable_scheduler):
    with pytest.raises(ModelyardError, match="no Dask scheduler answered"):
        connect(unreachable_scheduler, timeout=1)


def test_without_dask_asking_for_a_scheduler_names_the_extra(binary_data, unfittable, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)

    with pytest.raises(ModelyardError, match=r"pip install 'modelyard\[dask\]'"):
        unfittable.gridsearch(binary_data, {"fitforbidden__C": [1.0]}, scheduler="tcp://x:1")


def _tasks_done(address: str) -> int:
    """How many task state changes the scheduler has made (its own counter)."""
    client = connect(address)
    try:
        return client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.transition_counter)
    finally:
        client.close()


def test_modelyard_predict_with_a_scheduler_scores_a_parquet_folder_on_the_cluster(
    trained_classifier, binary_data, dask_scheduler, workdir, capsys
):
    from modelyard.cli import main

    ref = trained_classifier.save("models")
    (workdir / "in").mkdir()
    binary_data.x.to_parquet(workdir / "in" / "part-0.parquet", index=False)

    status = main(
        ["predict", str(ref), "--input", "in", "--output", "out", "--scheduler", dask_scheduler]
    )

    assert status == 0
    assert f"wrote {len(binary_data.x)} predictions" in capsys.readouterr().out
    out = pd.read_parquet(workdir / "out")
    assert list(out["prediction"]) == list(trained_classifier.predict(binary_data.x))


def test_modelyard_predict_with_an_unreachable_scheduler_fails_cleanly(
    trained_classifier, workdir, capsys, unreachable_scheduler
):
    from modelyard.cli import main

    ref = trained_classifier.save("models")
    (workdir / "in").mkdir()

    status = main(
        [
            "predict",
            str(ref),
            "--input",
            "in",
            "--output",
            "out",
            "--scheduler",
            unreachable_scheduler,
        ]
    )

    assert status == 1
    assert "no Dask scheduler answered" in capsys.readouterr().err
    assert not (workdir / "out").exists()
