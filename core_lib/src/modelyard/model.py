"""Model: one lifecycle (score, train, predict, save) around any compatible estimator."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from modelyard.artifact import ModelCard, library_versions, write_artifact
from modelyard.config import Settings, load_settings
from modelyard.data import Dataset
from modelyard.exceptions import ModelyardError, NotTrainedError
from modelyard.metrics import Predictions, check_metric_names, compute_metrics, default_metrics
from modelyard.result import Result
from modelyard.runlog import RunRecord, attach_artifact, utc_now, write_run
from modelyard.schema import FeatureSchema
from modelyard.store import ModelRef, ModelStore

TASKS = ("classification", "regression")


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
        classes: class labels of a trained classifier, else None.
        result: the :class:`~modelyard.result.Result` of the last :meth:`score`.
        ref: where the model was last saved to or loaded from.
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
        self.classes: list[Any] | None = None
        self.result: Result | None = None
        self.ref: ModelRef | None = None
        self._train_record: Path | None = None

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

    def resolve_name(self, settings: Settings) -> str:
        """The name to save and log under: this model's, else the project's, else the class's."""
        return self.name or settings.name or type(self.estimator).__name__.lower()

    def score(
        self,
        data: Dataset,
        *,
        test_size: float | None = None,
        random_state: int | None = None,
        metrics: tuple[str, ...] | None = None,
        run_dir: Path | str | None = None,
    ) -> Result:
        """Fit on a training split and measure on the held-out rest.

        Unset arguments come from the project's configuration (see
        :mod:`modelyard.config`). The model stays fitted on the training split,
        and the result is kept in :attr:`result` and written to the run log.
        """
        settings = load_settings()
        started = utc_now()
        names = metrics or default_metrics(self.task)
        check_metric_names(names)  # before fitting, so a typo costs nothing
        split = data.split(
            test_size=settings.test_size if test_size is None else test_size,
            random_state=settings.random_state if random_state is None else random_state,
            stratify=self.is_classifier,
        )
        self._fit(split.x_train, split.y_train)
        predictions = self._predictions(split.x_test, split.y_test)
        self.result = Result(
            model_name=self.resolve_name(settings),
            estimator=type(self.estimator).__name__,
            task=self.task,
            metrics=compute_metrics(names, predictions),
            n_train=len(split.x_train),
            n_test=len(split.x_test),
            predictions=predictions,
        )
        self._record("score", started, settings, run_dir, data, metrics=self.result.metrics)
        return self.result

    def train(self, data: Dataset, *, run_dir: Path | str | None = None) -> Model:
        """Fit on all of ``data`` and write a run record; returns the model itself."""
        settings = load_settings()
        started = utc_now()
        self._fit(data.x, data.y)
        self._train_record = self._record("train", started, settings, run_dir, data)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predict labels (classifier) or values (regressor) for the rows of ``X``.

        ``X`` is checked against the feature schema learned at training;
        columns are put in training order.
        """
        return self.estimator.predict(self._checked(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities for the rows of ``X``, one column per class in :attr:`classes`."""
        if not callable(getattr(self.estimator, "predict_proba", None)):
            raise ModelyardError(
                f"{type(self.estimator).__name__} has no predict_proba; use predict, "
                "or an estimator that gives probabilities"
            )
        return self.estimator.predict_proba(self._checked(X))

    def save(self, store: Path | str | None = None) -> ModelRef:
        """Save the trained model as a new version in ``store`` (the project's model_dir).

        Returns:
            where the version was written; ``str(ref)`` can be given to
            :func:`~modelyard.store.load_model` and ``modelyard serve``.
        """
        if not self.is_trained:
            raise NotTrainedError("the model has not been trained; call train(data) before save()")
        settings = load_settings()
        name = self.resolve_name(settings)
        target = ModelStore(settings.model_dir if store is None else store)
        self.ref = target.publish(
            name,
            lambda folder, version: write_artifact(
                self.estimator, self._card(name, version), folder
            ),
        )
        attach_artifact(self._train_record, str(self.ref))
        return self.ref

    @classmethod
    def from_artifact(cls, estimator: Any, card: ModelCard, source: ModelRef) -> Model:
        """Rebuild a trained model from a loaded estimator and its model card."""
        model = cls(estimator, card.name, task=card.task)
        model.schema = FeatureSchema.from_dict(card.features)
        model.classes = card.classes
        model.ref = source
        return model

    def _fit(self, X: Any, y: Any) -> None:
        self.estimator.fit(X, y)
        self.schema = FeatureSchema.from_frame(X)
        classes = getattr(self.estimator, "classes_", None)
        self.classes = np.asarray(classes).tolist() if classes is not None else None

    def _checked(self, X: Any) -> Any:
        if self.schema is None:
            raise NotTrainedError(
                "the model has not been trained; call train(data) or load a saved model first"
            )
        return self.schema.validate(X)

    def _predictions(self, X: Any, y: Any) -> Predictions:
        has_proba = self.is_classifier and callable(getattr(self.estimator, "predict_proba", None))
        return Predictions(
            y_true=np.asarray(y),
            y_pred=np.asarray(self.estimator.predict(X)),
            y_proba=np.asarray(self.estimator.predict_proba(X)) if has_proba else None,
            classes=np.asarray(self.classes) if self.classes is not None else None,
        )

    def _card(self, name: str, version: int) -> ModelCard:
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
        )

    def _record(
        self,
        kind: str,
        started: datetime,
        settings: Settings,
        run_dir: Path | str | None,
        data: Dataset,
        metrics: dict[str, float] | None = None,
    ) -> Path | None:
        record = RunRecord.finished(
            kind=kind,
            started=started,
            model_name=self.resolve_name(settings),
            estimator=type(self.estimator).__name__,
            params=_plain_params(self.estimator),
            metrics=dict(metrics or {}),
            data={"dataset": type(data).__name__, "rows": len(data.x), "columns": data.x.shape[1]},
        )
        return write_run(record, Path(settings.run_dir if run_dir is None else run_dir))


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
