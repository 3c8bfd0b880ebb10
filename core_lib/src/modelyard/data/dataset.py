"""The Dataset base class: where a model's training and prediction data come from."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from modelyard.exceptions import DataError

DEFAULT_TEST_SIZE = 0.25
"""Share of rows :meth:`Dataset.split` holds out when given none."""
DEFAULT_RANDOM_STATE = 42
"""Seed :meth:`Dataset.split` uses when given none."""

if TYPE_CHECKING:
    from modelyard.plots.accessors import DatasetPlots


@dataclass(frozen=True)
class Split:
    """A train/test split of a dataset."""

    x_train: pd.DataFrame
    x_test: pd.DataFrame
    y_train: pd.Series
    y_test: pd.Series


class Dataset(ABC):
    """Where a model's data comes from.

    Subclass it and implement two methods::

        class ChurnData(Dataset):
            def load_training_data(self):
                frame = pd.read_parquet("data/churn.parquet")
                return frame.drop(columns="churned"), frame["churned"]

            def load_prediction_data(self, customer_ids):
                ...

    The training data is loaded on first use of :attr:`x` or :attr:`y` and kept,
    so scoring and then training one dataset reads it once.
    """

    _cache: tuple[pd.DataFrame, pd.Series] | None = None

    @abstractmethod
    def load_training_data(self) -> tuple[pd.DataFrame, pd.Series]:
        """Return the features ``X`` (a DataFrame with named columns) and the target ``y``."""

    @abstractmethod
    def load_prediction_data(self, *args: Any, **kwargs: Any) -> pd.DataFrame:
        """Return the features of the rows to predict, selected by the arguments."""

    @property
    def x(self) -> pd.DataFrame:
        """The training features, loaded once."""
        return self._training_data()[0]

    @property
    def y(self) -> pd.Series:
        """The training target, loaded once."""
        return self._training_data()[1]

    @property
    def plot(self) -> DatasetPlots:
        """Plots of the training data, such as ``dataset.plot.target_association()``.

        See :class:`~modelyard.plots.accessors.DatasetPlots`.
        """
        from modelyard.plots.accessors import DatasetPlots

        return DatasetPlots(self)

    def _training_data(self) -> tuple[pd.DataFrame, pd.Series]:
        if self._cache is None:
            self._cache = _checked(*self.load_training_data(), source=type(self).__name__)
        return self._cache

    def split(
        self,
        *,
        test_size: float | None = None,
        random_state: int | None = None,
        stratify: bool = False,
    ) -> Split:
        """Split the training data into a train and a test part.

        Args:
            test_size: share of rows held out for testing, between 0 and 1;
                0.25 when None (the project layer passes the ``test_size`` setting).
            random_state: seed, so the same data always splits the same way; 42
                when None (the project layer passes the ``random_state`` setting).
            stratify: keep the target's class balance in both parts (for classifiers).
        """
        from sklearn.model_selection import train_test_split

        test_size = DEFAULT_TEST_SIZE if test_size is None else test_size
        random_state = DEFAULT_RANDOM_STATE if random_state is None else random_state
        if not 0 < test_size < 1:
            raise DataError(f"test_size must be between 0 and 1 (exclusive), not {test_size}")
        try:
            x_train, x_test, y_train, y_test = train_test_split(
                self.x,
                self.y,
                test_size=test_size,
                random_state=random_state,
                stratify=self.y if stratify else None,
            )
        except ValueError as error:
            # Too few rows, or a class too rare to appear in both parts.
            raise DataError(
                f"cannot split {len(self.x)} rows with test_size={test_size}: {error}"
            ) from None
        return Split(x_train, x_test, y_train, y_test)


def _checked(x: Any, y: Any, *, source: str) -> tuple[pd.DataFrame, pd.Series]:
    """Check what ``load_training_data`` returned, so mistakes surface here, named."""
    if not isinstance(x, pd.DataFrame):
        raise DataError(
            f"{source}.load_training_data() must return X as a pandas DataFrame with named "
            f"columns, not {type(x).__name__}; wrap arrays with pd.DataFrame(X, columns=[...])"
        )
    if len(x) == 0 or x.shape[1] == 0:
        raise DataError(f"{source}.load_training_data() returned no data (X has shape {x.shape})")
    if len(y) != len(x):
        raise DataError(
            f"{source}.load_training_data() returned {len(x)} rows of X but {len(y)} values of y"
        )
    y = y if isinstance(y, pd.Series) else pd.Series(np.asarray(y), index=x.index, name="target")
    return x, y
