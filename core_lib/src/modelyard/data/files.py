"""FileDataset: training data in a CSV or Parquet file (a local path or any fsspec URL)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from modelyard.data.tabular import TabularDataset
from modelyard.exceptions import DataError

#: File name endings :class:`FileDataset` reads, and the format of each.
FILE_FORMATS = {
    ".csv": "csv",
    ".csv.gz": "csv",
    ".csv.bz2": "csv",
    ".csv.zip": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}


class FileDataset(TabularDataset):
    """A CSV or Parquet file, with one column as the target.

    >>> import pandas as pd
    >>> from modelyard.data import FileDataset
    >>> pd.DataFrame({"age": [30, 40], "churned": [0, 1]}).to_csv("customers.csv", index=False)
    >>> data = FileDataset("customers.csv", target="churned")
    >>> list(data.x.columns), data.y.tolist()
    (['age'], [0, 1])

    Args:
        path: the file; its ending (``.csv``, ``.parquet``, see
            :data:`~modelyard.data.FILE_FORMATS`) says how to read it. A URL such as
            ``s3://bucket/data.parquet`` works when the matching fsspec package is installed.
        target: name of the column to predict.
        read_options: extra keyword arguments for :func:`pandas.read_csv` or
            :func:`pandas.read_parquet`.
    """

    def __init__(
        self, path: str | Path, *, target: str, read_options: dict[str, Any] | None = None
    ) -> None:
        super().__init__(target)
        self.path = str(path)
        self.format = _format_of(self.path)
        self.read_options = dict(read_options or {})

    def describe(self) -> str:
        """The file, for messages."""
        return f"file '{self.path}'"

    def read_frame(self) -> pd.DataFrame:
        """Read the whole file."""
        reader: Callable[..., pd.DataFrame] = (
            pd.read_csv if self.format == "csv" else pd.read_parquet
        )
        try:
            return reader(self.path, **self.read_options)
        except FileNotFoundError:
            raise DataError(f"no such file: '{self.path}'; check the path") from None
        except pd.errors.EmptyDataError:
            raise DataError(f"file '{self.path}' is empty; there is nothing to train on") from None
        except ImportError as error:
            raise DataError(
                f"cannot read '{self.path}': {error}. Install the package it names "
                "(pyarrow for Parquet, s3fs for s3:// URLs)"
            ) from None
        except Exception as error:
            raise DataError(
                f"cannot read '{self.path}' as {self.format.upper()}: "
                f"{type(error).__name__}: {error}"
            ) from None


def _format_of(path: str) -> str:
    lower = path.lower()
    for ending, kind in sorted(FILE_FORMATS.items(), key=lambda item: -len(item[0])):
        if lower.endswith(ending):
            return kind
    raise DataError(
        f"cannot tell the format of '{path}' from its name; FileDataset reads files "
        f"ending in {', '.join(FILE_FORMATS)}"
    )
