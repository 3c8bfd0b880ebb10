"""Compiled predictions: the fitted estimator as an ONNX graph, used only once proven.

With the ``onnx`` extra installed (``pip install 'modelyard[onnx]'``: skl2onnx and
ONNX Runtime), :meth:`modelyard.model.Model.save` also tries to convert the
estimator to an ONNX graph (``model.onnx`` beside ``model.skops``). The graph is
kept only if it passes a **parity check**: on the check rows (see
:func:`parity_rows`) it must give the same labels as scikit-learn and
probabilities within :data:`TOLERANCE` (absolute); a regressor's predictions
must be within :data:`TOLERANCE` times ``max(1, |prediction|)``.

The card records the outcome in its ``compiled`` field::

    {"format": "onnx", "file": "model.onnx", "sha256": "...", "parity": "passed",
     "max_abs_diff": 1.2e-06, "reason": null}

A graph that does not convert, or converts and disagrees, is not written; the
card says ``"parity": "failed"`` and why, and the save goes on. A model that is
not tried (more than :data:`MAX_TREE_NODES` tree nodes, or no rows to check on)
says ``"parity": "skipped"`` and why. Without the
extra nothing is attempted and ``compiled`` is None.

The server (:mod:`modelyard.serving.predictor`) predicts with the graph when its
parity passed, the runtime is installed and ``MODELYARD_COMPILED`` is not
``off``; otherwise with scikit-learn. ONNX Runtime runs on one thread per
session (:data:`THREADS`), as the server's workers are the unit of parallelism.

Tree ensembles (decision trees, forests, extra trees, gradient boosting, alone
or inside a pipeline): scikit-learn compares a float32 copy of each value with
a float64 threshold, while ONNX's tree operators compare float thresholds (and
skl2onnx rounds them to the nearest float). Rows near a threshold then take
another branch. The graph is therefore built from a copy whose thresholds are
rounded *down* to a float (``x <= t`` and ``x <= round_down(t)`` agree for
every float ``x``), and a double-precision graph casts each tree's input to
float first. Parity then holds exactly, not
by tolerance; the check stays as strict as for any other estimator.

String columns: ONNX string tensors cannot hold a missing value, and
skl2onnx converts a string ``SimpleImputer`` only when its missing value is a
string. The graph is therefore built from a copy of the estimator whose string
imputers look for :data:`MISSING` (a NUL character), and a missing string is
sent to the graph as that value. A request holding that very string goes to
scikit-learn instead.
"""

from __future__ import annotations

import copy
import hashlib
import importlib.util
from dataclasses import dataclass
from typing import Any

import numpy as np

from modelyard import env
from modelyard.exceptions import ConfigError

#: The graph's file name in a version folder.
COMPILED_FILE = "model.onnx"
#: Largest absolute difference of a probability allowed by the parity check.
TOLERANCE = 1e-5
#: Rows of the training frame the parity check runs on (its last ones).
PARITY_ROWS = 256
#: Threads ONNX Runtime uses inside one prediction (``intra_op_num_threads``).
THREADS = 1
#: The environment variable that turns the compiled path ``off`` (default ``auto``).
MODE_ENV = "MODELYARD_COMPILED"
MODES = ("auto", "off")
#: What a missing string is sent to the graph as (see the module's description).
MISSING = "\x00"


def runtime_installed() -> bool:
    """Whether the ``onnx`` extra (skl2onnx and ONNX Runtime) is installed."""
    return all(importlib.util.find_spec(name) is not None for name in ("skl2onnx", "onnxruntime"))


def compiled_mode() -> str:
    """``MODELYARD_COMPILED``: ``auto`` (the default) or ``off``.

    Raises:
        ConfigError: for any other value.
    """
    mode = (env.read(MODE_ENV, "auto") or "").strip().lower() or "auto"
    if mode not in MODES:
        raise ConfigError(f"{MODE_ENV} must be one of {', '.join(MODES)}, not {mode!r}")
    return mode


@dataclass(frozen=True)
class Compiled:
    """The outcome of compiling one estimator at save time.

    Attributes:
        payload: the ONNX graph's bytes when parity passed, else None (nothing is written).
        record: what the card's ``compiled`` field says (see the module's description).
    """

    payload: bytes | None
    record: dict[str, Any]


