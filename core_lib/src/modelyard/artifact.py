"""Model artifacts: one saved version of a model, the estimator file and its model card.

A version folder holds two files, and a third with the ``onnx`` extra::

    model.skops   the fitted estimator, in skops format (no code runs on load)
    model.json    the model card: what the model is, what it expects, how it scored,
                  what made it, the sha256 of model.skops and the sha256 of the card
    model.onnx    the estimator as an ONNX graph, when it converted and passed its
                  parity check (see :mod:`modelyard.compiled`); its sha256 is in the card

Loading checks, in this order, and refuses with an
:class:`~modelyard.exceptions.ArtifactError` saying what to do:

1. the card's own hash (``card_sha256``): an edited or corrupted card is refused;
2. the model file's hash (``sha256``): a changed or truncated file is refused;
3. the format: pickle and joblib files run code when loaded, so they load only
   with ``allow_pickle=True``;
4. the types in a skops file: anything outside modelyard's exact trust list
   (:data:`modelyard.trust.BUILTIN`, in code, never in the artifact) must be
   named by whoever loads it (``trusted=[...]``: profiles such as ``"lightgbm"``
   or exact type names), and tree models must pass
   :func:`~modelyard.trust.check_tree_predictors` before anything uses them;
5. the ONNX graph's hash, when the card records one (:func:`read_compiled`): a
   changed or missing graph refuses the whole model, as a changed model file does;
6. the library versions (:func:`check_versions`, see :data:`VERSION_POLICY`);
7. that the card describes the loaded estimator (its class, classes and features).

The two hashes catch accidents and careless edits. They are not signatures:
whoever can write the store can recompute them, which is why step 4 does not
depend on anything the artifact says about itself.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import platform
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from importlib import metadata
from pathlib import Path
from typing import Any

from modelyard.collector import collector_paused
from modelyard.compiled import COMPILED_FILE, Compiled
from modelyard.exceptions import ArtifactError, VersionWarning
from modelyard.safeio import read_regular_file
from modelyard.trust import BUILTIN, check_tree_predictors, expand, trust_names

CARD_FILE = "model.json"
#: Formats a model file can be saved in, and the file name of each.
MAX_CARD_BYTES = 64 * 1024 * 1024
"""The largest model card read; a bigger ``model.json`` is not one modelyard wrote."""
#: The file an estimator is saved to, for each serialisation format.
MODEL_FILES = {"skops": "model.skops", "pickle": "model.pkl", "joblib": "model.joblib"}
#: Formats that run code from the file when loaded.
PICKLE_FORMATS = ("pickle", "joblib")
FORMAT = "skops"
MODEL_FILE = MODEL_FILES[FORMAT]

_RECORDED_PACKAGES = ("modelyard", "scikit-learn", "numpy", "pandas", "scipy", "skops")

#: What loading does when the versions in the card differ from the installed ones.
#: scikit-learn's own guarantee is that a model loads in the release that saved it,
#: and in practice across patch releases; a different major.minor may change
#: estimator internals, so it is refused unless the caller accepts the risk.
VERSION_POLICY = {
    "scikit-learn": "refuse if major.minor differs (load_model(..., allow_version_mismatch=True))",
    "numpy": "warn if the major version differs",
    "scipy": "warn if major.minor differs",
    "skops": "warn if major.minor differs",
    "python": "warn if major.minor differs",
}


@dataclass(frozen=True)
class ModelCard:
    """What a saved model is, what it expects and where it came from.

    Attributes:
        name: model name (the folder it is stored under).
        version: version number within that name.
        created: ISO-8601 time of saving (UTC).
        task: ``"classification"`` or ``"regression"``.
        estimator: fully qualified class name of the estimator.
        params: the estimator's parameters (plain values, or their text).
        features: the feature schema and data contract, one
            :meth:`modelyard.schema.Feature.to_dict` per feature.
        classes: class labels of a classifier, in ``predict_proba`` column order.
        metrics: metrics of the last scoring before saving, if any (means, with
            cross-validation).
        format: how the estimator file is serialised (a key of :data:`MODEL_FILES`).
        model_file: name of the estimator file in the version folder.
        sha256: hash of the estimator file.
        versions: Python and library versions at saving time.
        data_fingerprint: sha256 of the rows the model was fitted on (features,
            dtypes and target); equal data gives an equal fingerprint.
        training_rows: how many rows the model was fitted on.
        git: ``{"commit": ..., "dirty": ...}`` of the project at saving time, or
            None outside a git repository. ``dirty`` means uncommitted changes.
        package: ``{"name": ..., "version": ...}`` of the installed distribution
            that provides the project's model factory (the model package that
            trained it), or None when it is not installed.
        types: the type and function names in the model file that skops does
            not trust by itself, sorted: what a loader's trust must cover.
        trust: the project trust (profiles or exact names) the model needs to load.
        compiled: the ONNX graph's record (format, file, sha256, parity,
            max_abs_diff, reason; see :mod:`modelyard.compiled`), or None when
            the ``onnx`` extra was not installed at saving time.
        label: a short name that tells the estimator apart, such as
            ``Pipeline(... HistGradientBoostingRegressor)``
            (:func:`modelyard.fitting.estimator_label`); empty in older cards.
        origin: the run this version's parameters came from, when not the
            project's own model: ``{"kind": "search", "run_id": ..., "record": ...,
            "params": ...}`` for the best candidate of ``modelyard search --save-best``.
        monitoring: the reference sketches of the training data and predictions
            (:meth:`modelyard.drift.ReferenceProfile.to_dict`), or None in cards
            written before modelyard kept them.
        card_sha256: hash of every other field of the card, checked on load.
    """

    name: str
    version: int
    created: str
    task: str
    estimator: str
    params: dict[str, Any]
    features: list[dict[str, Any]]
    classes: list[Any] | None
    metrics: dict[str, float]
    format: str = FORMAT
    model_file: str = MODEL_FILE
    sha256: str = ""
    versions: dict[str, str] = field(default_factory=dict)
    data_fingerprint: str = ""
    training_rows: int | None = None
    git: dict[str, Any] | None = None
    package: dict[str, str] | None = None
    types: list[str] = field(default_factory=list)
    trust: list[str] = field(default_factory=list)
    compiled: dict[str, Any] | None = None
    monitoring: dict[str, Any] | None = None
    label: str = ""
    origin: dict[str, Any] | None = None
    card_sha256: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The card as JSON-ready data."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelCard:
        """Read a card written by :meth:`to_dict`."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ArtifactError(f"the model card has unknown fields: {', '.join(unknown)}")
        try:
            return cls(**data)
        except TypeError as error:
            raise ArtifactError(f"the model card is not valid: {error}") from None

    def sealed(self) -> ModelCard:
        """A copy of the card with :attr:`card_sha256` set to the hash of its other fields."""
        return ModelCard(**{**self.to_dict(), "card_sha256": card_digest(self.to_dict())})


