"""The prediction path: rows already validated against the schema, straight to the estimator.

Whether the estimator can take a plain NumPy array is decided once, at start-up,
by a probe: a pipeline that selects columns by name (a ColumnTransformer) needs
a DataFrame, most others give the same answer for an array in training column
order and skip building a DataFrame on every request.

Two kinds of estimator get one more start-up decision, when arrays are used:

* random and extra-trees forests: scikit-learn spreads a forest's prediction
  over joblib workers, which for a handful of rows costs far more than walking
  the trees. The trees are asked directly, one after the other, the same sum in
  the same order;
* pipelines: ``Pipeline.predict`` checks that it is fitted and builds its tags
  (a deep copy of its steps) on every call, a tenth of a single-row request for
  a scaled linear model. The steps are asked directly instead, each
  ``transform`` in turn then the last step's ``predict``, which is what
  ``Pipeline.predict`` does after its checks; each step still validates its input.

Either walk is used only if it gives exactly the estimator's answers on the
probe rows, and only for those exact classes (a subclass may predict differently).

A model saved with an ONNX graph that passed its parity check (see
:mod:`modelyard.compiled`) is answered by ONNX Runtime instead, unless the
runtime is not installed or ``MODELYARD_COMPILED=off``. Which path serves is
logged once, at start-up.
"""

import logging
import warnings
from typing import Any

import numpy as np
import pandas as pd

from modelyard.compiled import THREADS, CompiledModel, compiled_mode, runtime_installed
from modelyard.model import Model
from modelyard.schema import FeatureSchema

logger = logging.getLogger("modelyard.serving")

_DTYPES = {"integer": np.int64, "number": np.float64, "boolean": np.bool_, "category": object}
#: scikit-learn's warning when an array reaches an estimator fitted on a DataFrame. The probe
#: proved the column order matches, so on the array path the warning says nothing useful.
_NAMES_WARNING = "X does not have valid feature names"


