from __future__ import annotations

import json

import pytest

from modelyard.exceptions import RunLogWarning
from modelyard.provenance import data_fingerprint
from modelyard.runlog import read_run


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
