"""Tables with a target column: the shared part of file and SQL datasets."""

from __future__ import annotations

from abc import abstractmethod

import pandas as pd

from modelyard.data.dataset import Dataset
from modelyard.exceptions import DataError


class TabularDataset(Dataset):
    """A dataset read as one table, whose ``target`` column is what the model predicts.

    Subclasses implement :meth:`read_frame` and :meth:`describe`; this class
    turns the table into features and target, with an error naming what is
    wrong when it cannot.

    Args:
        target: name of the column to predict.
    """

    def __init__(self, target: str) -> None:
        if not isinstance(target, str) or not target:
            raise DataError(f"target must be the name of a column, not {target!r}")
        self.target = target

    @abstractmethod
    def read_frame(self) -> pd.DataFrame:
        """Read the whole table; raise :class:`~modelyard.exceptions.DataError` if it cannot."""

    @abstractmethod
    def describe(self) -> str:
        """Where the table comes from, for messages (never with a password in it)."""

    def load_training_data(self) -> tuple[pd.DataFrame, pd.Series]:
        """Read the table and split it into features and the target column."""
        frame = self.read_frame()
        source = self.describe()
        if frame.empty:
            raise DataError(f"{source} has no rows; there is nothing to train on")
        if self.target not in frame.columns:
            raise DataError(
                f"{source} has no target column '{self.target}'; its columns are: "
                f"{', '.join(map(str, frame.columns))}"
            )
        features = frame.drop(columns=self.target)
        if features.shape[1] == 0:
            raise DataError(f"{source} has only the target column '{self.target}'; no features")
        missing = int(frame[self.target].isna().sum())
        if missing:
            raise DataError(
                f"{source}: the target column '{self.target}' has {missing} missing "
                "values; drop or fill those rows before training"
            )
        return features, frame[self.target]

    def load_prediction_data(self, n_rows: int | None = None) -> pd.DataFrame:
        """Return the features of the table (the first ``n_rows`` rows when given)."""
        return self.x if n_rows is None else self.x.head(n_rows)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.describe()}, target={self.target!r}>"