def card_digest(data: dict[str, Any]) -> str:
    """The sha256 of a card's fields other than ``card_sha256``, as canonical JSON."""
    content = {key: value for key, value in data.items() if key != "card_sha256"}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def library_versions() -> dict[str, str]:
    """Versions of Python and of the libraries a model file depends on."""
    return dict(_installed_versions())


@functools.lru_cache(maxsize=1)
def _installed_versions() -> tuple[tuple[str, str], ...]:
    # Reading package metadata costs milliseconds per package, and the installed
    # versions cannot change under a running process: read them once.
    versions = [("python", platform.python_version())]
    for package in _RECORDED_PACKAGES:
        try:
            versions.append((package, metadata.version(package)))
        except metadata.PackageNotFoundError:
            continue
    return tuple(versions)


def write_artifact(
    estimator: Any,
    card: ModelCard,
    folder: Path,
    *,
    format: str = FORMAT,
    trusted: Iterable[str] = (),
    proof_rows: Any = None,
    compiled: Compiled | None = None,
) -> ModelCard:
    """Write ``estimator`` and its sealed card (hashes filled in) into ``folder``.

    A skops file is proven first: it is loaded back with the trust that will
    apply when it is served (modelyard's list plus ``trusted``), and must give
    the same predictions on ``proof_rows``. A model that could never be loaded
    (say, one holding a ``lambda``) is refused here, before anything is written.

    Args:
        estimator: the fitted estimator.
        card: its card; ``format``, ``model_file``, ``types``, ``trust`` and the
            hashes are filled in here.
        folder: where to write (created if needed).
        format: a key of :data:`MODEL_FILES`; ``skops`` unless you must use pickle.
        trusted: the project's trust (profiles or exact type names).
        proof_rows: a few rows the loaded copy must predict exactly as ``estimator``
            does; None proves only that it loads.
        compiled: the estimator's ONNX graph and its record
            (:func:`modelyard.compiled.compile_estimator`); the graph is written
            as ``model.onnx`` when its parity passed, the record goes in the card.

    Raises:
        ArtifactError: if the file would not load, or loads and predicts differently.
    """
    if format not in MODEL_FILES:
        raise ArtifactError(
            f"unknown model format {format!r}; choose one of {', '.join(MODEL_FILES)}"
        )
    payload = _dumps(estimator, format)
    types: list[str] = []
    needed: list[str] = []
    if format == "skops":
        trusted = tuple(trusted)
        loaded, types = _loads_skops(payload, trusted, f"model '{card.name}' cannot be saved")
        needed = _trust_used(types, trusted)
        if proof_rows is not None:
            _prove(estimator, loaded, proof_rows, card.name)
    card = ModelCard(
        **{
            **card.to_dict(),
            "format": format,
            "model_file": MODEL_FILES[format],
            "sha256": hashlib.sha256(payload).hexdigest(),
            "types": types,
            "trust": needed,
            "compiled": compiled.record if compiled is not None else None,
        }
    ).sealed()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / card.model_file).write_bytes(payload)
    if compiled is not None and compiled.payload is not None:
        (folder / COMPILED_FILE).write_bytes(compiled.payload)
    (folder / CARD_FILE).write_text(json.dumps(card.to_dict(), indent=2) + "\n", encoding="utf-8")
    return card


