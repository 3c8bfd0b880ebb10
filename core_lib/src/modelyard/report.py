"""The report of a scoring run: one self-contained HTML file with metrics, model card and plots.

Images are embedded as base64 PNG, so the file can be mailed, archived or
opened offline; it refers to nothing outside itself. ``modelyard score`` writes
one next to its run record without being asked.

The costly plots (learning and validation curves, permutation importance, and
the calibration curve) have a :class:`~modelyard.plots.registry.Sampling`. In
the ``fast`` mode, the default, they compute on a bounded, seeded sample with
fewer points; in ``full`` mode on every row. Either way the report says how
many rows each used (:func:`report_samples`): in the plot's caption and in the
table "How each plot was computed".

A fast report may also have a time budget (``modelyard score`` gives it
:data:`BUDGET_SHARE` of the time scoring took). Its cheap plots are always
drawn; then each costly plot that samples (the table has more rows than its
sample) is drawn only if its cost, estimated from one timed fit and prediction
on the sample (:func:`~modelyard.plots.registry.probe`), fits what is left.
The report lists what it left out, and how to draw it.
"""

from __future__ import annotations

import base64
import html
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelyard import atomicio
from modelyard.exceptions import ModelyardError, PlotError
from modelyard.progress import Progress

if TYPE_CHECKING:
    from modelyard.plots.registry import PlotSpec
    from modelyard.result import Result


def __getattr__(name: str) -> Any:
    # PLOT_TITLES and REPORT_OPTIONS are read from the plot registry when asked for,
    # so a plot registered after this module was imported is in them too.
    from modelyard.plots import registry

    if name == "PLOT_TITLES":
        return {spec.name: spec.title for spec in registry.PLOTS.values()}
    if name == "REPORT_OPTIONS":
        return {s.name: dict(s.report_options) for s in registry.PLOTS.values() if s.report_options}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: The stylesheet of modelyard's HTML pages (this report, and the drift report of
