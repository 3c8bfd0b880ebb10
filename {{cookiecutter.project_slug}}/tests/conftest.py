"""Shared fixtures: the project's data, a trained model and an API client."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from modelyard import Model
from modelyard.serving import create_app

from {{ cookiecutter.package_name }}.data import ProjectData
from {{ cookiecutter.package_name }}.model import build_model


@pytest.fixture(autouse=True)
def _run_log_in_tmp(tmp_path, monkeypatch):
    """Keep run records and saved models made by tests out of the project."""
    monkeypatch.setenv("MODELYARD_RUN_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("MODELYARD_MODEL_DIR", str(tmp_path / "models"))


@pytest.fixture(scope="session")
def data() -> ProjectData:
    return ProjectData()


@pytest.fixture
def trained_model(data: ProjectData) -> Model:
    return build_model().train(data)


@pytest.fixture
def client(trained_model: Model) -> TestClient:
    return TestClient(create_app(trained_model))
