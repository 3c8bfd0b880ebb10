from __future__ import annotations

import json

import pytest

from modelyard.exceptions import ModelyardError, RunLogWarning
from modelyard.provenance import data_fingerprint
from modelyard.runlog import find_run, list_runs, log_run, read_run, utc_now


def _records(folder):
    return [read_run(p) for p in sorted(folder.glob("*.json"))]


def test_score_writes_a_run_record_with_its_metrics(classifier, binary_data, workdir):
    result = classifier.score(binary_data)

    [record] = _records(workdir / "runs")
    assert record.kind == "score"
    assert record.model_name == "cancer"
    assert record.metrics == result.metrics
    assert record.data == {
        "dataset": "DemoDataset",
        "rows": 569,
        "columns": 30,
        "fingerprint": data_fingerprint(binary_data.x, binary_data.y),
    }
    assert record.duration_s >= 0


def test_train_writes_a_run_record_with_the_estimator_parameters(
    regressor, regression_data, workdir
):
    regressor.train(regression_data)

    [record] = _records(workdir / "runs")
    assert record.kind == "train"
    assert record.params["fit_intercept"] is True


def test_saving_notes_the_artifact_in_the_training_record(trained_classifier, workdir):
    ref = trained_classifier.save("models")

    [record] = _records(workdir / "runs")
    assert record.artifact == str(ref)


def test_run_dir_argument_chooses_where_records_go(classifier, binary_data, workdir):
    classifier.score(binary_data, run_dir=workdir / "elsewhere")

    assert len(_records(workdir / "elsewhere")) == 1


def test_records_are_plain_json_a_person_can_read(classifier, binary_data, workdir):
    classifier.score(binary_data)

    text = next((workdir / "runs").glob("*.json")).read_text()
    assert json.loads(text)["run_id"] in text.splitlines()[1]


def test_an_unwritable_run_folder_warns_and_keeps_the_trained_model(
    classifier, binary_data, workdir
):
    (workdir / "runs").write_text("a file where the run folder should be")

    with pytest.warns(RunLogWarning, match="run itself succeeded"):
        classifier.train(binary_data)

    assert classifier.is_trained


def test_a_cross_validated_score_records_means_stds_and_options(classifier, binary_data, workdir):
    result = classifier.score(binary_data, cv=3, metrics=("accuracy",))

    [record] = _records(workdir / "runs")
    assert record.metrics == result.metrics
    assert record.metrics_std == result.std
    assert record.options == {"cv": 3, "random_state": 42, "metrics": ["accuracy"]}


def test_every_write_rebuilds_an_index_a_person_can_read(classifier, binary_data, workdir):
    classifier.score(binary_data)
    classifier.train(binary_data)
    ref = classifier.save("models")

    index = (workdir / "runs" / "index.md").read_text()
    rows = [line for line in index.splitlines() if "-score-" in line or "-train-" in line]
    assert len(rows) == 2
    assert "accuracy 0.9" in index
    assert str(ref) in rows[0]  # newest first: the training run, with where it was saved


def test_log_run_records_a_run_modelyard_did_not_drive(workdir):
    started = utc_now()

    path = log_run(
        "search",
        started=started,
        run_dir=workdir / "runs",
        model_name="churn",
        estimator="GridSearchCV",
        params={"C": [0.1, 1.0]},
        metrics={"roc_auc": 0.93},
    )

    record = read_run(path)
    assert (record.kind, record.model_name, record.metrics) == (
        "search",
        "churn",
        {"roc_auc": 0.93},
    )
    assert "search" in (workdir / "runs" / "index.md").read_text()


def test_a_run_is_found_by_its_id_or_an_unambiguous_start(classifier, binary_data, workdir):
    classifier.score(binary_data)
    [record] = _records(workdir / "runs")

    assert find_run(workdir / "runs", record.run_id) == record
    assert find_run(workdir / "runs", record.run_id[:-3]) == record


def test_an_unknown_run_id_says_how_to_list_them(workdir):
    with pytest.raises(ModelyardError, match=r"no run 'nope'.*modelyard runs list"):
        find_run(workdir / "runs", "nope")


def test_an_ambiguous_run_id_asks_for_more(classifier, binary_data, workdir):
    classifier.score(binary_data)
    classifier.score(binary_data)

    with pytest.raises(ModelyardError, match="matches 2 runs"):
        find_run(workdir / "runs", "2")


def test_an_unreadable_record_is_skipped_by_the_listing(classifier, binary_data, workdir):
    classifier.score(binary_data)
    (workdir / "runs" / "broken.json").write_text("{")

    assert [r.kind for r in list_runs(workdir / "runs")] == ["score"]
