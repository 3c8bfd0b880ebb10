"""Batch scoring of a partitioned Parquet dataset as a Dask dataframe.

``modelyard predict MODEL --input PARQUET_DIR --output DIR --scheduler ADDR``
reads the input folder as a Dask dataframe, predicts each partition on the
cluster's workers, and writes one Parquet part per partition. The output is
written to a temporary folder beside ``DIR`` and renamed into place only when
every partition is done, so a failure leaves no half-written output. Without a
scheduler the same graph runs on this machine (Dask's threads).

Needs the ``dask`` extra: ``pip install 'modelyard[dask]'``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from modelyard import atomicio
from modelyard.exceptions import DataError, ModelyardError, SchemaError
from modelyard.model import Model
from modelyard.parallel import DASK_EXTRA, connect
from modelyard.scoring import PREDICTION_COLUMN, add_predictions, probability_columns, ready_model


def predict_partitioned(
    model: Model | str | Path,
    input: str | Path,
    output: str | Path,
    *,
    scheduler: str | None = None,
    probabilities: bool = False,
) -> int:
    """Score every row of the Parquet dataset ``input`` into the Parquet folder ``output``.

    Args:
        model: a trained :class:`~modelyard.model.Model`, or what
            :func:`~modelyard.store.load_model` accepts.
        input: a folder of Parquet files (one dataset, in parts) or one Parquet file;
            columns besides the model's features are passed through.
        output: the folder to create; it must not exist yet.
        scheduler: a Dask scheduler address; None runs on this machine.
        probabilities: add a ``probability_<class>`` column per class (classifiers).

    Returns:
        the number of rows scored.
    """
    dd = _dask_dataframe()
    model = ready_model(model, probabilities=probabilities)
    assert model.schema is not None
    source, target = Path(input), Path(output)
    if not source.exists():
        raise DataError(f"input {source} does not exist; give a folder of Parquet files")
    if target.exists():
        raise ModelyardError(f"output {target} already exists; choose a new folder")
    client = connect(scheduler) if scheduler else None  # before reading anything
    try:
        try:
            frame = dd.read_parquet(str(source))
        except (OSError, ValueError) as error:
            raise DataError(f"cannot read {source} as Parquet: {error}") from None
        missing = [name for name in model.schema.names if name not in frame.columns]
        if missing:
            raise SchemaError(f"{source} lacks the model's feature column(s) {', '.join(missing)}")
        scored = frame.map_partitions(
            score_partition, model, probabilities, meta=_meta(frame._meta, model, probabilities)
        )
        return _write(scored, target, client)
    finally:
        if client is not None:
            client.close()


def score_partition(partition: pd.DataFrame, model: Model, probabilities: bool) -> pd.DataFrame:
    """One partition with its predictions (and probabilities) added; runs on a worker."""
    try:
        return add_predictions(partition.copy(), model, probabilities=probabilities)
    except (ValueError, TypeError) as error:
        raise DataError(
            f"the model failed on a partition of {len(partition)} rows: {error}"
        ) from None


def _meta(empty: pd.DataFrame, model: Model, probabilities: bool) -> pd.DataFrame:
    meta = empty.copy()
    kind = np.asarray(model.classes).dtype if model.classes is not None else np.float64
    meta[PREDICTION_COLUMN] = pd.Series(dtype=kind)
    if probabilities:
        for name in probability_columns(model):
            meta[name] = pd.Series(dtype=np.float64)
    return meta


def _write(scored: Any, target: Path, client: Any) -> int:
    options = {"scheduler": client} if client is not None else {}
    with atomicio.staged(target, folder=True) as temporary:
        scored.to_parquet(str(temporary), write_index=False, compute_kwargs=options)
        rows = _rows(temporary)
    return rows


def _rows(folder: Path) -> int:
    """Rows written, from the Parquet footers (no data is read back)."""
    import pyarrow.parquet as pq

    return sum(pq.read_metadata(path).num_rows for path in folder.glob("*.parquet"))


def _dask_dataframe() -> Any:
    try:
        import dask.dataframe as dd
    except ImportError:
        raise ModelyardError(
            f"scoring a partitioned dataset needs Dask, which is not installed; run {DASK_EXTRA}"
        ) from None
    return dd
