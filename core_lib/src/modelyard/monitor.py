"""Drift of a batch of production rows against the model card's reference sketches.

``modelyard monitor MODEL --current FILE`` reads a CSV or Parquet file in
chunks (the way batch scoring reads it), counts every feature's values into
the bins of its reference sketch and, unless told not to, predicts each chunk
to count the predictions too. Memory follows the chunk size, not the file, and
the training data is never needed: everything is compared with the sketches
the card carries (:mod:`modelyard.drift`).

>>> report = monitor_file("models/churn", "today.parquet")  # doctest: +SKIP
>>> report.verdict, report.drifted  # doctest: +SKIP
('drift', ['tenure'])
"""

from __future__ import annotations

import base64
import html
import json
import os
import uuid
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelyard.batch import DEFAULT_CHUNK_ROWS, read_chunks
from modelyard.drift import Counter, DriftReport, DriftThresholds, FeatureDrift, ReferenceProfile
from modelyard.exceptions import ArtifactError, DataError, ModelyardError, SchemaError
from modelyard.report import STYLE
from modelyard.schema import FeatureSchema

if TYPE_CHECKING:
    from modelyard.model import Model


def monitor_file(
    model: Model | str | Path,
    current: str | Path,
    *,
    thresholds: DriftThresholds | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    predictions: bool = True,
    trusted: Iterable[str] = (),
) -> DriftReport:
    """Compare the rows of ``current`` with the reference sketches of a saved model.

    Args:
        model: a trained :class:`~modelyard.model.Model`, or what
            :func:`~modelyard.store.load_model` accepts (``models/NAME[@V]``).
        current: a ``.csv`` or ``.parquet`` file with at least the model's features.
        thresholds: when a change is a warning or drift; the defaults when None.
        chunk_rows: rows read at a time; memory use follows this.
        predictions: also predict every chunk and compare the predictions'
            distribution; False reads only the model card, not the model file.
        trusted: what the loader trusts beyond the built-in list (as ``load_model``).

    Raises:
        ArtifactError: the model cannot be loaded, or its card has no sketches.
        SchemaError: a feature column is missing, or (with predictions) a value
            has the wrong type.
        DataError: the file cannot be read or has no rows.
    """
    thresholds = thresholds or DriftThresholds()
    estimator, schema, profile = _reference(model, predictions, tuple(trusted))
    _, _, chunks = read_chunks(Path(current), chunk_rows, schema)
    counter = Counter(profile)
    rows = 0
    for chunk in chunks:
        predicted = None
        if estimator is not None and profile.prediction is not None and len(chunk):
            where = f"rows {rows + 1}-{rows + len(chunk)}"
            try:
                X = schema.validate(chunk[schema.names])
            except SchemaError as error:
                raise SchemaError(f"{current}, {where}: {error}") from None
            try:
                predicted = estimator.predict(X)
            except (ValueError, TypeError) as error:
                raise DataError(f"the model failed on {current}, {where}: {error}") from None
        counter.add(chunk, predicted)
        rows += len(chunk)
    if rows == 0:
        raise DataError(f"{current} has no rows; there is nothing to compare")
    return counter.report(thresholds)


def _reference(
    model: Model | str | Path, predictions: bool, trusted: tuple[str, ...]
) -> tuple[Any, FeatureSchema, ReferenceProfile]:
    """The estimator (None without predictions), schema and profile of ``model``."""
    from modelyard.model import Model

    if isinstance(model, Model) or predictions:
        if not isinstance(model, Model):
            from modelyard.loading import load_model

            model = load_model(model, trusted=trusted)
        if model.schema is None:
            raise ModelyardError("only a trained model can be monitored; train or load it first")
        profile = model.monitoring
        schema, estimator = model.schema, (model.estimator if predictions else None)
        name = str(model.ref or model)
    else:
        from modelyard.artifact import read_card
        from modelyard.store import locate_ref

        ref = locate_ref(model)
        with ref.store.fetch(ref.path) as folder:
            card = read_card(folder)
        schema = FeatureSchema.from_dict(card.features)
        profile = ReferenceProfile.from_dict(card.monitoring) if card.monitoring else None
        estimator, name = None, str(model)
    if profile is None:
        raise ArtifactError(
            f"the model card of {name} has no reference sketches (it was saved by an earlier "
            "modelyard); train and save the model again to monitor it"
        )
    return estimator, schema, profile


