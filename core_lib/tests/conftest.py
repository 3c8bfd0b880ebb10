"""Shared fixtures: datasets, estimators and an isolated working folder for every test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from modelyard import Model
from modelyard.data import demo_dataset


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run every test in its own empty folder, with no MODELYARD_* settings inherited."""
    for key in [k for k in os.environ if k.startswith("MODELYARD_")]:
        monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def binary_data():
    return demo_dataset("breast_cancer")


@pytest.fixture(scope="session")
def multiclass_data():
    return demo_dataset("iris")


@pytest.fixture(scope="session")
def regression_data():
    return demo_dataset("diabetes")


@pytest.fixture
def classifier() -> Model:
    return Model(make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)), name="cancer")


@pytest.fixture
def regressor() -> Model:
    return Model(LinearRegression(), name="diabetes")


@pytest.fixture
def trained_classifier(classifier: Model, binary_data) -> Model:
    return classifier.train(binary_data)
