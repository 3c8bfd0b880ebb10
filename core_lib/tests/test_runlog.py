from __future__ import annotations

import json
import warnings

import pytest

from modelyard.cli import main
from modelyard.exceptions import ModelyardError, RunLogWarning
from modelyard.provenance import data_fingerprint
from modelyard.runlog import check_writable, find_run, list_runs, log_run, read_run, utc_now

#: A record as write_run writes it, to spoil one field at a time.
GOOD = {
    "run_id": "20260101T000000-score-abcdef",
    "kind": "score",
    "model_name": "cancer",
    "estimator": "LogisticRegression",
    "started": "2026-01-01T00:00:00+00:00",
    "ended": "2026-01-01T00:00:01+00:00",
    "duration_s": 1.0,
    "metrics": {"accuracy": 0.9},
}

#: Files in a run folder that are not records modelyard wrote, by what is wrong with them.
MALFORMED = {
    "a list": b"[]",
    "a number for started": json.dumps({**GOOD, "started": 5}).encode(),
    "text for duration_s": json.dumps({**GOOD, "duration_s": "slow"}).encode(),
    "text for metrics": json.dumps({**GOOD, "metrics": "x"}).encode(),
    "text for a metric": json.dumps({**GOOD, "metrics": {"accuracy": "high"}}).encode(),
    "null for run_id": json.dumps({**GOOD, "run_id": None}).encode(),
    "no run_id": json.dumps({k: v for k, v in GOOD.items() if k != "run_id"}).encode(),
    "a boolean for duration_s": json.dumps({**GOOD, "duration_s": True}).encode(),
    "bad JSON": b'{"run_id": ',
    "bytes that are not UTF-8": b'{"run_id": "\xff\xfe"}',
}


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

    with pytest.warns(RunLogWarning, match="broken.json"):
        assert [r.kind for r in list_runs(workdir / "runs")] == ["score"]


@pytest.fixture(params=list(MALFORMED), ids=list(MALFORMED))
def malformed_record(request, workdir):
    """A run folder holding one good record and one file that is not a record, bad.json."""
    folder = workdir / "runs"
    folder.mkdir()
    (folder / "good.json").write_text(json.dumps(GOOD))
    (folder / "bad.json").write_bytes(MALFORMED[request.param])
    return folder / "bad.json"


@pytest.fixture
def malformed_records(workdir):
    """A run folder holding every kind of malformed record, as bad-<n>.json."""
    folder = workdir / "runs"
    folder.mkdir()
    for number, content in enumerate(MALFORMED.values()):
        (folder / f"bad-{number}.json").write_bytes(content)
    return folder


def test_a_well_formed_record_reads_back(workdir):
    (workdir / "good.json").write_text(json.dumps(GOOD))

    assert read_run(workdir / "good.json").duration_s == 1.0


def test_a_malformed_record_is_skipped_with_a_warning_naming_the_file(malformed_record):
    with pytest.warns(RunLogWarning, match="bad.json"):
        records = list_runs(malformed_record.parent)

    assert [r.run_id for r in records] == [GOOD["run_id"]]


def test_malformed_records_do_not_stop_training_or_lose_the_model(
    malformed_records, classifier, binary_data, workdir
):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        classifier.train(binary_data)
        ref = classifier.save("models")

    assert ref.version == 1
    assert {w.category for w in caught} == {RunLogWarning}
    assert [r.kind for r in _records_skipping(workdir / "runs")] == ["train"]


def test_malformed_records_leave_modelyard_train_saving_the_model(
    malformed_records, fault_project, capsys
):
    assert main(["train"]) == 0

    captured = capsys.readouterr()
    assert "saved models/iris-model/1" in captured.out
    assert "run recorded in runs/" in captured.out
    assert "bad-0.json" in captured.err


def test_malformed_records_leave_runs_list_listing_the_others(
    malformed_records, fault_project, capsys
):
    main(["train", "--skip-score"])
    capsys.readouterr()

    assert main(["runs", "list"]) == 0

    captured = capsys.readouterr()
    assert "-train-" in captured.out
    assert f"bad-{len(MALFORMED) - 1}.json" in captured.err
    assert "Traceback" not in captured.err


def test_modelyard_train_publishes_the_version_before_writing_its_record(fault_project):
    main(["train", "--skip-score"])

    [record] = list_runs(fault_project / "runs")
    assert record.kind == "train"
    assert record.artifact.endswith("models/iris-model/1")


def test_score_says_run_recorded_only_when_the_record_was_written(
    fault_project, monkeypatch, capsys
):
    def lost(record, run_dir):
        return None

    monkeypatch.setattr("modelyard.model.write_run", lost)

    assert main(["score"]) == 0

    assert "run recorded" not in capsys.readouterr().out


def test_train_says_run_recorded_only_when_the_record_was_written(
    fault_project, monkeypatch, capsys
):
    monkeypatch.setattr("modelyard.model.write_run", lambda record, run_dir: None)

    assert main(["train", "--skip-score"]) == 0

    out = capsys.readouterr().out
    assert "saved models/iris-model/1" in out
    assert "run recorded" not in out


def test_a_run_folder_that_cannot_be_written_is_reported_before_any_work(workdir):
    (workdir / "runs").write_text("a file where the run folder should be")

    with pytest.raises(ModelyardError, match="cannot be written"):
        check_writable(workdir / "runs")


def _records_skipping(folder):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RunLogWarning)
        return list_runs(folder)