def read_card(folder: Path) -> ModelCard:
    """Read the model card of a version folder, refusing one that was edited."""
    path = folder / CARD_FILE
    try:
        data = json.loads(read_regular_file(path, MAX_CARD_BYTES).decode("utf-8"))
    except FileNotFoundError:
        raise ArtifactError(f"{folder} has no {CARD_FILE}; it is not a saved model") from None
    except (OSError, ValueError) as error:
        raise ArtifactError(f"cannot read the model card {path}: {error}") from None
    if not isinstance(data, dict):
        raise ArtifactError(f"the model card {path} is not a JSON object")
    if data.get("card_sha256") != card_digest(data):
        raise ArtifactError(
            f"{path} was changed after the model was saved (its card_sha256 does not match "
            "its content). Do not load it; restore the card or save the model again"
        )
    return ModelCard.from_dict(data)


def read_artifact(
    folder: Path,
    *,
    trusted: Iterable[str] = (),
    allow_pickle: bool = False,
    allow_version_mismatch: bool = False,
) -> tuple[Any, ModelCard]:
    """Verify and load a version folder, returning the estimator and its card.

    Args:
        folder: a version folder written by :func:`write_artifact`.
        trusted: what to trust beyond modelyard's built-in list: profile names
            (``"lightgbm"``) or exact type names (see :mod:`modelyard.trust`).
        allow_pickle: load pickle and joblib files, which run code from the file.
            Only for files you made yourself or whose authors you trust.
        allow_version_mismatch: load a model saved with another scikit-learn
            major.minor release (a warning is given instead of an error).

    Raises:
        ArtifactError: if any check in this module's description fails.
    """
    card = read_card(folder)
    if card.format not in MODEL_FILES or card.model_file != MODEL_FILES[card.format]:
        raise ArtifactError(
            f"{folder} holds a model in '{card.format}' format as '{card.model_file}'; "
            f"this modelyard reads {', '.join(MODEL_FILES)}"
        )
    if card.format in PICKLE_FORMATS and not allow_pickle:
        raise ArtifactError(
            f"{folder / card.model_file} is a {card.format} file, and loading one runs code "
            "from it. Pass load_model(..., allow_pickle=True) only if you trust whoever "
            "wrote it; better, save the model again in skops format"
        )
    payload = _read_verified(folder / card.model_file, card.sha256)
    check_versions(card, allow_mismatch=allow_version_mismatch)
    read_compiled(folder, card)
    estimator = _loads(payload, card, folder, tuple(trusted))
    _check_card_describes(estimator, card, folder)
    return estimator, card