def parity_rows(X: Any) -> Any:
    """The rows the parity check runs on: the last :data:`PARITY_ROWS` of the training frame.

    Every row the final estimator has seen was used to fit it (``train`` fits on
    all rows); parity compares two implementations of the same fitted function,
    so what matters is that the rows cover what requests hold: each kind of
    value, missing values where the data has them. One more row with every
    column that has a missing value set missing is added, so each imputer is
    exercised. None for anything but a DataFrame or an array.
    """
    import pandas as pd

    if isinstance(X, np.ndarray):
        return X[-PARITY_ROWS:]
    if not isinstance(X, pd.DataFrame) or X.empty:
        return None
    tail = X.iloc[-PARITY_ROWS:]
    gaps = [name for name in X.columns if X[name].isna().any()]
    if not gaps:
        return tail
    missing = X.iloc[[0]].copy()
    for name in gaps:
        missing[name] = np.nan
    return pd.concat([tail, missing.astype(X.dtypes.to_dict())])


#: The most decision-tree nodes a model may hold to be converted. skl2onnx walks every
#: node in Python: a 100-tree forest grown to full depth on 54,000 rows (5.9 million
#: nodes) took five minutes to convert and its graph was 240 MB; a few hundred thousand
#: nodes convert in seconds.
MAX_TREE_NODES = 250_000


def tree_nodes(estimator: Any) -> int:
    """How many decision-tree nodes ``estimator`` holds: in its steps, ensembles and trees."""
    if isinstance(estimator, list | tuple):
        return sum(tree_nodes(part) for part in estimator)
    steps = getattr(estimator, "steps", None)
    if isinstance(steps, list):
        return sum(tree_nodes(step) for _, step in steps)
    tree = getattr(estimator, "tree_", None)
    if tree is not None:
        return int(getattr(tree, "node_count", 0))
    nodes = getattr(estimator, "nodes", None)  # a histogram gradient boosting predictor
    if nodes is not None and hasattr(nodes, "__len__"):
        return len(nodes)
    members = getattr(estimator, "estimators_", None)
    if members is None:
        members = getattr(estimator, "_predictors", None)
    if members is None:
        return 0
    return sum(tree_nodes(member) for member in _flat(members))


def _flat(members: Any) -> list[Any]:
    """An ensemble's members as one list (gradient boosting keeps a 2-D array of trees)."""
    import numpy as np

    return list(np.asarray(members, dtype=object).ravel())


def compile_estimator(
    estimator: Any, features: list[dict[str, Any]], rows: Any, *, is_classifier: bool
) -> Compiled | None:
    """Convert ``estimator`` to ONNX and check its parity on ``rows``; None without the extra.

    Never raises for an estimator that does not convert or a graph that disagrees:
    the returned record says what happened.
    """
    if not runtime_installed():
        return None
    if rows is None or len(rows) == 0:
        return _failed(
            "no training rows to check parity on (fit on a DataFrame or an array)", parity="skipped"
        )
    nodes = tree_nodes(estimator)
    if nodes > MAX_TREE_NODES:
        return _failed(
            f"too large to compile: {nodes:,} tree nodes (the limit is {MAX_TREE_NODES:,}); "
            "scikit-learn answers its predictions",
            parity="skipped",
        )
    try:
        payload = _convert(estimator, features, is_classifier)
    except Exception as error:
        return _failed(f"skl2onnx cannot convert {type(estimator).__name__}: {_first_line(error)}")
    try:
        graph = CompiledModel(payload, is_classifier=is_classifier)
        largest = graph.parity(estimator, rows)
    except ParityError as error:
        return _failed(str(error), error.largest)
    except Exception as error:
        return _failed(f"the graph does not run: {type(error).__name__}: {_first_line(error)}")
    return Compiled(
        payload,
        {
            "format": "onnx",
            "file": COMPILED_FILE,
            "sha256": hashlib.sha256(payload).hexdigest(),
            "parity": "passed",
            "max_abs_diff": largest,
            "reason": None,
        },
    )


class ParityError(Exception):
    """The graph's answers differ from scikit-learn's beyond the tolerance."""

    def __init__(self, message: str, largest: float | None = None):
        super().__init__(message)
        self.largest = largest


