"""The data the model learns from and predicts on.

Until you replace it, the training data is the Palmer penguins table (from the
palmerpenguins package): real data, with text columns and missing values, so
the project trains and serves with no data of your own. To use yours, make
``load_training_data`` return your features and target, for example::

    frame = pd.read_parquet("data/training.parquet")
    return frame.drop(columns="label"), frame["label"]
"""

from __future__ import annotations

import pandas as pd
from modelyard.data import Dataset, demo_dataset


class ProjectData(Dataset):
    """Training and prediction data of this project."""

    def load_training_data(self) -> tuple[pd.DataFrame, pd.Series]:
        """Return the features ``X`` and the target ``y`` (the species) to train on."""
        return demo_dataset("penguins").load_training_data()

    def load_prediction_data(self, path: str) -> pd.DataFrame:
        """Return the rows to predict, read from a CSV file with the training columns."""
        return pd.read_csv(path)