#: :mod:`modelyard.monitor`).
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #222; }
h1 { margin-bottom: 0.2em; } .muted { color: #666; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3em 0.8em; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.plots { display: flex; flex-wrap: wrap; gap: 1.5em; }
figure { margin: 0; } figure img { max-width: 100%; }
figcaption { color: #666; font-size: 0.9em; }
"""

#: The ways a report computes its costly plots (``fast`` on a bounded sample with
#: fewer points, ``full`` on every row).
REPORT_MODES = ("fast", "full")
#: The share of scoring's time that ``modelyard score`` gives its fast report (see
#: :func:`write_report`'s ``budget``): the report adds at most about half to the command.
BUDGET_SHARE = 0.5


@dataclass(frozen=True)
class PlotSample:
    """The rows one plot of a report computed on.

    Attributes:
        plot: the plot's name.
        rows: the rows it used.
        of_rows: the rows there were (all scored rows, the test split or the predictions).
        folds: cross-validation folds of its refits, if it refits.
        repeats: shuffles per column, for permutation importance.
    """

    plot: str
    rows: int
    of_rows: int
    folds: int | None = None
    repeats: int | None = None

    def describe(self) -> str:
        """The caption's words: ``on 1,000 of 53,940 rows, 2 folds``."""
        words = [
            f"on all {self.rows:,} rows"
            if self.rows == self.of_rows
            else f"on {self.rows:,} of {self.of_rows:,} rows"
        ]
        if self.folds:
            words.append(f"{self.folds} folds")
        if self.repeats:
            words.append(f"{self.repeats} repeats")
        return ", ".join(words)


@dataclass(frozen=True)
class LeftOut:
    """A costly plot a fast report did not draw, because its cost did not fit the budget.

    Attributes:
        plot: the plot's name.
        estimate: the seconds it would have taken, estimated from a probe (None
            when the budget was spent before it, and no probe was made).
        left: the seconds of the budget that were left.
        budget: the report's budget in seconds.
    """

    plot: str
    estimate: float | None
    left: float
    budget: float

    def describe(self) -> str:
        """The report's words for it, with how to draw it."""
        why = (
            f"the fast report's budget of {self.budget:.1f} s was spent"
            if self.estimate is None
            else f"it would take about {self.estimate:.1f} s, and {self.left:.1f} s of the "
            f"fast report's {self.budget:.1f} s were left"
        )
        return f"{why}; draw it with --report full or result.plot.{self.plot}()"


def write_report(
    result: Result,
    path: Path | str,
    *,
    plots: Iterable[str] | None = None,
    mode: str = "fast",
    n_jobs: int = 1,
    max_rows: int | None = None,
    budget: float | None = None,
    quiet: bool = False,
) -> Path:
    """Write the HTML report of ``result`` to ``path`` and return the path.

    Args:
        result: a scoring result.
        path: the file to write; its folder is created. The file appears whole
            or not at all (written aside, then renamed into place).
        plots: the plots to include, by name (see :data:`modelyard.plots.registry.PLOTS`); by
            default every plot that fits the result.
        mode: ``"fast"`` computes the costly plots on a bounded sample with fewer
            points; ``"full"`` on every row (see :data:`REPORT_MODES`).
        n_jobs: processes for the costly plots' refits and shuffles (-1: every core).
        max_rows: in fast mode, the most rows of each costly plot (default: the
            plot's own bound, :attr:`~modelyard.plots.registry.Sampling.fast`).
        budget: in fast mode, the seconds the report may take (None: no bound).
            The cheap plots are drawn first; a costly plot that samples, and whose
            estimated cost does not fit what is left, is listed under "Left out
            of the fast report" instead of drawn.
        quiet: show no progress (one step per plot, on stderr).

    A plot that fails to draw is listed in the report with its error, and
    warned about, rather than losing the report.
    """
    target = Path(path)
    if target.is_dir():
        raise ModelyardError(f"{target} is a folder; give the report a file name like report.html")
    wanted = _plot_names(result, plots)
    page = render_report(
        result, wanted, mode=mode, n_jobs=n_jobs, max_rows=max_rows, budget=budget, quiet=quiet
    )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomicio.write_text(target, page)
    except OSError as error:
        raise ModelyardError(
            f"cannot write the report to {target}: {error}; choose a writable path"
        ) from error
    return target


def default_report_path(result: Result, run_dir: Path | str) -> Path:
    """Where ``modelyard score`` puts a result's report: beside its run record."""
    if result.run_record is not None:
        return Path(result.run_record).with_suffix(".html")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    return Path(run_dir) / f"{stamp}-score-{result.model_name}.html"


def render_report(
    result: Result,
    plots: Iterable[str],
    *,
    mode: str = "fast",
    n_jobs: int = 1,
    max_rows: int | None = None,
    budget: float | None = None,
    quiet: bool = False,
) -> str:
    """The report's HTML text, with the named plots drawn and embedded.

    ``mode``, ``n_jobs``, ``max_rows``, ``budget`` and ``quiet`` are as
    :func:`write_report` takes them.
    """
    _check_mode(mode)
    plots = list(plots)
    samples = {s.plot: s for s in report_samples(result, plots, mode=mode, max_rows=max_rows)}
    budgeted = _Budget(result, budget if mode == "fast" else None)
    figures, failures = {}, []
    with Progress("report", len(plots), unit="plots", quiet=quiet) as progress:
        for name in sorted(plots, key=_costly):  # cheap plots first
            progress.update(0, status=name)
            try:
                options = plot_options(name, mode=mode, n_jobs=n_jobs, max_rows=max_rows)
                if budgeted.fits(name, options, samples.get(name)):
                    figures[name] = _png(result, name, options)
            except Exception as error:  # one broken plot must not lose the report
                failures.append((name, f"{type(error).__name__}: {error}"))
                warnings.warn(f"report plot {name} failed: {error}", stacklevel=3)
            progress.update(1)
    figures = {name: figures[name] for name in plots if name in figures}  # the registry's order
    drawn = [samples[name] for name in figures if name in samples]
    skipped = [(n, why) for n in _plots() if (why := _why_not(result, n)) and n not in plots]
    title = f"{result.model_name}: scoring report"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="muted">{_e(result.estimator)}, {_e(result.task)}; written '
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC} by modelyard</p>",
        f"<h2>{'Cross-validated' if result.cv else 'Holdout'} metrics</h2>",
        _table(["metric", "value"], metric_rows(result)),
        "<h2>Model card</h2>",
        _table(["", ""], model_card_rows(result)),
        "<h2>Plots</h2>",
        '<div class="plots">',
        *[_figure(name, png, samples.get(name)) for name, png in figures.items()],
        "</div>",
    ]
    if budgeted.left_out:
        rows = [(left.plot, left.describe()) for left in budgeted.left_out]
        parts += ["<h2>Left out of the fast report</h2>", _table(["plot", "why"], rows, "left-out")]
    if drawn:
        parts += ["<h2>How each plot was computed</h2>", _samples_table(drawn)]
    if failures:
        parts += ["<h2>Plots that failed</h2>", _table(["plot", "error"], failures)]
    if skipped:
        parts += ["<h2>Plots that do not fit this model</h2>", _table(["plot", "why"], skipped)]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def metric_rows(result: Result) -> list[tuple[str, str]]:
    """Each metric and its value (mean ± standard deviation over cross-validation folds)."""
    return [
        (name, f"{value:.4f}" + (f" ± {result.std[name]:.4f}" if name in result.std else ""))
        for name, value in result.metrics.items()
    ]


