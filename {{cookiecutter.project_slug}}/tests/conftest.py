"""Shared fixtures: the project's data and a trained model{% if cookiecutter.include_api %}, and an API client{% endif %}."""

from __future__ import annotations

import pytest
{%- if cookiecutter.include_api %}
from fastapi.testclient import TestClient
{%- endif %}
from modelyard import Model
from modelyard.config import load_settings
from modelyard.data import Dataset
{%- if cookiecutter.include_api %}
from modelyard.serving import create_app
{%- endif %}

from {{ cookiecutter.package_name }}.model import build_model


@pytest.fixture(autouse=True)
def _run_log_in_tmp(tmp_path, monkeypatch):
    """Keep run records and saved models made by tests out of the project."""
    monkeypatch.setenv("MODELYARD_RUN_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("MODELYARD_MODEL_DIR", str(tmp_path / "models"))


@pytest.fixture(scope="session")
def data() -> Dataset:
    """The project's data, or the committed sample when MODELYARD_DATA=sample (as in CI)."""
    return load_settings(required=True).build_dataset()


@pytest.fixture
def trained_model(data: Dataset) -> Model:
    return build_model().train(data)

{%- if cookiecutter.include_api %}


@pytest.fixture
def client(trained_model: Model) -> TestClient:
    return TestClient(create_app(trained_model))
{%- endif %}