def read_compiled(folder: Path, card: ModelCard) -> bytes | None:
    """The verified bytes of the version's ONNX graph; None when the card records none.

    Only a graph whose parity passed at saving time is written, and it is read
    only from :data:`~modelyard.compiled.COMPILED_FILE`, whatever the card says.

    Raises:
        ArtifactError: the card records a graph and the file is missing or its
            sha256 differs. The whole model is refused, not only the graph: a
            file of the version was changed after saving, and the same rule
            applies as to the model file.
    """
    record = card.compiled
    if not record or record.get("parity") != "passed":
        return None
    return _read_verified(folder / COMPILED_FILE, str(record.get("sha256")))


def check_versions(card: ModelCard, *, allow_mismatch: bool = False) -> None:
    """Apply :data:`VERSION_POLICY` to the versions in ``card`` against the installed ones.

    Raises:
        ArtifactError: if scikit-learn's major.minor differs and ``allow_mismatch`` is False.
    """
    installed = library_versions()
    saved = card.versions
    sklearn_saved, sklearn_now = saved.get("scikit-learn"), installed.get("scikit-learn")
    if _release(sklearn_saved, 2) != _release(sklearn_now, 2):
        message = (
            f"model '{card.name}' version {card.version} was saved with scikit-learn "
            f"{sklearn_saved or 'of unknown version'} and this is scikit-learn {sklearn_now}"
        )
        if not allow_mismatch:
            raise ArtifactError(
                f"{message}; estimators may behave differently across releases. Install "
                f"scikit-learn=={sklearn_saved} to load it, retrain it, or pass "
                "load_model(..., allow_version_mismatch=True) to load it anyway"
            )
        warnings.warn(message, VersionWarning, stacklevel=3)
    for package, parts in (("numpy", 1), ("scipy", 2), ("skops", 2), ("python", 2)):
        before, now = saved.get(package), installed.get(package)
        if before and now and _release(before, parts) != _release(now, parts):
            warnings.warn(
                f"model '{card.name}' was saved with {package} {before}; this is {now}. "
                "Check its predictions, or save it again with the installed versions",
                VersionWarning,
                stacklevel=3,
            )


def _release(version: str | None, parts: int) -> tuple[str, ...] | None:
    return tuple(version.split(".")[:parts]) if version else None


def _dumps(estimator: Any, format: str) -> bytes:
    if format == "skops":
        import skops.io

        return skops.io.dumps(estimator)
    if format == "pickle":
        import pickle

        return pickle.dumps(estimator, protocol=pickle.HIGHEST_PROTOCOL)
    import joblib

    buffer = io.BytesIO()
    joblib.dump(estimator, buffer)
    return buffer.getvalue()


def _loads(payload: bytes, card: ModelCard, folder: Path, trusted: tuple[str, ...]) -> Any:
    if card.format == "pickle":
        import pickle

        return pickle.loads(payload)
    if card.format == "joblib":
        import joblib

        return joblib.load(io.BytesIO(payload))
    estimator, _ = _loads_skops(payload, trusted, f"{folder / card.model_file} cannot be loaded")
    return estimator


def _loads_skops(payload: bytes, trusted: Iterable[str], failed: str) -> tuple[Any, list[str]]:
    """Load a skops file under exact trust; return the estimator and the types it needed.

    The file is read and audited once: the node tree skops builds to list the
    types is the one it then constructs. ``failed`` starts every error message
    ("model 'x' cannot be saved").
    """
    extra, _ = expand(trusted)
    allowed = BUILTIN | extra
    try:
        with collector_paused():
            tree = _SkopsFile(payload)
            untrusted = sorted(tree.untrusted())
    except Exception as error:
        raise ArtifactError(
            f"{failed}: it is not a skops file modelyard can read "
            f"({type(error).__name__}: {error}); save the model again"
        ) from None
    refused = [name for name in untrusted if name not in allowed]
    if refused:
        names = trust_names(refused)
        raise ArtifactError(
            f"{failed}: it holds types modelyard does not trust: {', '.join(refused)}. "
            "If you wrote them or trust their authors, set [tool.modelyard] trust = "
            f"{json.dumps(names)} (or --trust, MODELYARD_TRUST, load_model(..., "
            f"trusted={names!r})); a lambda or a function defined in __main__ never loads: "
            "use one from an importable module"
        )
    try:
        with collector_paused():
            estimator = tree.construct(untrusted)
    except Exception as error:
        reason = str(error).strip().split("\n")[0]
        raise ArtifactError(
            f"{failed}: skops cannot rebuild it ({type(error).__name__}: {reason}); "
            "save the model again with importable types"
        ) from None
    check_tree_predictors(estimator)
    return estimator, untrusted


