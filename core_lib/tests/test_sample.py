"""A small sample of the training data, written to CSV and read back as a dataset."""

from __future__ import annotations

import pandas as pd
import pytest

from modelyard.config import load_settings
from modelyard.data import FileDataset
from modelyard.data.sample import sample_dataset, write_sample
from modelyard.exceptions import ConfigError, DataError
from modelyard.project import build_dataset


def test_a_sample_has_the_rows_asked_for_drawn_from_the_data(binary_data, workdir):
    path = write_sample(binary_data, workdir / "data" / "sample.csv", rows=50)

    sample = sample_dataset(path)
    assert len(sample.x) == 50
    assert list(sample.x.columns) == list(binary_data.x.columns)
    assert set(sample.x.index) <= set(range(len(binary_data.x)))


def test_a_sample_keeps_the_target_under_its_own_name_as_the_last_column(workdir):
    pd.DataFrame({"age": range(10), "churned": [0, 1] * 5}).to_csv("full.csv", index=False)

    path = write_sample(FileDataset("full.csv", target="churned"), "sample.csv", rows=4)

    assert list(pd.read_csv(path).columns) == ["age", "churned"]
    assert sample_dataset(path).target == "churned"


def test_a_target_without_a_name_is_called_target(regression_data, workdir):
    path = write_sample(regression_data, "sample.csv", rows=20)

    assert sample_dataset(path).target == "target"


def test_data_smaller_than_the_sample_is_kept_whole(multiclass_data, workdir):
    path = write_sample(multiclass_data, "sample.csv", rows=1000)

    assert len(sample_dataset(path).x) == len(multiclass_data.x)


def test_the_same_seed_draws_the_same_sample(binary_data, workdir):
    first = write_sample(binary_data, "a.csv", rows=30).read_text()

    assert write_sample(binary_data, "b.csv", rows=30).read_text() == first


def test_a_missing_sample_says_how_to_make_one(workdir):
    with pytest.raises(DataError, match="modelyard sample"):
        sample_dataset("data/sample.csv")


def test_a_sample_of_no_rows_is_refused(binary_data, workdir):
    with pytest.raises(DataError, match="at least one row"):
        write_sample(binary_data, "sample.csv", rows=0)


def test_data_sample_setting_makes_the_project_read_the_sample(workdir, monkeypatch):
    pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [0, 1, 0]}).to_csv("data.csv", index=False)
    (workdir / "pyproject.toml").write_text('[tool.modelyard]\nsample = "data.csv"\n')
    monkeypatch.setenv("MODELYARD_DATA", "sample")

    data = build_dataset(load_settings())

    assert data.y.tolist() == [0, 1, 0]


def test_data_setting_is_full_or_sample(workdir, monkeypatch):
    monkeypatch.setenv("MODELYARD_DATA", "some")

    with pytest.raises(ConfigError, match=r"full .* or sample"):
        load_settings()
