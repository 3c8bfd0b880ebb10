"""Demo datasets over scikit-learn's bundled data: no downloads, no files of your own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from modelyard.data.dataset import Dataset
from modelyard.exceptions import DataError


def _loaders() -> dict[str, Callable[..., Any]]:
    from sklearn import datasets

    return {
        "breast_cancer": datasets.load_breast_cancer,
        "diabetes": datasets.load_diabetes,
        "digits": datasets.load_digits,
        "iris": datasets.load_iris,
        "wine": datasets.load_wine,
    }


#: Names accepted by :func:`demo_dataset`.
DEMO_DATASETS = ("breast_cancer", "diabetes", "digits", "iris", "wine")


class DemoDataset(Dataset):
    """One of scikit-learn's bundled datasets as a modelyard :class:`Dataset`."""

    def __init__(self, name: str) -> None:
        if name not in DEMO_DATASETS:
            raise DataError(
                f"unknown demo dataset '{name}'; choose one of: {', '.join(DEMO_DATASETS)}"
            )
        self.name = name

    def load_training_data(self) -> tuple[pd.DataFrame, pd.Series]:
        """Return the dataset's features and target."""
        bunch = _loaders()[self.name](as_frame=True)
        return bunch.data, bunch.target

    def load_prediction_data(self, n_rows: int = 5) -> pd.DataFrame:
        """Return the first ``n_rows`` rows of features, to try predictions on."""
        return self.x.head(n_rows)

    def __repr__(self) -> str:
        return f"demo_dataset({self.name!r})"


def demo_dataset(name: str) -> DemoDataset:
    """Return scikit-learn's bundled dataset ``name`` (see :data:`DEMO_DATASETS`).

    >>> data = demo_dataset("iris")
    >>> data.x.shape
    (150, 4)
    """
    return DemoDataset(name)