def summary_table(report: DriftReport) -> str:
    """The report as a plain-text table, one line per feature (and the predictions)."""
    header = ("feature", "kind", "rows", "psi", "p-value", "missing", "verdict")
    items = [*report.features, *([report.prediction] if report.prediction else [])]
    lines = [
        (
            item.name,
            item.kind,
            str(item.rows),
            _number(item.psi, 3),
            _p(item.p_value),
            f"{item.missing_current:.1%} ({item.missing_reference:.1%})",
            item.verdict,
        )
        for item in items
    ]
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *lines]
    )


def write_drift_report(
    report: DriftReport, path: str | Path, *, model: str = "", current: str = ""
) -> Path:
    """Write ``report`` as one self-contained HTML page: scores, verdicts, a plot per feature.

    The page appears whole or not at all (written aside, then renamed into place).
    """
    target = Path(path)
    if target.is_dir():
        raise ModelyardError(f"{target} is a folder; give the report a file name like drift.html")
    if not target.parent.is_dir():
        raise ModelyardError(
            f"the report's folder {target.parent} does not exist; create it or choose another"
        )
    return write_atomic(target, render_drift_report(report, model=model, current=current))


def write_json_report(report: DriftReport, path: str | Path) -> Path:
    """Write ``report.to_dict()`` as JSON, whole or not at all."""
    return write_atomic(Path(path), json.dumps(report.to_dict(), indent=2) + "\n")


def write_atomic(target: Path, text: str) -> Path:
    """Write ``text`` to a temporary file beside ``target``, then rename it into place."""
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return target


#: The house stylesheet, plus the verdicts' colours.
_STYLE = (
    STYLE
    + ".drift { color: #b00020; font-weight: bold; } "
    + ".warn { color: #a15c00; font-weight: bold; }\n"
)


def render_drift_report(report: DriftReport, *, model: str = "", current: str = "") -> str:
    """The HTML page of :func:`write_drift_report`."""
    items = [*report.features, *([report.prediction] if report.prediction else [])]
    created = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    rows = "".join(
        "<tr>"
        f"<th>{_e(item.name)}</th><td>{_e(item.kind)}</td>"
        f'<td class="num">{item.rows}</td><td class="num">{_number(item.psi, 4)}</td>'
        f'<td class="num">{_p(item.p_value)}</td>'
        f'<td class="num">{item.missing_current:.1%} ({item.missing_reference:.1%})</td>'
        f'<td class="{_e(item.verdict)}">{_e(item.verdict)}</td>'
        f"<td>{_e('; '.join(item.reasons))}</td></tr>"
        for item in items
    )
    thresholds = report.thresholds
    figures = "".join(_figure(item) for item in items)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Drift: {_e(model)}</title><style>{_STYLE}</style></head><body>"
        f'<h1>Drift report: <span class="{_e(report.verdict)}">{_e(report.verdict)}</span></h1>'
        f'<p class="muted">model {_e(model)} · current data {_e(current)} · {created}</p>'
        f"<p>PSI warns from {thresholds.psi_warn} and drifts from {thresholds.psi_drift} when "
        f"the chi-square test's p-value is below {thresholds.p_value}; a missing rate up by "
        f"{thresholds.missing_increase:.0%} drifts; fewer than {thresholds.min_rows} rows get "
        "no verdict.</p>"
        "<table><tr><th>feature</th><th>kind</th><th>rows</th><th>PSI</th><th>p-value</th>"
        "<th>missing now (training)</th><th>verdict</th><th>why</th></tr>"
        f"{rows}</table><h2>Reference and current bins</h2>"
        f'<div class="plots">{figures}</div></body></html>\n'
    )


def _figure(item: FeatureDrift) -> str:
    from modelyard.plots.drift import plot_drift_bins
    from modelyard.plots.style import png

    image = png(
        lambda ax: plot_drift_bins(
            item.labels,
            item.reference_shares,
            item.current_shares,
            title=f"{item.name}: {item.verdict}",
            ax=ax,
        ),
        dpi=80,
    )
    data = base64.b64encode(image).decode("ascii")
    caption = f"{item.name} ({item.kind}): PSI {_number(item.psi, 4)}"
    return (
        f'<figure><img alt="{_e(caption)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


def _number(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _p(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2g}" if value >= 1e-4 else "<0.0001"


def _e(text: Any) -> str:
    return html.escape(str(text))