class Predictor:
    """Predictions (and probabilities) for rows given as lists in training column order."""

    def __init__(self, model: Model):
        assert model.schema is not None
        self.estimator = model.estimator
        self.schema: FeatureSchema = model.schema
        self.classes = model.classes
        self.has_probabilities = model.is_classifier and callable(
            getattr(model.estimator, "predict_proba", None)
        )
        self._names = model.schema.names
        # A feature that may be missing holds NaN for null: floats, or objects for categories.
        self._dtypes = [
            np.float64 if f.nullable and f.kind in ("integer", "boolean") else _DTYPES[f.kind]
            for f in model.schema.features
        ]
        self._nullable_categories = {
            f.name for f in model.schema.features if f.nullable and f.kind == "category"
        }
        self.uses_arrays = self._arrays_give_the_same_answers()
        #: The walk that answers instead of the estimator's own methods ("trees" or
        #: "steps"), or None.
        self.walk: str | None = None
        self._predict, self._predict_proba = self._methods(model.estimator)
        logger.debug("prediction input: %s", "NumPy arrays" if self.uses_arrays else "DataFrames")
        self.compiled, self.path = self._compiled(model)

    def predict(
        self, rows: list[list[Any]], probabilities: bool = False, *, in_contract: bool = True
    ) -> dict[str, Any]:
        """``{"predictions": [...]}``, plus ``"probabilities"`` when asked and available.

        The compiled graph answers only when ``in_contract``: every value lies within
        what the model saw in training, which its parity check covered (a value far
        outside it can overflow in the graph where scikit-learn refuses it). An answer
        that is not a finite number is a ValueError: the model cannot use these values.
        """
        if self.compiled is not None and in_contract:
            answer = self.compiled.run(rows, probabilities)
            if answer is not None:
                labels, proba = answer
                compiled: dict[str, Any] = {"predictions": _finite(labels).tolist()}
                if probabilities:
                    compiled["probabilities"] = _finite(proba).tolist()
                return compiled
        X = self._input(rows)
        answer: dict[str, Any] = {"predictions": _finite(self._predict(X)).tolist()}
        if probabilities:
            answer["probabilities"] = _finite(self._predict_proba(X)).tolist()  # type: ignore[misc]
        return answer

    def _methods(self, estimator: Any) -> tuple[Any, Any]:
        """The functions that answer ``predict`` and ``predict_proba`` (None without it)."""
        predict, proba = estimator.predict, getattr(estimator, "predict_proba", None)
        if not self.uses_arrays:
            return predict, proba
        walk = _TreeWalk.of(estimator) or _StepWalk.of(estimator)
        if walk is not None and self._same_as_estimator(walk, proba is not None):
            self.walk = walk.name
            predict, proba = walk.predict, walk.predict_proba if proba is not None else None
            if not walk.checks_names:
                return predict, proba
        # The warning is silenced around these calls only, not process-wide.
        silenced = _without_names_warning(proba) if proba is not None else None
        return _without_names_warning(predict), silenced

    def _compiled(self, model: Model) -> tuple[CompiledModel | None, str]:
        """The ONNX session to predict with, or None; and the path served, as logged."""
        record = model.compiled.record if model.compiled is not None else None
        reason = None
        if compiled_mode() == "off":
            reason = "MODELYARD_COMPILED=off"
        elif record is None:
            reason = "the model has no ONNX graph (save it with modelyard[onnx] installed)"
        elif record.get("parity") == "skipped":
            reason = f"the model was not compiled: {record.get('reason')}"
        elif record.get("parity") != "passed":
            reason = f"the ONNX graph failed its parity check: {record.get('reason')}"
        elif not runtime_installed():
            reason = "onnxruntime is not installed (pip install 'modelyard[onnx]')"
        session = None
        if reason is None:
            assert model.compiled is not None and model.compiled.payload is not None
            try:
                session = CompiledModel(model.compiled.payload, is_classifier=model.is_classifier)
            except Exception as error:  # a runtime that cannot run the graph: scikit-learn serves
                reason = f"ONNX Runtime cannot load the graph ({type(error).__name__})"
        if session is not None:
            path = "onnx"
            logger.info(
                "prediction path: onnx (ONNX Runtime, %d thread; parity passed, max_abs_diff %s)",
                THREADS,
                record.get("max_abs_diff") if record else None,
            )
        else:
            path = "scikit-learn"
            logger.info("prediction path: scikit-learn (%s)", reason)
        return session, path

    def _same_as_estimator(self, walk: "_TreeWalk | _StepWalk", probabilities: bool) -> bool:
        """Whether the walk gives exactly the estimator's answers on the probe rows."""
        X = np.array([_probe_row(self.schema, offset) for offset in range(8)], dtype=np.float64)
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=_NAMES_WARNING)
                same = bool((walk.predict(X) == self.estimator.predict(X)).all())
                if same and probabilities:
                    same = bool((walk.predict_proba(X) == self.estimator.predict_proba(X)).all())
        except Exception:  # a walk that cannot answer is not used; the estimator's methods are
            return False
        return same

    def _input(self, rows: list[list[Any]]) -> Any:
        if self.uses_arrays:
            return np.array(rows, dtype=np.float64)
        columns = list(zip(*rows, strict=True))
        return pd.DataFrame(
            {
                name: np.array(
                    [np.nan if v is None else v for v in values]
                    if name in self._nullable_categories
                    else values,
                    dtype=dtype,
                )
                for name, values, dtype in zip(self._names, columns, self._dtypes, strict=True)
            }
        )

    def _arrays_give_the_same_answers(self) -> bool:
        """Whether an array in column order gets the same answers as a DataFrame."""
        if any(f.kind == "category" for f in self.schema.features):
            return False
        rows = [_probe_row(self.schema, offset) for offset in (0, 1)]
        array = np.array(rows, dtype=np.float64)
        self.uses_arrays = False
        frame = self._input(rows)
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=_NAMES_WARNING)
                same = _equal(self.estimator.predict(array), self.estimator.predict(frame))
                if same and self.has_probabilities:
                    same = _equal(
                        self.estimator.predict_proba(array), self.estimator.predict_proba(frame)
                    )
        except Exception:  # any failure on an array means: keep DataFrames
            return False
        return same


def _without_names_warning(method: Any) -> Any:
    """``method`` with scikit-learn's feature-names warning ignored while it runs."""

    def call(X: np.ndarray) -> Any:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=_NAMES_WARNING, category=UserWarning)
            return method(X)

    return call