class CompiledModel:
    """An ONNX graph in an ONNX Runtime session, answering rows in training column order.

    Args:
        payload: the graph's bytes (already checked against the card's hash).
        is_classifier: whether the graph returns labels and probabilities.
    """

    def __init__(self, payload: bytes, *, is_classifier: bool):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = THREADS
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            payload, options, providers=["CPUExecutionProvider"]
        )
        self.is_classifier = is_classifier
        inputs = self.session.get_inputs()
        self._names = [i.name for i in inputs]
        self._types = [_NUMPY[i.type] for i in inputs]
        self._matrix = len(inputs) == 1 and inputs[0].shape[-1] != 1
        self._outputs = [o.name for o in self.session.get_outputs()]

    def run(self, rows: list[list[Any]], probabilities: bool = False) -> tuple[Any, Any] | None:
        """Labels (or values) and, when asked, probabilities; None if the rows need scikit-learn.

        ``rows`` hold plain values in training column order, None for missing.
        """
        feeds = self._feeds(rows)
        if feeds is None:
            return None
        if not self.is_classifier:
            (values,) = self.session.run(self._outputs[:1], feeds)
            return np.asarray(values, dtype=np.float64).ravel(), None
        wanted = self._outputs[:2] if probabilities else self._outputs[:1]
        answers = self.session.run(wanted, feeds)
        proba = np.asarray(answers[1], dtype=np.float64) if probabilities else None
        return answers[0], proba

    def parity(self, estimator: Any, rows: Any) -> float:
        """The largest difference from ``estimator`` on ``rows``.

        Raises:
            ParityError: if a label differs or a difference passes the tolerance.
        """
        plain = _plain_rows(rows)
        answer = self.run(plain, probabilities=self.is_classifier)
        if answer is None:
            raise ParityError(f"a training value equals the stand-in for missing ({MISSING!r})")
        labels, proba = answer
        expected = np.asarray(estimator.predict(rows))
        if not self.is_classifier:
            scale = np.maximum(1.0, np.abs(expected.astype(np.float64)))
            diff = np.abs(labels - expected) / scale
            largest = float(diff.max()) if diff.size else 0.0
            if not np.all(diff <= TOLERANCE):
                raise ParityError(
                    f"the graph's predictions differ from scikit-learn's by up to {largest:.3g} "
                    f"(relative), more than {TOLERANCE}",
                    largest,
                )
            return largest
        largest = 0.0
        if callable(getattr(estimator, "predict_proba", None)):  # else labels are the answer
            diff = np.abs(proba - np.asarray(estimator.predict_proba(rows), dtype=np.float64))
            largest = float(diff.max()) if diff.size else 0.0
        if np.asarray(labels).tolist() != expected.tolist():
            count = int(np.sum(np.asarray(labels) != expected))
            raise ParityError(
                f"the graph predicts another label on {count} of {len(plain)} rows", largest
            )
        if not largest <= TOLERANCE:
            raise ParityError(
                f"the graph's probabilities differ from scikit-learn's by up to {largest:.3g}, "
                f"more than {TOLERANCE}",
                largest,
            )
        return largest

    def _feeds(self, rows: list[list[Any]]) -> dict[str, Any] | None:
        if self._matrix:
            return {self._names[0]: np.array(rows, dtype=self._types[0])}
        feeds = {}
        for name, kind, values in zip(
            self._names, self._types, zip(*rows, strict=True), strict=True
        ):
            if kind is object:
                if MISSING in values:
                    return None
                column = np.array([MISSING if v is None else str(v) for v in values], dtype=object)
            else:
                column = np.array(values, dtype=kind)
            feeds[name] = column.reshape(-1, 1)
        return feeds


_NUMPY = {"tensor(float)": np.float32, "tensor(double)": np.float64, "tensor(string)": object}


def _failed(reason: str, largest: float | None = None, *, parity: str = "failed") -> Compiled:
    """The record of no graph: ``failed`` (tried; it did not convert or agree) or ``skipped``."""
    record = {
        "format": "onnx",
        "file": None,
        "sha256": None,
        "parity": parity,
        "max_abs_diff": largest,
        "reason": reason,
    }
    return Compiled(None, record)