def _rows(result: Result) -> str:
    if result.cv:
        rows = result.n_train + result.n_test  # per fold: together, every row
        return f"{result.cv}-fold cross-validation over {rows} rows"
    return f"{result.n_train} training, {result.n_test} test"


def model_card_rows(result: Result) -> list[tuple[str, str]]:
    """What is known about the model at scoring time, as (field, value) rows."""
    from modelyard.artifact import library_versions

    estimator = result.fitted_estimator
    kind = type(estimator)
    full_name = result.estimator if estimator is None else f"{kind.__module__}.{kind.__qualname__}"
    rows = [
        ("model", result.model_name),
        ("estimator", full_name),
        ("task", result.task),
        ("rows", _rows(result)),
    ]
    if result.predictions.classes is not None:
        rows.append(("classes", ", ".join(map(str, result.predictions.classes))))
    if result.split is not None:
        x = result.split.x_test
        features = ", ".join(f"{c} ({x[c].dtype})" for c in x.columns)
        rows.append((f"features ({x.shape[1]})", features))
    if callable(getattr(estimator, "get_params", None)):
        params = estimator.get_params(deep=False)
        rows.append(("parameters", ", ".join(f"{k}={_short(v)}" for k, v in params.items())))
    versions = library_versions()
    rows.append(("library versions", ", ".join(f"{k} {v}" for k, v in versions.items())))
    return rows


def _plot_names(result: Result, plots: Iterable[str] | None) -> list[str]:
    if plots is None:
        return [name for name in _plots() if _why_not(result, name) is None]
    names = list(plots)
    unknown = [n for n in names if n not in _plots()]
    if unknown:
        raise PlotError(
            f"unknown report plot {', '.join(map(repr, unknown))}; choose from "
            f"{', '.join(_plots())}"
        )
    unfit = [f"{n} ({why})" for n in names if (why := _why_not(result, n))]
    if unfit:
        raise PlotError(f"these plots do not fit this result: {'; '.join(unfit)}")
    return names


def _plots() -> dict[str, PlotSpec]:
    from modelyard.plots.registry import PLOTS

    return PLOTS


def _why_not(result: Result, name: str) -> str | None:
    from modelyard.plots.registry import why_not

    return why_not(result, name)


def plot_options(
    name: str, *, mode: str = "fast", n_jobs: int = 1, max_rows: int | None = None
) -> dict[str, Any]:
    """The options the report draws plot ``name`` with in ``mode`` (see :func:`write_report`)."""
    _check_mode(mode)
    spec = _plots()[name]
    options = dict(spec.report_options)
    sampling = spec.sampling
    if sampling is None:
        return options
    if mode == "fast":
        options.update(sampling.fast)
        if max_rows is not None:
            options["max_rows"] = max_rows
    if sampling.parallel:
        options["n_jobs"] = n_jobs
    return options


def _costly(name: str) -> bool:
    """Whether plot ``name`` has a cost estimate, so a budget may leave it out."""
    sampling = _plots()[name].sampling
    return sampling is not None and sampling.cost is not None


