from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from modelyard import DataError
from modelyard.config import load_settings
from modelyard.data import DEMO_DATASETS, Dataset, demo_dataset
from modelyard.project import split_options


class CountingData(Dataset):
    def __init__(self, x=None, y=None):
        self.loads = 0
        self._x = pd.DataFrame({"a": range(100)}) if x is None else x
        self._y = pd.Series([0, 1] * 50) if y is None else y

    def load_training_data(self):
        self.loads += 1
        return self._x, self._y

    def load_prediction_data(self):
        return self._x


def test_training_data_is_loaded_on_first_use_and_only_once():
    data = CountingData()
    assert data.loads == 0

    data.x, data.y, data.split()

    assert data.loads == 1


def test_split_is_the_same_for_the_same_seed():
    first, second = CountingData().split(random_state=3), CountingData().split(random_state=3)

    assert first.x_test.index.equals(second.x_test.index)


def test_stratified_split_keeps_the_class_balance():
    y = pd.Series([0] * 90 + [1] * 10)
    split = CountingData(pd.DataFrame({"a": range(100)}), y).split(test_size=0.2, stratify=True)

    assert split.y_test.sum() == 2


@pytest.mark.parametrize("test_size", [0, 1, 1.5])
def test_split_rejects_a_test_size_outside_zero_to_one(test_size):
    with pytest.raises(DataError, match="test_size"):
        CountingData().split(test_size=test_size)


def test_features_given_as_an_array_are_refused_with_how_to_fix():
    data = CountingData(x=np.zeros((4, 2)), y=[0, 1, 0, 1])

    with pytest.raises(DataError, match=r"pd.DataFrame\(X, columns="):
        _ = data.x


def test_empty_training_data_is_refused():
    with pytest.raises(DataError, match="no data"):
        _ = CountingData(x=pd.DataFrame({"a": []}), y=[]).x


def test_a_target_of_another_length_is_refused():
    with pytest.raises(DataError, match="100 rows of X but 3 values of y"):
        _ = CountingData(y=[0, 1, 0]).y


@pytest.mark.parametrize("name", DEMO_DATASETS)
def test_every_demo_dataset_loads_features_and_a_target(name):
    data = demo_dataset(name)

    assert len(data.x) == len(data.y) > 0
    assert len(data.load_prediction_data(3)) == 3


def test_an_unknown_demo_dataset_lists_the_known_ones():
    with pytest.raises(DataError, match="iris"):
        demo_dataset("titanic")


def test_demo_datasets_cover_every_table_scikit_learn_ships():
    from sklearn import datasets

    # load_files, load_svmlight_file(s) read your own files; the sample images are not tables.
    not_tables = {"files", "svmlight_file", "svmlight_files", "sample_image", "sample_images"}
    bundled = {n.removeprefix("load_") for n in dir(datasets) if n.startswith("load_")}

    assert set(DEMO_DATASETS) - {"penguins"} == bundled - not_tables


def test_linnerud_predicts_one_of_its_three_targets():
    assert demo_dataset("linnerud").y.name == "Weight"
    assert demo_dataset("linnerud", target="Pulse").y.name == "Pulse"


def test_an_unknown_linnerud_target_lists_the_known_ones():
    with pytest.raises(DataError, match="choose one of: Weight, Waist, Pulse"):
        demo_dataset("linnerud", target="Height")


def test_a_target_for_a_single_target_dataset_is_refused():
    with pytest.raises(DataError, match="has one target"):
        demo_dataset("iris", target="species")


def test_the_project_layer_passes_test_size_and_seed_to_split(workdir):
    (workdir / "pyproject.toml").write_text("[tool.modelyard]\ntest_size = 0.1\nrandom_state = 3\n")

    split = CountingData().split(**split_options(load_settings()))

    assert len(split.x_test) == 10
    assert split.x_test.index.equals(
        CountingData().split(test_size=0.1, random_state=3).x_test.index
    )


def test_split_ignores_a_pyproject_in_the_folder(workdir):
    (workdir / "pyproject.toml").write_text("[tool.modelyard]\ntest_size = 0.1\nrandom_state = 3\n")

    split = CountingData().split()

    assert len(split.x_test) == 25
    assert split.x_test.index.equals(
        CountingData().split(test_size=0.25, random_state=42).x_test.index
    )


def test_a_class_too_rare_to_stratify_is_a_data_error():
    y = pd.Series([0] * 99 + [1])

    with pytest.raises(DataError, match="cannot split 100 rows"):
        CountingData(pd.DataFrame({"a": range(100)}), y).split(stratify=True)
