"""A small sample of a project's training data, committed so tests and CI can train on it.

The full data stays where it lives (a database, an object store, a file share), read
with credentials CI gets from its secrets. CI trains on a few hundred rows of it instead,
kept in git as a CSV file: ``modelyard sample`` writes it, and ``MODELYARD_DATA=sample``
(or ``data = "sample"`` in ``[tool.modelyard]``) makes ``train``, ``score`` and the
project's tests read it in place of the dataset class.

>>> import pandas as pd
>>> from modelyard.data import FileDataset
>>> from modelyard.data.sample import sample_dataset, write_sample
>>> frame = pd.DataFrame({"age": range(500), "churned": [0, 1] * 250})
>>> frame.to_csv("customers.csv", index=False)
>>> write_sample(FileDataset("customers.csv", target="churned"), "sample.csv", rows=50)
PosixPath('sample.csv')
>>> sample = sample_dataset("sample.csv")
>>> len(sample.x), sample.target
(50, 'churned')
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from modelyard.data.dataset import Dataset
from modelyard.data.files import FileDataset
from modelyard.exceptions import DataError

#: Rows in a sample unless asked otherwise; enough to train and test, small enough for git.
SAMPLE_ROWS = 200
#: The target column's name in a sample when the dataset's target has no name.
DEFAULT_TARGET = "target"


def write_sample(
    data: Dataset, path: str | Path, *, rows: int = SAMPLE_ROWS, random_state: int = 42
) -> Path:
    """Write ``rows`` rows drawn at random from ``data`` to the CSV file ``path``.

    The features come first and the target is the last column, under its own name
    (``target`` when it has none), as :func:`sample_dataset` reads it back. Every row is
    kept when ``data`` has fewer. Returns ``path``.
    """
    if rows < 1:
        raise DataError(f"a sample needs at least one row, not {rows}; ask for e.g. 200")
    x, y = data.x, data.y
    target = str(y.name) if y.name is not None else DEFAULT_TARGET
    if target in x.columns:
        raise DataError(
            f"the target's name '{target}' is also a feature's; rename one of them in the dataset"
        )
    frame = x.assign(**{target: y.to_numpy()})
    if len(frame) > rows:
        frame = frame.sample(n=rows, random_state=random_state).sort_index()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path


def sample_dataset(path: str | Path) -> FileDataset:
    """The sample at ``path`` (written by :func:`write_sample`) as a dataset.

    Its last column is the target.
    """
    if not Path(path).is_file():
        raise DataError(
            f"there is no data sample at {path}; write one with `modelyard sample` "
            "(make sample) and commit it"
        )
    columns = pd.read_csv(path, nrows=0).columns
    if len(columns) < 2:
        raise DataError(f"the data sample {path} needs feature columns and a target column")
    return FileDataset(path, target=str(columns[-1]))
