"""The committed data sample (``make sample``) that the tests and CI train on.

With ``MODELYARD_DATA=sample`` the ``data`` fixture, ``modelyard train`` and ``modelyard
score`` read ``data/sample.csv`` instead of the full data, so CI needs no credentials for
it. These tests keep the sample honest: it must still fit the model's data contract.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from modelyard import load_model
from modelyard.config import load_settings
from modelyard.data.sample import sample_dataset

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sample():
    path = load_settings(PROJECT, required=True).sample
    if not path.is_file():
        pytest.skip(f"no data sample at {path}: run `make sample` and commit it")
    return sample_dataset(path)


def test_sample_has_the_columns_and_kinds_the_model_learns_from(trained_model, sample):
    trained_model.schema.validate(sample.x)


def test_sample_has_no_target_value_the_model_has_not_seen(trained_model, sample):
    if trained_model.classes is not None:
        assert set(sample.y.astype(str)) <= set(map(str, trained_model.classes))


def test_sample_still_fits_the_latest_saved_model(sample):
    saved = PROJECT / "models" / "{{ cookiecutter.project_slug }}"
    if not saved.is_dir():
        pytest.skip("no model saved yet: `make train` saves one")

    load_model(str(saved)).schema.validate(sample.x)
