"""Model: one lifecycle (score, train, predict, save) around any compatible estimator."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from modelyard.artifact import FORMAT, ModelCard, library_versions, write_artifact
from modelyard.columns import check_columns, restrict
from modelyard.compiled import Compiled, compile_estimator, parity_rows
from modelyard.config import Settings
from modelyard.data import Dataset
from modelyard.drift import ReferenceProfile, training_profile
from modelyard.evaluation import Candidate, Plan, fold_result, resolve_plan, run_candidates
from modelyard.exceptions import ModelyardError, NotTrainedError, SchemaError
from modelyard.fitting import estimator_errors, estimator_label, fit_estimator
from modelyard.metrics import default_metrics, measure
from modelyard.progress import Progress
from modelyard.provenance import (
    RowHashes,
    data_fingerprint,
    data_summary,
    git_state,
    model_package,
)
from modelyard.result import Result, ResultGroup
from modelyard.runlog import RunRecord, attach_artifact, utc_now, write_run
from modelyard.schema import ContractOptions, FeatureSchema
from modelyard.store import ModelRef, open_store

if TYPE_CHECKING:
    from modelyard.search import SearchResult
    from modelyard.selection import FeatureSelection

TASKS = ("classification", "regression")


#: Training rows a saved copy must predict exactly as the trained model (see Model.save).
PROOF_ROWS = 5


class Model:
    """A scikit-learn compatible estimator with the lifecycle every project shares.

    Wrap any object with ``fit`` and ``predict`` (a scikit-learn estimator or
    Pipeline, or your own class)::

        model = Model(make_pipeline(StandardScaler(), LogisticRegression()))
        result = model.score(data)     # holdout metrics, run record written
        model.train(data)              # fit on all data, run record written
        ref = model.save()             # new version in the model store
        model.predict(X)

    Args:
        estimator: the estimator to wrap; it is fitted in place.
        name: name to save the model under; defaults to the project's name,
            then to the estimator's class name.
        task: ``"classification"`` or ``"regression"``; inferred from the
            estimator when not given.

    Attributes:
        schema: the feature schema learned at training, or None before.
        monitoring: the reference sketches of the training data and of the
            predictions (:mod:`modelyard.drift`), computed by :meth:`train` and
            saved in the model card; None before.
        contract: what the project declares about its features
            (:class:`~modelyard.schema.ContractOptions`), read when training learns the schema.
        classes: class labels of a trained classifier, else None.
        result: the :class:`~modelyard.result.Result` of the last :meth:`score`.
        ref: where the model was last saved to or loaded from.
        data_fingerprint: fingerprint of the rows the model was last fitted on
            (see :func:`modelyard.provenance.data_fingerprint`).
        compiled: the model's ONNX graph and its record, once saved or loaded with
            one (see :mod:`modelyard.compiled`); None otherwise.
        origin: the run its parameters came from, kept in the model card
            (a search's best candidate: ``{"kind": "search", "run_id": ...}``); None
            for the project's own model.
        features: the input columns this model reads from a dataset (set by
            :meth:`with_features`); None reads every column.
    """

    def __init__(self, estimator: Any, name: str | None = None, *, task: str | None = None):
        missing = [m for m in ("fit", "predict") if not callable(getattr(estimator, m, None))]
        if missing:
            raise ModelyardError(
                f"{type(estimator).__name__} has no {' or '.join(missing)} method; Model wraps "
                "scikit-learn compatible estimators (objects with fit and predict)"
            )
        if task is not None and task not in TASKS:
            raise ModelyardError(f"task must be one of {', '.join(TASKS)}, not {task!r}")
        self.estimator = estimator
        self.name = name
        self.task = task or _infer_task(estimator)
        self.schema: FeatureSchema | None = None
        self.contract = ContractOptions()
        self.classes: list[Any] | None = None
        self.result: Result | None = None
        self.ref: ModelRef | None = None
        self.data_fingerprint: str | None = None
        self._training_rows: int | None = None
        self.monitoring: ReferenceProfile | None = None
        self._proof_rows: Any = None  # a few training rows a saved copy must predict alike
        self._parity_rows: Any = None  # the rows an ONNX graph is checked on
        self.compiled: Compiled | None = None
        self.origin: dict[str, Any] | None = None
        self._train_record: Path | None = None
        self._pending_record: tuple[RunRecord, Path] | None = None
        self.features: list[str] | None = None

    def __repr__(self) -> str:
        state = "trained" if self.is_trained else "untrained"
        return f"<Model {self.name or type(self.estimator).__name__} ({self.task}, {state})>"

    @property
    def is_trained(self) -> bool:
        """Whether the model has been fitted (by train or score) or loaded."""
        return self.schema is not None

    @property
    def is_classifier(self) -> bool:
        """Whether the model predicts classes."""
        return self.task == "classification"

    def with_features(
        self, columns: Sequence[str], *, all_columns: Sequence[str] | None = None
    ) -> Model:
        """A new, untrained Model reading only ``columns`` of the data (same name, task, contract).

        Its estimator is a copy restricted to those input columns
        (:func:`modelyard.columns.restrict`: a ``ColumnTransformer`` forgets the
        others), and :meth:`train` and :meth:`score` take them from the full
        table themselves, so ``model.with_features(cols).train(data)`` works on
        the same dataset. Its schema, and so the saved model card and serving,
        names only ``columns``: predict on ``X[columns]``.

        Args:
            columns: the input columns to keep, by name.
            all_columns: the columns the estimator was built for (what a column
                chosen by position refers to); by default this model's
                :attr:`features`, else the trained schema's, else unchecked
                until training.

        Raises:
            ModelyardError: an unknown column (naming the valid ones), or an
                estimator whose columns cannot be restricted.
        """
        known = all_columns
        if known is None:
            known = self.features or (self.schema.names if self.schema is not None else None)
        model = Model(restrict(self.estimator, columns, known), self.name, task=self.task)
        model.contract = self.contract
        model.features = list(columns)
        return model

    def _inputs(self, x: pd.DataFrame) -> pd.DataFrame:
        """The columns of ``x`` this model reads: :attr:`features`, or all of them."""
        if self.features is None:
            return x
        check_columns(self.features, list(x.columns))
        return x[self.features]

    def resolve_name(self, settings: Settings) -> str:
        """The name to save and log under: this model's, else the project's, else the class's."""
        return self.name or settings.name or type(self.estimator).__name__.lower()

    def score(
        self,
        data: Dataset,
        *,
        cv: int | None = None,
        test_size: float | None = None,
        random_state: int | None = None,
        metrics: tuple[str, ...] | list[str] | None = None,
        n_jobs: int | None = None,
        run_dir: Path | str | None = None,
        settings: Settings | None = None,
        quiet: bool = False,
    ) -> Result:
        """Measure the model: on a held-out split, or by ``cv``-fold cross-validation.

        Without cross-validation (``cv=0``, the default) the model is fitted on a
        training split and measured on the held-out rest, and stays fitted on
        the training split. With ``cv=k`` (k >= 2) a fresh copy of the estimator
        is fitted on each of k folds (stratified for classifiers); the result
        holds each metric's mean in ``metrics`` and its standard deviation over
        the folds in ``std``, and this model itself is left as it was.

        Unset arguments come from ``settings``, plain data the caller resolved
        (the project layer passes the project's; see :mod:`modelyard.project`).
        Without it they are :class:`~modelyard.config.Settings`' defaults:
        ``cv=0``, ``test_size=0.25``, ``random_state=42``, ``n_jobs=1``, the
        task's default metrics and ``run_dir="runs"``; nothing is read from
        ``pyproject.toml`` here. ``metrics`` takes modelyard's metric names or
        any scikit-learn scorer name (see :mod:`modelyard.metrics`). The result is
        kept in :attr:`result` and written to the run log. Progress (folds, or the
        holdout's fit and measurement) is shown on stderr unless ``quiet``
        (:class:`~modelyard.progress.Progress`).
        """
        settings = settings or Settings()
        started = utc_now()
        plan = resolve_plan(
            data,
            self.task,
            metrics=metrics or settings.metrics or default_metrics(self.task),
            cv=settings.cv if cv is None else cv,
            random_state=settings.random_state if random_state is None else random_state,
            n_jobs=settings.n_jobs if n_jobs is None else n_jobs,
            test_size=settings.test_size if test_size is None else test_size,
        )
        hashes = RowHashes(data.x, data.y)  # hashed once: the record's and the split's fingerprints
        name = self.resolve_name(settings)
        unit = "folds" if plan.cv else "steps"
        with Progress(
            "score", len(plan.splits) * (1 if plan.cv else 2), unit=unit, quiet=quiet, ticking=True
        ) as shown:
            if plan.cv:
                shown.update(0, status=f"{plan.cv} folds of {len(data.x):,} rows")
                first = plan.metrics[0]

                def fold_done(_: int, outcome: Any) -> None:
                    shown.update(1, status=f"last fold {first} {outcome[0][first]:.4f}")

                candidate = Candidate(name, self.estimator, {}, columns=self.features)
                (parts,) = run_candidates([candidate], data, plan, self.task, on_fold=fold_done)
                self.result = fold_result(name, self.estimator, self.task, parts, plan, len(data.x))
            else:
                self.result = self._holdout(data, plan, name, hashes, shown)
        options: dict[str, Any] = {
            "cv": plan.cv,
            "random_state": plan.random_state,
            "metrics": list(plan.metrics),
        }
        if not plan.cv:
            options["test_size"] = plan.test_size
        record = self._record(
            "score",
            started,
            settings,
            run_dir,
            data,
            metrics=self.result.metrics,
            metrics_std=self.result.std,
            options=options,
            fingerprint=hashes.fingerprint(),
        )
        self.result = replace(self.result, run_record=record)
        return self.result

    def _holdout(
        self, data: Dataset, plan: Plan, name: str, hashes: RowHashes, shown: Progress
    ) -> Result:
        split = plan.holdout
        assert split is not None
        x_train, x_test = self._inputs(split.x_train), self._inputs(split.x_test)
        shown.update(0, status=f"fitting on {len(x_train):,} rows")
        self._fit(x_train, split.y_train, _split_fingerprint(hashes, data, split.x_train))
        shown.update(1, status=f"measuring on {len(x_test):,} rows")
        with estimator_errors(self.estimator, x_test, "measured"):
            values, predictions = measure(
                plan.metrics, self.estimator, x_test, split.y_test, self.classes
            )
        result = Result(
            model_name=name,
            estimator=estimator_label(self.estimator),
            task=self.task,
            metrics=values,
            n_train=len(split.x_train),
            n_test=len(split.x_test),
            predictions=predictions,
            fitted_estimator=copy.deepcopy(self.estimator),  # train() refits self.estimator
            split=split,
        )
        shown.update(1, status="done")
        return result

    def train(
        self,
        data: Dataset,
        *,
        run_dir: Path | str | None = None,
        record: bool = True,
        settings: Settings | None = None,
        quiet: bool = False,
    ) -> Model:
        """Fit on all of ``data`` and write a run record; returns the model itself.

        With ``record=False`` the record is kept and written by the next
        :meth:`save`, after the version is published and naming where it went:
        what ``modelyard train`` does, so the run log never stands between a
        fitted model and its saved version. ``run_dir`` defaults to
        ``settings.run_dir``, and without ``settings`` to ``runs``. Progress (the
        fit, then the drift sketches) is shown on stderr unless ``quiet``.
        """
        settings = settings or Settings()
        started = utc_now()
        x = self._inputs(data.x)
        with Progress("train", 2, unit="steps", quiet=quiet, ticking=True) as shown:
            shown.update(0, status=f"fitting on {len(x):,} rows")
            self._fit(x, data.y)
            shown.update(1, status="sketching the training data for drift monitoring")
            self._sketch(x)
            shown.update(1, status="done")
        pending = self._make_record(
            "train", started, settings, data, fingerprint=self.data_fingerprint
        )
        folder = Path(settings.run_dir if run_dir is None else run_dir)
        self._train_record, self._pending_record = None, None
        if record:
            self._train_record = write_run(pending, folder)
        else:
            self._pending_record = (pending, folder)
        return self

    def _sketch(self, x: pd.DataFrame) -> None:
        """The drift sketches of the training rows and of the score run's held-out predictions."""
        self.monitoring = training_profile(
            x,
            {f.name: f.kind for f in self.schema.features} if self.schema else None,
            self.task,
            self.estimator.predict,
            self.result.predictions.y_pred if self.result is not None else None,
            "cross-validation" if self.result is not None and self.result.cv else "holdout",
        )

    @property
    def train_record(self) -> Path | None:
        """Where the last training's run record was written; None if it was not (yet)."""
        return self._train_record

    def gridsearch(self, data: Dataset, param_grid: Any, **options: Any) -> SearchResult:
        """Cross-validate every combination of ``param_grid``; refit the best on all of ``data``.

        ``param_grid`` maps parameter names (``C``, or ``step__param`` in a
        pipeline) to lists of values, or is a list of such dicts. Every
        candidate is measured on the same folds as :meth:`score` with
        ``cv=k`` would use.

        Options (each defaulting to the field of ``settings``, plain data the
        caller passes, else to :class:`~modelyard.config.Settings`' default;
        ``pyproject.toml`` is never read here): ``cv`` (folds; 0 for
        the holdout split; default the ``cv`` setting, else 5), ``metrics``
        (the first ranks the candidates), ``random_state``, ``n_jobs``,
        ``scheduler`` (a Dask scheduler address) and ``run_dir``.

        Returns:
            a :class:`~modelyard.search.SearchResult`; it unpacks as
            ``best_model, results`` (a new refitted Model, and a
            :class:`~modelyard.result.ResultGroup` best first). The candidate
            table is saved beside the run record (:mod:`modelyard.search`).
        """
        from modelyard.search import grid_search

        return grid_search(self, data, param_grid, **options)

    def randomsearch(
        self, data: Dataset, param_distributions: Any, *, n_iter: int = 10, **options: Any
    ) -> SearchResult:
        """Like :meth:`gridsearch`, over ``n_iter`` samples of ``param_distributions``.

        Values are lists (sampled uniformly) or scipy.stats distributions; the
        samples depend only on ``random_state``.
        """
        from modelyard.search import random_search

        return random_search(self, data, param_distributions, n_iter=n_iter, **options)

    @staticmethod
    def compare(data: Dataset, estimators: Any, **options: Any) -> ResultGroup:
        """Score several estimators on the same folds (or holdout split); best first.

        ``estimators`` is a list of estimators or Models, or a dict of name to
        estimator. Options as for :meth:`gridsearch`, except that ``cv``
        defaults to the ``cv`` setting (0: the holdout split :meth:`score`
        uses). The returned :class:`~modelyard.result.ResultGroup` has
        ``to_frame()`` and ``plot()``; the run is recorded with its table.
        """
        from modelyard.search import compare

        return compare(data, estimators, **options)

    def select_features(
        self, data: Dataset, method: str = "permutation", **options: Any
    ) -> FeatureSelection:
        """Choose the features worth keeping; see :func:`modelyard.selection.select_features`.

        ``method`` is ``"permutation"``, ``"rfecv"`` or ``"sequential"``; any
        pipeline works, a ``ColumnTransformer`` too, since the choice is among
        the input columns of ``data``. The returned
        :class:`~modelyard.selection.FeatureSelection` holds the selected
        names, the scores behind them, a plot, and ``.model()``: this model
        restricted to those columns (:meth:`with_features`). The choice is
        recorded in the run log; ``quiet=True`` shows no progress.
        """
        from modelyard.selection import select_features

        return select_features(self, data, method=method, **options)

    def predict(self, X: Any, *, threshold: float | None = None) -> np.ndarray:
        """Predict labels (classifier) or values (regressor) for the rows of ``X``.

        ``X`` is checked against the feature schema learned at training;
        columns are put in training order.

        Args:
            X: the rows to predict (see :meth:`modelyard.schema.FeatureSchema.validate`).
            threshold: binary classifiers with ``predict_proba`` only: predict the
                second class of :attr:`classes` when its probability is at least
                this, the first class otherwise (the estimator's own rule when None).
        """
        if threshold is None:
            rows = self._checked(X)
            if len(rows) == 0:
                return np.asarray(self.classes if self.classes is not None else [], float)[:0]
            return self._call("predict", rows)
        self._check_threshold(threshold)
        assert self.classes is not None
        positive = self.predict_proba(X)[:, 1] >= threshold
        return np.where(positive, self.classes[1], self.classes[0])

    def _check_threshold(self, threshold: Any) -> None:
        if not self.is_trained:
            raise NotTrainedError(
                "the model has not been trained; call train(data) or load a saved model first"
            )
        if not self.is_classifier:
            raise ModelyardError(
                "threshold applies to binary classifiers; this model is a regressor"
            )
        if self.classes is None or len(self.classes) != 2:
            count = "unknown" if self.classes is None else len(self.classes)
            raise ModelyardError(
                f"threshold applies to binary classifiers; this model has {count} classes. "
                "Use predict_proba and choose per class"
            )
        if not callable(getattr(self.estimator, "predict_proba", None)):
            raise ModelyardError(
                f"threshold needs predict_proba, which {type(self.estimator).__name__} lacks"
            )
        if isinstance(threshold, bool) or not isinstance(threshold, int | float):
            raise ModelyardError(f"threshold must be a number from 0 to 1, not {threshold!r}")
        if not 0 <= threshold <= 1:
            raise ModelyardError(f"threshold must be between 0 and 1, not {threshold}")

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities for the rows of ``X``, one column per class in :attr:`classes`."""
        if not callable(getattr(self.estimator, "predict_proba", None)):
            raise ModelyardError(
                f"{type(self.estimator).__name__} has no predict_proba; use predict, "
                "or an estimator that gives probabilities"
            )
        rows = self._checked(X)
        if len(rows) == 0:
            return np.empty((0, len(self.classes or [])))
        return self._call("predict_proba", rows)

    def _call(self, method: str, rows: pd.DataFrame) -> np.ndarray:
        """Call the estimator; rows it rejects (say, missing values) are the caller's error."""
        try:
            return getattr(self.estimator, method)(rows)
        except ValueError as error:
            reason = str(error).strip().split("\n")[0]
            raise SchemaError(
                f"{type(self.estimator).__name__}.{method} rejected X: {reason}"
            ) from error

    def save(
        self,
        store: Path | str | None = None,
        *,
        format: str = FORMAT,
        storage_options: dict[str, Any] | None = None,
        trusted: Iterable[str] | None = None,
        settings: Settings | None = None,
        quiet: bool = False,
    ) -> ModelRef:
        """Save the trained model as a new version in ``store``, with its model card.

        The save is proven before the version is published: the written file is
        loaded back with the trust that will serve it, and must predict the same
        as this model on a few training rows. A model that could never load (one
        holding a ``lambda``, or a type nobody trusts) is refused, and the store
        gets no new version.

        With the ``onnx`` extra installed, the estimator is also converted to an
        ONNX graph, written only if it passes its parity check; a graph that does
        not convert or disagrees never fails the save, the card records why (see
        :mod:`modelyard.compiled`).

        Args:
            store: a folder or an fsspec URL; ``settings.store_url`` when None
                (``models`` without settings).
            format: ``"skops"`` (default; loads without running code), or
                ``"pickle"`` / ``"joblib"`` for estimators skops cannot write
                (loading those needs ``allow_pickle=True``).
            storage_options: options of the fsspec filesystem of a URL.
            trusted: profiles or exact type names the model needs beyond
                modelyard's built-in list; ``settings.trust`` when None (none
                without settings).
            settings: the project's settings, plain data resolved by the caller
                (name, root, model factory, store, trust); nothing is read from
                ``pyproject.toml`` here. The project layer passes them.
            quiet: show no progress (the ONNX conversion, then the write and its proof).

        Returns:
            where the version was written; ``str(ref)`` can be given to
            :func:`~modelyard.store.load_model` and ``modelyard serve``.
        """
        if not self.is_trained:
            raise NotTrainedError("the model has not been trained; call train(data) before save()")
        settings = settings or Settings()
        name = self.resolve_name(settings)
        target = open_store(settings.store_url if store is None else store, storage_options)
        git = git_state(settings.root)
        package = model_package(settings.model, settings.root)
        with Progress("save", 2, unit="steps", quiet=quiet, ticking=True) as shown:
            shown.update(0, status="compiling to ONNX")
            compiled = compile_estimator(
                self.estimator,
                self.schema.to_dict(),
                self._parity_rows,
                is_classifier=self.is_classifier,
            )
            shown.update(1, status="writing the version and loading it back")
            self.ref = target.publish(
                name,
                lambda folder, version: write_artifact(
                    self.estimator,
                    replace(self._card(name, version, git), package=package),
                    folder,
                    format=format,
                    trusted=settings.trust if trusted is None else tuple(trusted),
                    proof_rows=self._proof_rows,
                    compiled=compiled,
                ),
            )
            shown.update(1, status="done")
        self.compiled = compiled if compiled is not None and compiled.payload else None
        if self._pending_record is not None:
            pending, folder = self._pending_record
            self._pending_record = None
            self._train_record = write_run(replace(pending, artifact=str(self.ref)), folder)
        else:
            attach_artifact(self._train_record, str(self.ref))
        return self.ref

    @classmethod
    def from_artifact(
        cls, estimator: Any, card: ModelCard, source: ModelRef, *, compiled: bytes | None = None
    ) -> Model:
        """Rebuild a trained model from a loaded estimator and its model card.

        ``compiled`` is the version's verified ONNX graph
        (:func:`~modelyard.artifact.read_compiled`), if it has one.
        """
        model = cls(estimator, card.name, task=card.task)
        model.schema = FeatureSchema.from_dict(card.features)
        model.classes = card.classes
        model.ref = source
        model.data_fingerprint = card.data_fingerprint or None
        model._training_rows = card.training_rows
        if compiled is not None and card.compiled is not None:
            model.compiled = Compiled(compiled, dict(card.compiled))
        model.monitoring = ReferenceProfile.from_dict(card.monitoring) if card.monitoring else None
        model.origin = card.origin
        return model

    def _fit(self, X: Any, y: Any, fingerprint: str | None = None) -> None:
        fit_estimator(self.estimator, X, y)
        self.schema = FeatureSchema.from_frame(X, self.contract)
        self.data_fingerprint = fingerprint or data_fingerprint(X, y)
        self._training_rows = len(X)
        self._proof_rows = X[:PROOF_ROWS] if isinstance(X, pd.DataFrame | np.ndarray) else None
        self._parity_rows = parity_rows(X)
        self.compiled = None  # a graph of an earlier fit no longer describes the estimator
        classes = getattr(self.estimator, "classes_", None)
        self.classes = np.asarray(classes).tolist() if classes is not None else None

    def _checked(self, X: Any) -> Any:
        if self.schema is None:
            raise NotTrainedError(
                "the model has not been trained; call train(data) or load a saved model first"
            )
        return self.schema.validate(X)

    def _card(self, name: str, version: int, git: dict[str, Any] | None) -> ModelCard:
        assert self.schema is not None
        return ModelCard(
            name=name,
            version=version,
            created=utc_now().isoformat(),
            task=self.task,
            estimator=f"{type(self.estimator).__module__}.{type(self.estimator).__qualname__}",
            params=_plain_params(self.estimator),
            features=self.schema.to_dict(),
            classes=self.classes,
            metrics=dict(self.result.metrics) if self.result else {},
            versions=library_versions(),
            data_fingerprint=self.data_fingerprint or "",
            training_rows=self._training_rows,
            git=git,
            monitoring=self.monitoring.to_dict() if self.monitoring is not None else None,
            label=estimator_label(self.estimator),
            origin=self.origin,
        )

    def _record(
        self,
        kind: str,
        started: datetime,
        settings: Settings,
        run_dir: Path | str | None,
        data: Dataset,
        **details: Any,
    ) -> Path | None:
        record = self._make_record(kind, started, settings, data, **details)
        return write_run(record, Path(settings.run_dir if run_dir is None else run_dir))

    def _make_record(
        self,
        kind: str,
        started: datetime,
        settings: Settings,
        data: Dataset,
        metrics: dict[str, float] | None = None,
        metrics_std: dict[str, float] | None = None,
        options: dict[str, Any] | None = None,
        fingerprint: str | None = None,
    ) -> RunRecord:
        return RunRecord.finished(
            kind=kind,
            started=started,
            model_name=self.resolve_name(settings),
            estimator=estimator_label(self.estimator),
            params=_plain_params(self.estimator),
            metrics=dict(metrics or {}),
            metrics_std=dict(metrics_std or {}),
            options=dict(options or {}),
            data=data_summary(data, fingerprint),
            git=git_state(settings.root),
        )


def _split_fingerprint(hashes: RowHashes, data: Dataset, part: pd.DataFrame) -> str | None:
    """The fingerprint of some of ``data``'s rows from their hashes; None to hash them afresh.

    Rows are found by index label, so only a unique index will do.
    """
    if not data.x.index.is_unique:
        return None
    return hashes.fingerprint(data.x.index.get_indexer(part.index))


def _infer_task(estimator: Any) -> str:
    kind = getattr(estimator, "_estimator_type", None)
    if hasattr(estimator, "__sklearn_tags__"):
        from sklearn.utils import get_tags

        kind = get_tags(estimator).estimator_type
    if kind == "classifier":
        return "classification"
    if kind == "regressor":
        return "regression"
    if callable(getattr(estimator, "predict_proba", None)):
        return "classification"
    raise ModelyardError(
        f"cannot tell whether {type(estimator).__name__} is a classifier or a regressor; "
        "pass Model(estimator, task='classification') or task='regression'"
    )


def _plain_params(estimator: Any) -> dict[str, Any]:
    """The estimator's own parameters, as JSON values (text where they are not plain)."""
    get_params = getattr(estimator, "get_params", None)
    params = get_params(deep=False) if callable(get_params) else {}
    plain = (str, int, float, bool, type(None))
    return {
        key: value if isinstance(value, plain) else repr(value) for key, value in params.items()
    }
