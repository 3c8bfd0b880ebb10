"""Small leaks closed: no Host redirect, no CDN docs page, bounded log lines, checked settings."""

from __future__ import annotations

import json
import logging
import sys

import pytest

import modelyard.serving
from modelyard.cli import main
from modelyard.exceptions import ConfigError
from modelyard.serving.app import create_app_from_env
from modelyard.serving.observability import LOG_VALUE_LIMIT, JsonFormatter

HUGE = "x" * 10_000_000


def _log_line(message: str = "", exc_info=None, **extra) -> dict:
    record = logging.LogRecord("modelyard.serving", logging.ERROR, "", 1, message, (), exc_info)
    record.__dict__.update(extra)
    return json.loads(JsonFormatter().format(record))


def test_a_trailing_slash_is_not_redirected_to_the_clients_host(client, rows):
    answer = client.post(
        "/predict/",
        json={"rows": rows},
        headers={"Host": "evil.example"},
        follow_redirects=False,
    )

    assert answer.status_code == 404
    assert "location" not in answer.headers


def test_the_docs_pages_are_off(client):
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404


def test_the_openapi_description_is_still_served(client):
    answer = client.get("/openapi.json")

    assert answer.status_code == 200
    assert "/predict" in answer.json()["paths"]


def test_a_huge_log_message_is_cut_and_marked():
    line = _log_line(HUGE)

    assert len(line["message"]) < LOG_VALUE_LIMIT + 100
    assert "truncated: 10,000,000 characters" in line["message"]


def test_a_huge_extra_field_is_cut_and_marked():
    line = _log_line(path="/" + HUGE)

    assert len(line["path"]) < LOG_VALUE_LIMIT + 100
    assert "truncated" in line["path"]


def test_a_traceback_quoting_a_huge_value_is_cut_and_keeps_the_error():
    try:
        raise ValueError(f"Found unknown categories ['{HUGE}'] in column 0")
    except ValueError:
        line = _log_line("the model failed", exc_info=sys.exc_info())

    assert len(line["traceback"]) < 10 * LOG_VALUE_LIMIT
    assert "ValueError: Found unknown categories" in line["traceback"]
    assert "truncated" in line["traceback"]


@pytest.mark.parametrize("port", ["99999", "0", "-1"])
def test_serve_refuses_a_port_outside_1_to_65535(port, capsys):
    status = main(["serve", "models/anything", "--port", port])

    error = capsys.readouterr().err
    assert status == 1
    assert error.count("\n") == 1 and "port must be from 1 to 65535" in error


def test_serve_refuses_fewer_than_one_worker(monkeypatch, capsys):
    monkeypatch.setenv("MODELYARD_WORKERS", "-3")

    status = main(["serve", "models/anything"])

    error = capsys.readouterr().err
    assert status == 1
    assert error.count("\n") == 1 and "workers must be at least 1" in error


@pytest.fixture
def served(monkeypatch) -> list[str]:
    """Stand in for the server: records what ``modelyard serve`` would serve."""
    models: list[str] = []
    monkeypatch.setattr(modelyard.serving, "serve", lambda model, **options: models.append(model))
    return models


def test_serve_serves_the_model_named_by_modelyard_serve_model(monkeypatch, served):
    monkeypatch.setenv("MODELYARD_SERVE_MODEL", "models/cancer@1")

    assert main(["serve"]) == 0
    assert served == ["models/cancer@1"]


def test_serve_does_not_take_its_model_from_modelyard_model(monkeypatch, served, capsys):
    monkeypatch.setenv("MODELYARD_MODEL", "models/cancer@1")

    status = main(["serve"])

    assert status == 1  # no project here to take the model from
    assert served == []
    assert capsys.readouterr().err.count("\n") == 1


def test_the_worker_factory_loads_modelyard_serve_model(monkeypatch, saved_classifier):
    monkeypatch.setenv("MODELYARD_SERVE_MODEL", saved_classifier)

    app = create_app_from_env()

    assert app.title == "cancer model"


def test_the_worker_factory_ignores_modelyard_model(monkeypatch, saved_classifier):
    monkeypatch.setenv("MODELYARD_MODEL", saved_classifier)

    with pytest.raises(ConfigError, match="MODELYARD_SERVE_MODEL"):
        create_app_from_env()
