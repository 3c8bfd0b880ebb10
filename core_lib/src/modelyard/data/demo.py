"""Demo datasets: scikit-learn's bundled data and palmerpenguins; no downloads, no files.

``penguins`` is a real table with string columns and missing values (from the
palmerpenguins package, a dependency of modelyard), so it shows how a pipeline
that imputes and encodes, and the data contract, behave on real data.
"""

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
        "linnerud": datasets.load_linnerud,
        "wine": datasets.load_wine,
        "penguins": _penguins,
    }


def _penguins(as_frame: bool = True) -> Any:
    from palmerpenguins import load_penguins
    from sklearn.utils import Bunch

    table = load_penguins()
    return Bunch(data=table.drop(columns="species"), target=table["species"])


#: Names accepted by :func:`demo_dataset`: every table scikit-learn ships with its
#: installation (``load_files``, ``load_svmlight_file`` and the sample images read
#: your own files or are not tables, so they are not here), and ``penguins``:
#: 344 penguins, their species as the target, with strings and missing values.
DEMO_DATASETS = ("breast_cancer", "diabetes", "digits", "iris", "linnerud", "wine", "penguins")

#: The target columns of linnerud, the one dataset with several; the first is the default.
LINNERUD_TARGETS = ("Weight", "Waist", "Pulse")


class DemoDataset(Dataset):
    """One of scikit-learn's bundled datasets as a modelyard :class:`Dataset`.

    Args:
        name: one of :data:`~modelyard.data.DEMO_DATASETS`.
        target: for ``linnerud`` only, which of
            :data:`~modelyard.data.demo.LINNERUD_TARGETS` to predict.
    """

    def __init__(self, name: str, target: str | None = None) -> None:
        if name not in DEMO_DATASETS:
            raise DataError(
                f"unknown demo dataset '{name}'; choose one of: {', '.join(DEMO_DATASETS)}"
            )
        if name == "linnerud":
            target = target or LINNERUD_TARGETS[0]
            if target not in LINNERUD_TARGETS:
                raise DataError(
                    f"linnerud has no target '{target}'; choose one of: "
                    f"{', '.join(LINNERUD_TARGETS)}"
                )
        elif target is not None:
            raise DataError(f"demo dataset '{name}' has one target; do not pass target=")
        self.name = name
        self.target = target

    def load_training_data(self) -> tuple[pd.DataFrame, pd.Series]:
        """Return the dataset's features and target."""
        bunch = _loaders()[self.name](as_frame=True)
        if self.target is not None:
            return bunch.data, bunch.target[self.target]
        return bunch.data, bunch.target

    def load_prediction_data(self, n_rows: int = 5) -> pd.DataFrame:
        """Return the first ``n_rows`` rows of features, to try predictions on."""
        return self.x.head(n_rows)

    def __repr__(self) -> str:
        return f"demo_dataset({self.name!r})"


def demo_dataset(name: str, target: str | None = None) -> DemoDataset:
    """Return scikit-learn's bundled dataset ``name`` (see :data:`~modelyard.data.DEMO_DATASETS`).

    >>> data = demo_dataset("iris")
    >>> data.x.shape
    (150, 4)
    >>> demo_dataset("linnerud", target="Pulse").y.name
    'Pulse'
    >>> int(demo_dataset("penguins").x["sex"].isna().sum())
    11
    """
    return DemoDataset(name, target)