class _Budget:
    """The seconds a fast report may take, and the costly plots that did not fit in them."""

    def __init__(self, result: Result, seconds: float | None) -> None:
        self.result, self.seconds = result, seconds
        self.started = time.perf_counter()
        self.probes: dict[int, Any] = {}
        self.left_out: list[LeftOut] = []

    def fits(self, name: str, options: dict[str, Any], sample: PlotSample | None) -> bool:
        """Whether plot ``name``, drawn with ``options``, fits what is left of the budget.

        ``sample`` is the rows the plot computes on (:func:`report_samples`). A plot
        that uses every row is drawn whatever the budget: on a small table the fast
        report is the full one.
        """
        from modelyard.plots.registry import probe

        sampling = _plots()[name].sampling
        if self.seconds is None or sampling is None or sampling.cost is None:
            return True
        if sample is None or sample.rows >= sample.of_rows:
            return True
        left = self.seconds - (time.perf_counter() - self.started)
        estimate = None
        if left > 0:  # else nothing fits, and probing would only cost more
            if sample.rows not in self.probes:  # one probe per sample size, shared by the plots
                self.probes[sample.rows] = probe(self.result, sample.rows)
            estimate = sampling.cost(options, self.probes[sample.rows])
            if estimate <= left:
                return True
        self.left_out.append(LeftOut(name, estimate, left, self.seconds))
        return False


def _check_mode(mode: str) -> None:
    if mode not in REPORT_MODES:
        raise ModelyardError(f"report mode {mode!r} is unknown; choose {' or '.join(REPORT_MODES)}")


def report_samples(
    result: Result, plots: Iterable[str], *, mode: str = "fast", max_rows: int | None = None
) -> list[PlotSample]:
    """The rows each of ``plots`` that samples computes on in the report of ``result``.

    Plots without a :class:`~modelyard.plots.registry.Sampling` (the cheap
    ones, on every prediction) are left out.
    """
    from modelyard.plots.registry import sampled_rows

    found = []
    for name in plots:
        sampling = _plots()[name].sampling
        if sampling is None:
            continue
        options = plot_options(name, mode=mode, max_rows=max_rows)
        of_rows = sampled_rows(result, sampling.rows)
        bound = options.get("max_rows")
        rows = of_rows if bound is None else min(bound, of_rows)
        found.append(PlotSample(name, rows, of_rows, options.get("cv"), options.get("n_repeats")))
    return found


def _png(result: Result, name: str, options: dict[str, Any]) -> bytes:
    from modelyard.plots.style import png

    spec = _plots()[name]
    # A plot result.plot offers is drawn through its method; the data plots through draw().
    draw = getattr(result.plot, name) if spec.on_result else partial(result.plot.draw, name)
    return png(lambda ax: draw(ax=ax, **options))


def _figure(name: str, png: bytes, sample: PlotSample | None) -> str:
    data = base64.b64encode(png).decode("ascii")
    title = _e(_plots()[name].title)
    caption = title if sample is None else f"{title}, {_e(sample.describe())}"
    return (
        f'<figure id="{name}"><img alt="{title}" '
        f'src="data:image/png;base64,{data}"><figcaption>{caption}'
        "</figcaption></figure>"
    )


def _samples_table(samples: list[PlotSample]) -> str:
    """One row per sampled plot; the numbers are whole, so a reader (or a test) can take them."""

    def cell(value: int | None) -> str:
        return "<td></td>" if value is None else f'<td class="num">{value}</td>'

    head = "".join(f"<th>{h}</th>" for h in ("plot", "rows used", "of rows", "folds", "repeats"))
    body = "".join(
        f'<tr id="sample-{s.plot}"><th>{_e(s.plot)}</th>{cell(s.rows)}{cell(s.of_rows)}'
        f"{cell(s.folds)}{cell(s.repeats)}</tr>"
        for s in samples
    )
    return f'<table id="samples"><tr>{head}</tr>{body}</table>'


def _table(header: list[str], rows: Iterable[tuple[str, str]], id: str | None = None) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header) if any(header) else ""
    body = "".join(f"<tr><th>{_e(k)}</th><td{_num(v)}>{_e(v)}</td></tr>" for k, v in rows)
    opening = "<table>" if id is None else f'<table id="{id}">'
    return f"{opening}{f'<tr>{head}</tr>' if head else ''}{body}</table>"


def _num(text: str) -> str:
    try:
        float(text)
    except ValueError:
        return ""
    return ' class="num"'


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _e(text: Any) -> str:
    return html.escape(str(text))