class _SkopsFile:
    """One skops payload, parsed once: its types listed, then built after they are judged.

    skops' public API parses a file twice (``get_untrusted_types``, then ``loads``),
    reading every array each time. Its node tree is built here once, with skops'
    own functions, and its unsafe set (what skops' audit compares with the trusted
    list) computed once: the caller refuses the file unless every name in it is
    trusted, then the same tree is constructed. With a skops that lacks these
    functions, the public two-step API is used.
    """

    def __init__(self, payload: bytes) -> None:
        self.payload = payload
        self.tree: Any = None
        try:
            from skops.io._audit import get_tree
            from skops.io._utils import read_schema
        except ImportError:  # pragma: no cover - another skops layout
            return
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            schema, context = read_schema(archive)
            self.tree = get_tree(schema, context, trusted=None)

    def untrusted(self) -> list[str]:
        """The types skops does not trust by itself."""
        import skops.io

        if self.tree is None:  # pragma: no cover
            return skops.io.get_untrusted_types(data=self.payload)
        return list(self.tree.get_unsafe_set())

    def construct(self, trusted: list[str]) -> Any:
        """Build the object; ``trusted`` must hold every name :meth:`untrusted` gave."""
        import skops.io

        if self.tree is None:  # pragma: no cover
            return skops.io.loads(self.payload, trusted=trusted)
        return self.tree.construct()


def _trust_used(types: list[str], trusted: tuple[str, ...]) -> list[str]:
    """The names in ``trusted`` that some type of ``types`` needs (beyond the built-in list)."""
    needed = {name for name in types if name not in BUILTIN}
    used = []
    for name in trusted:
        covered, _ = expand([name])
        if covered & needed:
            used.append(name)
    return used


def _prove(estimator: Any, loaded: Any, rows: Any, name: str) -> None:
    """Refuse a saved copy whose predictions on ``rows`` differ from the original's."""
    import numpy as np

    try:
        expected, actual = estimator.predict(rows), loaded.predict(rows)
    except Exception as error:
        reason = str(error).strip().split("\n")[0]
        raise ArtifactError(
            f"model '{name}' cannot be saved: the saved copy fails to predict "
            f"({type(error).__name__}: {reason}); nothing was published"
        ) from None
    expected, actual = np.asarray(expected), np.asarray(actual)
    same = expected.shape == actual.shape and (
        np.array_equal(expected, actual, equal_nan=expected.dtype.kind in "fc")
    )
    if not same:
        raise ArtifactError(
            f"model '{name}' cannot be saved: the saved copy predicts differently from the "
            "trained model on training rows; nothing was published. Report it with the "
            "estimator's class, or save with format='pickle'"
        )


def _read_verified(path: Path, expected: str) -> bytes:
    try:
        payload = read_regular_file(path, None)
    except OSError as error:
        raise ArtifactError(f"cannot read the model file {path}: {error}") from None
    if hashlib.sha256(payload).hexdigest() != expected:
        raise ArtifactError(
            f"{path} does not match the sha256 in its model card: the file was changed "
            "after it was saved. Do not load it; restore it or save the model again"
        )
    return payload


def _check_card_describes(estimator: Any, card: ModelCard, folder: Path) -> None:
    """Refuse a card whose fields contradict the estimator it came with."""
    problems = []
    actual = f"{type(estimator).__module__}.{type(estimator).__qualname__}"
    if actual != card.estimator:
        problems.append(f"the card says {card.estimator}, the file holds {actual}")
    classes = getattr(estimator, "classes_", None)
    if (
        classes is not None
        and card.classes is not None
        and [str(c) for c in classes] != [str(c) for c in card.classes]
    ):
        problems.append(f"the card's classes {card.classes} are not the model's")
    names = getattr(estimator, "feature_names_in_", None)
    card_names = [f["name"] for f in card.features]
    if names is not None and [str(n) for n in names] != card_names:
        problems.append("the card's features are not the ones the model was fitted on")
    if problems:
        raise ArtifactError(
            f"{folder / CARD_FILE} does not describe {card.model_file}: "
            + "; ".join(problems)
            + ". Do not load it; save the model again"
        )
