"""The prediction log: sampled, redacted, rotated, and written without holding up a request."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry

from modelyard.exceptions import ConfigError
from modelyard.serving import create_app, predictionlog
from modelyard.serving.predictionlog import REDACTED, PredictionLog, PredictionLogSettings

SECRET = 12.3456789


class BlockingHandler(logging.Handler):
    """A writer stuck on a slow disk: every record waits until ``unblock`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        # Not `release`: that is logging.Handler's method, which unlocks the handler.
        self.unblock = threading.Event()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.entered.set()
        # Bounded, so a failed test cannot leave a thread holding this handler's lock,
        # which logging.shutdown() would then wait on for ever.
        self.unblock.wait(60)
        self.lines.append(record.getMessage())


def lines_in(folder: Path) -> list[dict]:
    return [
        json.loads(line) for f in sorted(folder.iterdir()) for line in f.read_text().splitlines()
    ]


@pytest.fixture
def logged_app(trained_classifier, tmp_path, monkeypatch):
    """An app that logs every prediction to tmp_path/log, redacting 'mean radius'."""
    monkeypatch.setenv("MODELYARD_PREDICTION_LOG", str(tmp_path / "log" / "predictions.jsonl"))
    monkeypatch.setenv("MODELYARD_PREDICTION_LOG_REDACT", "mean radius")
    return create_app(trained_classifier)


@pytest.fixture
def small_log(tmp_path):
    """A log of two features, 2 KiB a file, two backups."""
    settings = PredictionLogSettings(tmp_path / "p.jsonl", max_bytes=2048, backups=2)
    log = PredictionLog(settings, ["a", "b"], registry=CollectorRegistry())
    yield log
    log.close()


def test_logged_request_has_its_inputs_outputs_and_request_id(logged_app, rows, tmp_path):
    with TestClient(logged_app) as client:  # leaving it stops the server: the log is flushed
        answer = client.post("/predict", json={"rows": rows[:2]}, headers={"X-Request-ID": "r-1"})
    (record,) = lines_in(tmp_path / "log")
    assert record["request_id"] == "r-1"
    assert record["outputs"] == answer.json()["predictions"]
    assert record["inputs"][1]["mean texture"] == rows[1]["mean texture"]


def test_redacted_feature_value_is_never_written(logged_app, rows, tmp_path):
    with TestClient(logged_app) as client:
        client.post("/predict", json={"rows": [{**rows[0], "mean radius": SECRET}]})
    text = "".join(f.read_text() for f in (tmp_path / "log").iterdir())
    assert str(SECRET) not in text
    assert lines_in(tmp_path / "log")[0]["inputs"][0]["mean radius"] == REDACTED


def test_files_stay_bounded_in_size_and_count(small_log, tmp_path):
    for number in range(500):
        small_log.record(f"request-{number}", [[number, "x" * 20]], {"predictions": [0]})
    small_log.close()
    files = sorted(tmp_path.iterdir())
    assert len(files) == 3  # the file and its two backups
    assert all(f.stat().st_size <= 2048 for f in files)
    newest = (tmp_path / "p.jsonl").read_text().splitlines()[-1]
    assert json.loads(newest)["request_id"] == "request-499"


def test_sample_rate_zero_logs_nothing(tmp_path):
    log = PredictionLog(
        PredictionLogSettings(tmp_path / "p.jsonl", sample=0), ["a"], registry=CollectorRegistry()
    )
    assert not any(log.record("r", [[1]], {"predictions": [0]}) for _ in range(200))
    log.close()
    assert (tmp_path / "p.jsonl").read_text() == ""


def test_sample_rate_logs_about_that_share_of_requests(tmp_path):
    log = PredictionLog(
        PredictionLogSettings(tmp_path / "p.jsonl", sample=0.5), ["a"], registry=CollectorRegistry()
    )
    for _ in range(1000):
        log.record("r", [[1]], {"predictions": [0]})
    log.close()
    assert 350 < len(lines_in(tmp_path)) < 650  # about 16 standard deviations either side


def test_request_is_answered_while_the_writer_is_blocked(
    trained_classifier, rows, tmp_path, monkeypatch
):
    handler = BlockingHandler()
    monkeypatch.setattr(predictionlog, "_rotating_handler", lambda settings: handler)
    monkeypatch.setenv("MODELYARD_PREDICTION_LOG", str(tmp_path / "p.jsonl"))
    with TestClient(create_app(trained_classifier)) as client:
        try:
            client.post("/predict", json={"rows": rows[:1]})
            assert handler.entered.wait(30)  # the writer holds the first record, stuck
            answer = client.post("/predict", json={"rows": rows[:1]})
            assert answer.status_code == 200
            assert not handler.unblock.is_set()
        finally:
            handler.unblock.set()
    assert len(handler.lines) == 2


def test_records_are_dropped_and_counted_when_the_writer_is_behind(tmp_path):
    handler, registry = BlockingHandler(), CollectorRegistry()
    log = PredictionLog(
        PredictionLogSettings(tmp_path / "p.jsonl"),
        ["a"],
        registry=registry,
        handler=handler,
        queue_size=1,
    )
    try:
        log.record("first", [[1]], {"predictions": [0]})
        assert handler.entered.wait(30)
        results = [log.record(f"r{n}", [[1]], {"predictions": [0]}) for n in range(5)]
    finally:
        handler.unblock.set()
        log.close()
    assert results == [True, False, False, False, False]  # one waits in the queue
    assert registry.get_sample_value("modelyard_prediction_log_dropped_total") == 4


def test_redacting_a_name_that_is_not_a_feature_is_refused(tmp_path):
    settings = PredictionLogSettings(tmp_path / "p.jsonl", redact=("ssn",))
    with pytest.raises(ConfigError, match="cannot redact 'ssn'"):
        PredictionLog(settings, ["a", "b"], registry=CollectorRegistry())


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MODELYARD_PREDICTION_LOG_SAMPLE", "1.5"),
        ("MODELYARD_PREDICTION_LOG_SAMPLE", "half"),
        ("MODELYARD_PREDICTION_LOG_BACKUPS", "0"),
        ("MODELYARD_PREDICTION_LOG_MAX_BYTES", "10"),
    ],
)
def test_bad_setting_is_one_config_error_naming_it(name, value, tmp_path):
    environ = {"MODELYARD_PREDICTION_LOG": str(tmp_path / "p.jsonl"), name: value}
    with pytest.raises(ConfigError, match=name):
        PredictionLogSettings.from_env(environ)


def test_log_is_off_without_a_file(tmp_path):
    assert PredictionLogSettings.from_env({}) is None