def _first_line(error: BaseException, limit: int = 200) -> str:
    lines = str(error).strip().splitlines()
    line = lines[0] if lines else type(error).__name__
    return line if len(line) <= limit else line[:limit] + "..."


def _plain_rows(rows: Any) -> list[list[Any]]:
    """Rows as a request gives them: plain values in column order, None for missing."""
    import pandas as pd

    if isinstance(rows, pd.DataFrame):
        table = rows.astype(object).where(rows.notna(), None)
        return table.to_numpy(dtype=object).tolist()
    return np.asarray(rows, dtype=np.float64).tolist()


def _convert(estimator: Any, features: list[dict[str, Any]], is_classifier: bool) -> bytes:
    """The graph of ``estimator``: numbers in double precision if it converts, else in float."""
    from skl2onnx import to_onnx

    target = _with_string_missing(estimator)
    _round_thresholds_down(target)
    # Probabilities as a plain tensor, not a list of maps; a classifier without
    # probabilities (LinearSVC) refuses the option and converts without it.
    choices = [{id(target): {"zipmap": False}}, None] if is_classifier else [None]
    failure: Exception | None = None
    for precision, options in [(p, o) for p in ("double", "float") for o in choices]:
        try:
            graph = to_onnx(target, initial_types=_inputs(features, precision), options=options)
            if precision == "double":
                _match_tree_rounding(graph)
            _labels_from_first_largest(graph)
            payload = graph.SerializeToString()
            CompiledModel(payload, is_classifier=is_classifier)  # the runtime has every operator
            return payload
        except Exception as error:
            failure = error
    assert failure is not None
    raise failure


def _round_thresholds_down(estimator: Any) -> None:
    """Round every fitted tree's thresholds down to a float, in place (on a copy).

    scikit-learn's trees test ``float32(x) <= t`` with ``t`` a double; for a float
    ``x`` that equals ``x <= t'`` where ``t'`` is the largest float not above
    ``t``. skl2onnx writes thresholds as floats rounded to the nearest, which is
    above ``t`` for about half of them; rounded down first, they are exact.
    """
    for tree in _trees(estimator):
        state = tree.__getstate__()
        nodes = state["nodes"].copy()
        threshold = nodes["threshold"]
        single = threshold.astype(np.float32)
        above = single.astype(np.float64) > threshold
        single[above] = np.nextafter(single[above], np.float32(-np.inf))
        nodes["threshold"] = single.astype(np.float64)
        state["nodes"] = nodes
        tree.__setstate__(state)


def _trees(estimator: Any) -> list[Any]:
    """The fitted ``Tree`` structures of every tree model in ``estimator``."""
    found = []
    for part in _parts(estimator):
        if hasattr(part, "tree_"):
            found.append(part.tree_)
        members = getattr(part, "estimators_", None)
        if members is not None:
            for member in np.ravel(np.asarray(members, dtype=object)):
                if hasattr(member, "tree_"):
                    found.append(member.tree_)
    return found


def _match_tree_rounding(graph: Any) -> None:
    """Make every tree operator of a double-precision graph see its input as scikit-learn does.

    scikit-learn's trees read their input as float32; the graph's tree
    operators would compare the full double. A cast to float and back in front
    of each tree operator gives them the same values (the thresholds are
    floats already, see :func:`_round_thresholds_down`).
    """
    from onnx import TensorProto, helper

    nodes = []
    for index, node in enumerate(graph.graph.node):
        if node.domain == "ai.onnx.ml" and node.op_type.startswith("TreeEnsemble"):
            single, double = f"tree{index}_float_input", f"tree{index}_rounded_input"
            nodes.append(helper.make_node("Cast", [node.input[0]], [single], to=TensorProto.FLOAT))
            nodes.append(helper.make_node("Cast", [single], [double], to=TensorProto.DOUBLE))
            node.input[0] = double
            nodes.append(node)
            nodes.extend(_float_scores_as_declared(graph, node, index))
            continue
        nodes.append(node)
    del graph.graph.node[:]
    graph.graph.node.extend(nodes)


