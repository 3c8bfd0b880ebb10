"""Batch scoring: predictions for a CSV or Parquet file too large to hold in memory.

The input is read in chunks (pandas' ``chunksize`` for CSV, pyarrow's
``iter_batches`` for Parquet), each chunk is checked against the feature schema
and predicted, and the answers are appended to a temporary file beside the
output, which is renamed into place only when every row is done: a failure
leaves no half-written output.

Nothing is lost on the way: an output that is the input file (through a
symlink or ``./`` too) is refused before anything is read, and so is an input
that already has the prediction column; in a CSV, columns that are not numeric
features (ids, say) are read and written as text, so ``0000000`` stays
``0000000``.

>>> predict_file("models/churn", "customers.parquet", "scores.parquet")  # doctest: +SKIP
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from modelyard.exceptions import ConfigError, DataError, ModelyardError, SchemaError
from modelyard.model import Model
from modelyard.schema import FeatureSchema

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
DEFAULT_CHUNK_ROWS = 50_000
PREDICTION_COLUMN = "prediction"
#: Bytes of a Parquet column chunk read at a time. pandas writes up to a million rows per
#: row group, and pyarrow by default reads a whole row group's columns before the first batch.
READ_BUFFER_BYTES = 1 << 20
#: The texts a CSV's feature column reads as missing (pandas' defaults); other columns keep them.
MISSING_TEXTS = (
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
)  # fmt: skip


def predict_file(
    model: Model | str | Path,
    input: str | Path,
    output: str | Path,
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    probabilities: bool = False,
    progress: Callable[[int, int | None], None] | None = None,
    prediction_column: str = PREDICTION_COLUMN,
) -> int:
    """Write ``input``'s rows with a ``prediction`` column (and probabilities) to ``output``.

    Args:
        model: a trained :class:`~modelyard.model.Model` or what ``load_model`` accepts.
        input: a ``.csv`` or ``.parquet`` file with at least the model's features;
            other columns (ids, say) are passed through to the output.
        output: a ``.csv`` or ``.parquet`` file to create (replaced if it exists).
        chunk_rows: rows read, predicted and written at a time; memory use
            follows this, not the file's size.
        probabilities: add a ``probability_<class>`` column per class (classifiers).
        progress: called after each chunk with the rows done and the total
            (None when unknown); by default a line on stderr when it is a terminal.
        prediction_column: the name of the column of predictions; an input that
            already has a column of this name is refused, not overwritten.

    Returns:
        the number of rows scored.

    Raises:
        SchemaError: a feature column is missing or wrongly typed, naming the
            column and the rows where it was found.
        DataError: the input cannot be read, or the model fails on a chunk.
        ConfigError: the output is the input file, or its folder does not exist.
    """
    if not isinstance(model, Model):
        from modelyard.store import load_model

        model = load_model(model)
    if model.schema is None:
        raise ModelyardError("only a trained model can predict; train or load it first")
    source, target = Path(input), Path(output)
    in_format, out_format = _format(source, "input"), _format(target, "output")
    if not source.is_file():
        raise DataError(f"input file {source} does not exist")
    if target.resolve() == source.resolve():
        raise ConfigError(
            f"the output {target} is the input file; choose another output so the input is kept"
        )
    if not target.parent.is_dir():
        raise ConfigError(
            f"the output folder {target.parent} does not exist; create it or choose another output"
        )
    if probabilities and not callable(getattr(model.estimator, "predict_proba", None)):
        raise ModelyardError(f"{model} gives no probabilities; leave out --probabilities")
    if chunk_rows < 1:
        raise ModelyardError(f"chunk_rows must be at least 1, not {chunk_rows}")
    if in_format == "csv":
        columns, total, chunks = _csv_chunks(source, chunk_rows, model.schema)
    else:
        columns, total, chunks = _parquet_chunks(source, chunk_rows)
    _check_columns(model.schema, columns, source)
    if prediction_column in columns:
        raise SchemaError(
            f"{source} already has a column '{prediction_column}'; choose another name for the "
            "predictions (--prediction-column NAME) so it is not overwritten"
        )
    report = progress or _terminal_progress()
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    writer = _CsvWriter(temporary) if out_format == "csv" else _ParquetWriter(temporary)
    done = 0
    try:
        for number, chunk in enumerate(chunks, start=1):
            writer.write(_scored(model, chunk, number, done, probabilities, prediction_column))
            done += len(chunk)
            report(done, total)
        if done == 0:
            raise DataError(f"{source} has no rows; there is nothing to score")
        writer.close()
        os.replace(temporary, target)
    except BaseException:
        writer.close()
        temporary.unlink(missing_ok=True)
        raise
    finally:
        if progress is None and sys.stderr.isatty():
            print(file=sys.stderr)
    return done


def read_chunks(
    path: Path, rows: int, schema: FeatureSchema
) -> tuple[list[str], int | None, Iterator[pd.DataFrame]]:
    """A CSV or Parquet file as chunks of ``rows`` rows, read the way batch scoring reads it.

    Returns the file's columns, its row count when the format tells it (Parquet)
    and the chunks. In a CSV, the schema's numeric features are read as numbers
    and every other column as its text.

    Raises:
        ConfigError: the file does not end in .csv or .parquet.
        DataError: the file does not exist or cannot be read.
    """
    path = Path(path)
    file_format = _format(path, "input")
    if not path.is_file():
        raise DataError(f"input file {path} does not exist")
    if rows < 1:
        raise ModelyardError(f"a chunk has at least 1 row, not {rows}")
    if file_format == "csv":
        return _csv_chunks(path, rows, schema)
    return _parquet_chunks(path, rows)


def _format(path: Path, role: str) -> str:
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise ConfigError(
            f"the {role} file {path} must end in .csv or .parquet, not '{path.suffix}'"
        ) from None


def _csv_chunks(
    path: Path, rows: int, schema: FeatureSchema
) -> tuple[list[str], None, Iterator[pd.DataFrame]]:
    """Chunks of a CSV: numeric features as numbers, every other column as its text."""
    try:
        columns = [str(c) for c in pd.read_csv(path, nrows=0).columns]
        numeric = {f.name for f in schema.features if f.is_numeric}
        chunks = pd.read_csv(
            path,
            chunksize=rows,
            dtype={c: str for c in columns if c not in numeric},
            keep_default_na=False,
            na_values={name: list(MISSING_TEXTS) for name in schema.names if name in columns},
        )
        return columns, None, iter(chunks)
    except (OSError, ValueError) as error:
        raise DataError(f"cannot read {path} as CSV: {error}") from None


def _parquet_chunks(path: Path, rows: int) -> tuple[list[str], int, Iterator[pd.DataFrame]]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise ConfigError("Parquet needs pyarrow: pip install 'modelyard[parquet]'") from None
    try:
        file = pq.ParquetFile(path, buffer_size=READ_BUFFER_BYTES, pre_buffer=False)
    except (OSError, ValueError) as error:
        raise DataError(f"cannot read {path} as Parquet: {error}") from None
    # One block per column: no copy into a consolidated 2-D block per chunk.
    batches = (batch.to_pandas(split_blocks=True) for batch in file.iter_batches(batch_size=rows))
    return list(file.schema_arrow.names), file.metadata.num_rows, batches


def _check_columns(schema: FeatureSchema, columns: list[str], source: Path) -> None:
    missing = [name for name in schema.names if name not in set(columns)]
    if missing:
        raise SchemaError(
            f"{source} lacks {len(missing)} of the model's feature columns: "
            + ", ".join(f"'{name}'" for name in missing)
            + "; add them (other columns are allowed and copied to the output)"
        )


def _scored(
    model: Model,
    chunk: pd.DataFrame,
    number: int,
    before: int,
    probabilities: bool,
    prediction_column: str,
) -> pd.DataFrame:
    assert model.schema is not None
    where = f"chunk {number} (rows {before + 1}-{before + len(chunk)})"
    features = chunk[model.schema.names]
    try:
        X = model.schema.validate(features)
    except SchemaError as error:
        raise SchemaError(
            f"{where}: {error}{_first_bad_row(model.schema, features, before)}"
        ) from None
    try:
        out = chunk  # the chunk is this function's own: add the columns in place, no copy
        out[prediction_column] = model.estimator.predict(X)
        if probabilities:
            scores = model.estimator.predict_proba(X)
            for i, label in enumerate(model.classes or range(scores.shape[1])):
                out[f"probability_{label}"] = scores[:, i]
    except (ValueError, TypeError) as error:
        raise DataError(f"the model failed on {where}: {error}") from None
    return out


def _first_bad_row(schema: FeatureSchema, frame: pd.DataFrame, before: int) -> str:
    """Where the first value that is not a number sits in a numeric column, if any."""
    for feature in schema.features:
        column = frame[feature.name]
        if feature.is_numeric and not pd.api.types.is_numeric_dtype(column):
            bad = pd.to_numeric(column, errors="coerce").isna() & column.notna()
            if bad.any():
                row = before + 1 + int(bad.to_numpy().argmax())
                return f"; the first value in '{feature.name}' that is not a number is on row {row}"
    return ""


class _CsvWriter:
    def __init__(self, path: Path):
        self.path = path
        self.started = False

    def write(self, frame: pd.DataFrame) -> None:
        frame.to_csv(
            self.path, mode="a" if self.started else "w", header=not self.started, index=False
        )
        self.started = True

    def close(self) -> None:
        """Nothing to flush: every chunk is appended and closed at once."""


class _ParquetWriter:
    def __init__(self, path: Path):
        self.path = path
        self.writer: Any = None

    def write(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame, preserve_index=False)
        if self.writer is None:
            # Dictionary-encoding floats (features, probabilities) costs most of the write time
            # and rarely makes the file smaller; ids, labels and strings keep it.
            encoded = [f.name for f in table.schema if not pa.types.is_floating(f.type)]
            self.writer = pq.ParquetWriter(self.path, table.schema, use_dictionary=encoded)
        self.writer.write_table(table.cast(self.writer.schema))

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def _terminal_progress() -> Callable[[int, int | None], None]:
    """A one-line counter on stderr when it is a terminal; silent when piped or redirected."""
    if not sys.stderr.isatty():
        return lambda done, total: None

    def show(done: int, total: int | None) -> None:
        share = f" of {total:,} ({done / total:.0%})" if total else ""
        print(f"\rscored {done:,} rows{share}", end="", file=sys.stderr, flush=True)

    return show
