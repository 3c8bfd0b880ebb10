"""Shared fixtures: the project's data and a trained model{% if cookiecutter.include_api %}, and an API client{% endif %}."""

from __future__ import annotations

import pytest
{%- if cookiecutter.include_api %}
from fastapi.testclient import TestClient
{%- endif %}
from modelyard import Model
from modelyard.config import Settings, load_settings
from modelyard.data import Dataset
from modelyard.project import build_dataset, build_model
{%- if cookiecutter.include_api %}
from modelyard.serving import create_app
{%- endif %}


@pytest.fixture(autouse=True)
def _run_log_in_tmp(tmp_path, monkeypatch):
    """Keep run records and saved models made by tests out of the project."""
    monkeypatch.setenv("MODELYARD_RUN_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("MODELYARD_MODEL_DIR", str(tmp_path / "models"))


@pytest.fixture(scope="session")
def data() -> Dataset:
    """The project's data, or the committed sample when MODELYARD_DATA=sample (as in CI)."""
    return build_dataset(load_settings(required=True))


@pytest.fixture
def settings(_run_log_in_tmp) -> Settings:
    """The project's settings (pyproject.toml); modelyard's methods take them as an argument."""
    return load_settings(required=True)


@pytest.fixture
def model(settings: Settings) -> Model:
    """A new model from the project's factory, with the project's name and data contract."""
    return build_model(settings)


@pytest.fixture
def trained_model(model: Model, data: Dataset, settings: Settings) -> Model:
    return model.train(data, settings=settings)

{%- if cookiecutter.include_api %}


@pytest.fixture
def client(trained_model: Model) -> TestClient:
    return TestClient(create_app(trained_model))
{%- endif %}
