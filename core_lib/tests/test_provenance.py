from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from modelyard import Model
from modelyard.data import Dataset
from modelyard.provenance import RowHashes, data_fingerprint


class Frames(Dataset):
    """Mixed dtypes, missing values and a shuffled index: what real tables look like."""

    def __init__(self, index: np.ndarray) -> None:
        rng = np.random.default_rng(1)
        n = len(index)
        self.frame = pd.DataFrame(
            {
                "number": rng.normal(size=n),
                "count": rng.integers(0, 9, n),
                "word": rng.choice(["a", "b", None], n),
                "kind": pd.Categorical(rng.choice(["u", "v"], n)),
            },
            index=index,
        )
        self.target = pd.Series(rng.choice([0, 1], n), index=index, name="y")

    def load_training_data(self) -> tuple[pd.DataFrame, pd.Series]:
        return self.frame, self.target

    def load_prediction_data(self) -> pd.DataFrame:
        return self.frame


@pytest.fixture
def frames() -> Frames:
    return Frames(np.random.default_rng(2).permutation(300) * 3 + 7)


def test_the_fingerprint_of_known_data_never_changes():
    # Model cards and run records keep fingerprints: the same data must keep giving this one.
    x = pd.DataFrame({"a": [1.5, -2.0, 3.25], "b": ["x", "y", "z"]})

    assert data_fingerprint(x, [0, 1, 0]) == (
        "d5669dde9585ee4729580459650f52ad8002fb2f16d4b4395a2d7a5a61db893d"
    )


def test_row_hashes_fingerprint_a_subset_of_rows_as_data_fingerprint_does(frames):
    rows = np.random.default_rng(3).permutation(300)[:200]

    assert RowHashes(frames.x, frames.y).fingerprint(rows) == data_fingerprint(
        frames.x.iloc[rows], frames.y.iloc[rows]
    )


def test_row_hashes_fingerprint_the_whole_table_as_data_fingerprint_does(frames):
    assert RowHashes(frames.x, frames.y).fingerprint() == data_fingerprint(frames.x, frames.y)


def _numeric(data: Frames) -> Frames:
    data.frame = data.frame[["number", "count"]]
    return data


def test_a_scored_model_keeps_the_fingerprint_of_its_training_split(frames, tmp_path):
    model = Model(LogisticRegression())
    result = model.score(_numeric(frames), run_dir=tmp_path)

    split = result.split
    assert model.data_fingerprint == data_fingerprint(split.x_train, split.y_train)


def test_a_scored_model_on_a_table_with_repeated_index_labels_fingerprints_its_split(tmp_path):
    data = _numeric(Frames(np.repeat(np.arange(100), 3)))
    model = Model(LogisticRegression())
    result = model.score(data, run_dir=tmp_path)

    split = result.split
    assert model.data_fingerprint == data_fingerprint(split.x_train, split.y_train)
