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

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from modelyard import atomicio
from modelyard.exceptions import ConfigError, DataError, ModelyardError, SchemaError
from modelyard.model import Model
from modelyard.progress import Progress
from modelyard.schema import FeatureSchema
from modelyard.scoring import PREDICTION_COLUMN, add_predictions, ready_model

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
DEFAULT_CHUNK_ROWS = 50_000
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
    quiet: bool = False,
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
            (None when unknown); by default :class:`~modelyard.progress.Progress`
            on stderr (a bar on a terminal, a line every few seconds elsewhere).
        prediction_column: the name of the column of predictions; an input that
            already has a column of this name is refused, not overwritten.
        quiet: show no progress (when ``progress`` is not given).

    Returns:
        the number of rows scored.

    Raises:
        SchemaError: a feature column is missing or wrongly typed, naming the
            column and the rows where it was found.
        DataError: the input cannot be read, or the model fails on a chunk.
        ConfigError: the output is the input file, or its folder does not exist.
    """
    model = ready_model(model, probabilities=probabilities)
    assert model.schema is not None
    source, target = Path(input), Path(output)
    out_format = _format(target, "output")
    if target.resolve() == source.resolve():
        raise ConfigError(
            f"the output {target} is the input file; choose another output so the input is kept"
        )
    if not target.parent.is_dir():
        raise ConfigError(
            f"the output folder {target.parent} does not exist; create it or choose another output"
        )
    columns, total, chunks = read_chunks(source, chunk_rows, model.schema)
    if prediction_column in columns:
        raise SchemaError(
            f"{source} already has a column '{prediction_column}'; choose another name for the "
            "predictions (--prediction-column NAME) so it is not overwritten"
        )
    report = progress or Progress("scored", total, unit="rows", quiet=quiet)
    done = 0
    try:
        with atomicio.staged(target) as temporary:
            writer = _CsvWriter(temporary) if out_format == "csv" else _ParquetWriter(temporary)
            try:
                for number, chunk in enumerate(chunks, start=1):
                    writer.write(
                        _scored(model, chunk, number, done, probabilities, prediction_column)
                    )
                    done += len(chunk)
                    report(done, total)
                if done == 0:
                    raise DataError(f"{source} has no rows; there is nothing to score")
            finally:
                writer.close()
    finally:
        if isinstance(report, Progress):
            report.close()
    return done


def read_chunks(
    path: Path, rows: int, schema: FeatureSchema
) -> tuple[list[str], int | None, Iterator[pd.DataFrame]]:
    """A CSV or Parquet file as chunks of ``rows`` rows: how batch scoring and monitoring read.

    Returns the file's columns, its row count when the format tells it (Parquet)
    and the chunks. In a CSV, the schema's numeric features are read as numbers
    and every other column as its text. Everything that can be checked before
    the first row is read is checked here, once for every reader of files: the
    name, that the file exists, the chunk size and that every feature column of
    ``schema`` is in the file (other columns are allowed). A file that breaks
    further in (a malformed line or page) raises
    :class:`~modelyard.exceptions.DataError` naming the file when its chunk is read.

    Raises:
        ConfigError: the file does not end in .csv or .parquet.
        DataError: the file does not exist or cannot be read.
        SchemaError: the file lacks some of the schema's feature columns.
        ModelyardError: ``rows`` is less than 1.
    """
    path = Path(path)
    file_format = _format(path, "input")
    if not path.is_file():
        raise DataError(f"input file {path} does not exist")
    if rows < 1:
        raise ModelyardError(f"chunk_rows must be at least 1, not {rows}")
    if file_format == "csv":
        columns, total, chunks = _csv_chunks(path, rows, schema)
    else:
        columns, total, chunks = _parquet_chunks(path, rows)
    _check_columns(schema, columns, path)
    return columns, total, _read_errors_named(path, chunks)


def _read_errors_named(path: Path, chunks: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """The chunks, with an error of the reader (not of what the caller does) as a DataError."""
    while True:
        try:
            chunk = next(chunks)
        except StopIteration:
            return
        except (OSError, ValueError) as error:  # a malformed line or page deep in the file
            raise DataError(f"cannot read {path}: {error}") from None
        yield chunk


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
            + "; add them to the file (other columns are allowed)"
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
    try:
        # the chunk is this function's own: the columns are added in place, no copy
        return add_predictions(chunk, model, probabilities=probabilities, column=prediction_column)
    except SchemaError as error:
        features = chunk[model.schema.names]
        raise SchemaError(
            f"{where}: {error}{_first_bad_row(model.schema, features, before)}"
        ) from None
    except (ValueError, TypeError) as error:
        raise DataError(f"the model failed on {where}: {error}") from None


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