def _float_scores_as_declared(graph: Any, node: Any, index: int) -> list[Any]:
    """Casts for a tree operator's outputs declared double, which the operator gives as float.

    skl2onnx declares an extra-trees classifier's probabilities as double in a
    double-precision graph; ONNX Runtime's tree operator returns float, so
    the graph would not load and only the float graph would remain.
    """
    from onnx import TensorProto, helper

    declared = {v.name: v.type.tensor_type.elem_type for v in graph.graph.output}
    declared.update({v.name: v.type.tensor_type.elem_type for v in graph.graph.value_info})
    casts = []
    for position, name in enumerate(node.output):
        if node.op_type.endswith("Classifier") and position == 0:
            continue  # the labels
        if declared.get(name) == TensorProto.DOUBLE:
            single = f"tree{index}_float_output{position}"
            node.output[position] = single
            casts.append(helper.make_node("Cast", [single], [name], to=TensorProto.DOUBLE))
    return casts


def _labels_from_first_largest(graph: Any) -> None:
    """Labels of a tree classifier's graph as the first class of largest probability.

    scikit-learn's forests predict ``classes_[argmax(predict_proba)]``, the first
    class on a tie (half of the trees each way); ONNX Runtime's tree operator
    picks another. The graph's label output is replaced by an ``ArgMax`` of its
    probabilities (first index on a tie) looked up in the classes.
    """
    from onnx import TensorProto, helper, numpy_helper

    trees = [
        n
        for n in graph.graph.node
        if n.domain == "ai.onnx.ml" and n.op_type == "TreeEnsembleClassifier"
    ]
    if len(trees) != 1 or len(graph.graph.output) != 2:
        return
    label, probabilities = graph.graph.output
    attributes = {a.name: helper.get_attribute_value(a) for a in trees[0].attribute}
    kind = label.type.tensor_type.elem_type
    if kind == TensorProto.INT64 and attributes.get("classlabels_int64s"):
        classes = np.array(attributes["classlabels_int64s"], dtype=np.int64)
    elif kind == TensorProto.STRING and attributes.get("classlabels_strings"):
        classes = np.array([c.decode() for c in attributes["classlabels_strings"]], dtype=object)
    else:
        return
    for node in graph.graph.node:
        for position, name in enumerate(node.output):
            if name == label.name:
                node.output[position] = "tree_label_unused"
    graph.graph.initializer.append(numpy_helper.from_array(classes, "tree_classes"))
    graph.graph.node.extend(
        [
            helper.make_node(
                "ArgMax", [probabilities.name], ["tree_first_largest"], axis=1, keepdims=0
            ),
            helper.make_node("Gather", ["tree_classes", "tree_first_largest"], [label.name]),
        ]
    )


def _inputs(features: list[dict[str, Any]], precision: str) -> list[tuple[str, Any]]:
    """One 2-D input of numbers, or one input per column when some column holds strings."""
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType, StringTensorType

    number = DoubleTensorType if precision == "double" else FloatTensorType
    if all(f["kind"] != "category" for f in features):
        return [("X", number([None, len(features)]))]
    return [
        (f["name"], StringTensorType([None, 1]) if f["kind"] == "category" else number([None, 1]))
        for f in features
    ]


def _with_string_missing(estimator: Any) -> Any:
    """A copy whose fitted string imputers look for :data:`MISSING` instead of NaN."""
    from sklearn.impute import SimpleImputer

    target = copy.deepcopy(estimator)
    for part in _parts(target):
        if (
            isinstance(part, SimpleImputer)
            and getattr(part, "statistics_", None) is not None
            and part.statistics_.dtype.kind == "O"
            and not isinstance(part.missing_values, str)
        ):
            part.missing_values = MISSING
    return target


def _parts(estimator: Any) -> list[Any]:
    """``estimator`` and every fitted step inside it (pipelines, column transformers, unions)."""
    found = [estimator]
    children: list[Any] = []
    if hasattr(estimator, "steps"):
        children = [step for _, step in estimator.steps]
    elif hasattr(estimator, "transformers_"):
        children = [part for _, part, _ in estimator.transformers_]
    elif hasattr(estimator, "transformer_list"):
        children = [part for _, part in estimator.transformer_list]
    for child in children:
        if not isinstance(child, str):  # "drop" and "passthrough"
            found.extend(_parts(child))
    return found