def _finite(answer: Any) -> Any:
    """``answer`` as an array; a ValueError if it holds NaN or infinity (JSON has neither)."""
    answer = np.asarray(answer)
    if answer.dtype.kind in "fc" and not np.isfinite(answer).all():
        raise ValueError("the model's answer for these values is not a finite number")
    return answer


def _probe_row(schema: FeatureSchema, offset: int) -> list[Any]:
    """A row with a different value in every column, so a column mix-up changes the answer."""
    values: list[Any] = []
    for i, feature in enumerate(schema.features):
        if feature.kind == "boolean":
            values.append((i + offset) % 2 == 0)
        elif feature.kind == "integer":
            values.append(i + 1 + offset)
        else:
            values.append((i + 1) * 0.37 + offset)
    return values


def _equal(a: Any, b: Any) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind in "fc" and b.dtype.kind in "fc":
        return bool(np.allclose(a, b, rtol=1e-9, atol=1e-12))
    return bool((a == b).all())


class _StepWalk:
    """A fitted Pipeline's prediction without its per-call checks: each step in turn."""

    name = "steps"
    #: The first step sees the array and warns that it has no feature names.
    checks_names = True

    def __init__(self, transforms: list[Any], final: Any):
        self.transforms, self.final = transforms, final

    @classmethod
    def of(cls, estimator: Any) -> "_StepWalk | None":
        """The step walk for a scikit-learn Pipeline (exactly that class), else None."""
        from sklearn.pipeline import Pipeline

        if type(estimator) is not Pipeline:
            return None
        # Pipeline.predict skips a step that is None or "passthrough"; so does the walk.
        transforms = [step for _, step in estimator.steps[:-1] if not _skipped(step)]
        return cls(transforms, estimator.steps[-1][1])

    def _transformed(self, X: np.ndarray) -> Any:
        for step in self.transforms:
            X = step.transform(X)
        return X

    def predict(self, X: np.ndarray) -> Any:
        """The last step's prediction for the transformed rows."""
        return self.final.predict(self._transformed(X))

    def predict_proba(self, X: np.ndarray) -> Any:
        """The last step's class probabilities for the transformed rows."""
        return self.final.predict_proba(self._transformed(X))


def _skipped(step: Any) -> bool:
    return step is None or (isinstance(step, str) and step == "passthrough")


class _TreeWalk:
    """A fitted single-output forest's prediction without joblib: each tree in turn."""

    name = "trees"
    #: The trees are asked without input checks (the rows are already a float array).
    checks_names = False

    def __init__(self, forest: Any, is_classifier: bool):
        self.forest = forest
        self.trees = list(forest.estimators_)
        self.is_classifier = is_classifier

    @classmethod
    def of(cls, estimator: Any) -> "_TreeWalk | None":
        """The tree walk for a scikit-learn random or extra-trees forest, else None."""
        from sklearn.ensemble import (
            ExtraTreesClassifier,
            ExtraTreesRegressor,
            RandomForestClassifier,
            RandomForestRegressor,
        )

        kind = type(estimator)  # exact types: a subclass may predict differently
        if (
            kind
            not in (
                RandomForestClassifier,
                ExtraTreesClassifier,
                RandomForestRegressor,
                ExtraTreesRegressor,
            )
            or getattr(estimator, "n_outputs_", 0) != 1
        ):
            return None
        return cls(estimator, kind in (RandomForestClassifier, ExtraTreesClassifier))

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """The mean of the trees' class probabilities, summed in tree order."""
        X32 = np.asarray(X, dtype=np.float32)
        total = np.zeros((X32.shape[0], self.forest.n_classes_), dtype=np.float64)
        for tree in self.trees:
            total += tree.predict_proba(X32, check_input=False)
        total /= len(self.trees)
        return total

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The forest's labels (classifier) or mean prediction (regressor)."""
        if self.is_classifier:
            return self.forest.classes_.take(np.argmax(self.predict_proba(X), axis=1), axis=0)
        X32 = np.asarray(X, dtype=np.float32)
        total = np.zeros(X32.shape[0], dtype=np.float64)
        for tree in self.trees:
            total += tree.predict(X32, check_input=False)
        total /= len(self.trees)
        return total
