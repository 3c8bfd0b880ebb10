"""Batch scoring of a partitioned Parquet dataset as a Dask dataframe.

``modelyard predict MODEL --input PARQUET_DIR --output DIR --scheduler ADDR``
reads the input folder as a Dask dataframe, predicts each partition on the
cluster's workers, and writes one Parquet part per partition. The output is
written to a temporary folder beside ``DIR`` and renamed into place only when
every partition is done, so a failure leaves no half-written output. Without a
scheduler the same partitions run on this machine's threads. Progress is counted
in partitions, each when its future completes (``as_completed``, no polling).

Needs the ``dask`` extra: ``pip install 'modelyard[dask]'``.
"""

from __future__ import annotations

import concurrent.futures
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from modelyard import atomicio
from modelyard.exceptions import DataError, ModelyardError, SchemaError
from modelyard.model import Model
from modelyard.parallel import DASK_EXTRA, connect
from modelyard.progress import Progress
from modelyard.scoring import PREDICTION_COLUMN, add_predictions, probability_columns, ready_model


def predict_partitioned(
    model: Model | str | Path,
    input: str | Path,
    output: str | Path,
    *,
    scheduler: str | None = None,
    probabilities: bool = False,
    progress: Callable[[int, int | None], None] | None = None,
    quiet: bool = False,
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
        progress: called as each partition is written, with the partitions done
            and their total; by default :class:`~modelyard.progress.Progress`
            on stderr.
        quiet: show no progress (when ``progress`` is not given).

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
        report = progress or Progress("scored", scored.npartitions, unit="partitions", quiet=quiet)
        try:
            return _write(scored, target, client, report)
        finally:
            if isinstance(report, Progress):
                report.close()
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


def write_partition(partition: pd.DataFrame, path: str) -> int:
    """Write one scored partition as a Parquet part; its row count. Runs on a worker."""
    partition.to_parquet(path, index=False)
    return len(partition)


def _write(
    scored: Any, target: Path, client: Any, report: Callable[[int, int | None], None]
) -> int:
    """Write every partition as ``part.N.parquet`` into a staged folder; the rows written."""
    from dask import delayed

    parts = scored.to_delayed()
    rows = 0
    with atomicio.staged(target, folder=True) as temporary:
        temporary.mkdir()
        folder = temporary.resolve()  # workers have working folders of their own
        writes = [
            delayed(write_partition)(part, str(folder / f"part.{number}.parquet"))
            for number, part in enumerate(parts)
        ]
        with _running(writes, client) as completed:
            for done, future in enumerate(completed, start=1):
                rows += future.result()  # a worker's error is raised here, as it was raised
                report(done, len(writes))
        _one_schema(sorted(folder.glob("part.*.parquet")))
    return rows


def _one_schema(parts: list[Path]) -> None:
    """Give every part the schema of the whole, as Dask's own writer does.

    Each part is written alone, so a column that is all null in one part (no
    note for any of its rows, say) is typed ``null`` there; a reader that takes
    the first part's schema then cannot read the others. Such parts are
    rewritten with the type the other parts have.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    schemas = [pq.read_schema(part) for part in parts]
    if not schemas:
        return
    unified = pa.unify_schemas(schemas, promote_options="permissive").remove_metadata()
    # A part that already has every type keeps its pandas metadata for the rewritten ones.
    target = next((s for s in schemas if s.remove_metadata().equals(unified)), unified)
    for part, schema in zip(parts, schemas, strict=True):
        if not schema.remove_metadata().equals(unified):
            pq.write_table(pq.read_table(part).cast(target), part)


@contextmanager
def _running(tasks: list[Any], client: Any) -> Iterator[Iterator[Any]]:
    """Start every task; yield their futures in the order they complete, cancel the rest at exit.

    On a cluster they are Dask futures (``distributed.as_completed``); without
    one, each task runs on one of this machine's threads (as Dask's local
    scheduler would) and they are ``concurrent.futures`` futures.
    """
    if client is not None:
        from distributed import as_completed

        futures = client.compute(tasks)
        try:
            yield as_completed(futures, loop=client.loop)
        finally:
            client.cancel(futures)
        return
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
        local = [pool.submit(task.compute, scheduler="sync") for task in tasks]
        try:
            yield concurrent.futures.as_completed(local)
        finally:
            for future in local:
                future.cancel()


def _dask_dataframe() -> Any:
    try:
        import dask.dataframe as dd
    except ImportError:
        raise ModelyardError(
            f"scoring a partitioned dataset needs Dask, which is not installed; run {DASK_EXTRA}"
        ) from None
    return dd
