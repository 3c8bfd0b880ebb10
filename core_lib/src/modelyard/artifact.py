"""Model artifacts: one saved version of a model, the estimator file and its model card.

A version folder holds two files::

    model.skops   the fitted estimator, in skops format (no code runs on load)
    model.json    the model card: what the model is, what it expects, how it scored,
                  what made it, the sha256 of model.skops and the sha256 of the card

Loading checks, in this order, and refuses with an
:class:`~modelyard.exceptions.ArtifactError` saying what to do:

1. the card's own hash (``card_sha256``): an edited or corrupted card is refused;
2. the model file's hash (``sha256``): a changed or truncated file is refused;
3. the format: pickle and joblib files run code when loaded, so they load only
   with ``allow_pickle=True``;
4. the types in a skops file: anything outside modelyard's trust list
   (:data:`TRUSTED_PACKAGES`, in this module, never in the artifact) must be
   named by the caller in ``trusted=[...]``;
5. the library versions (:func:`check_versions`, see :data:`VERSION_POLICY`);
6. that the card describes the loaded estimator (its class, classes and features).

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
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from importlib import metadata
from pathlib import Path
from typing import Any

from modelyard.exceptions import ArtifactError, VersionWarning
from modelyard.safeio import read_regular_file

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

#: Top-level packages whose types a model file may contain without the caller saying so.
#: Anything else (a project's own estimator class, a function) must be passed to
#: ``load_model(..., trusted=[...])`` by the code that loads it.
TRUSTED_PACKAGES = ("sklearn", "numpy", "scipy")

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
        features: the feature schema, as ``[{"name", "kind"}, ...]``.
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
        card_sha256: hash of every other field of the card, checked on load.
    """

    name: str
    version: int
    created: str
    task: str
    estimator: str
    params: dict[str, Any]
    features: list[dict[str, str]]
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
    estimator: Any, card: ModelCard, folder: Path, *, format: str = FORMAT
) -> ModelCard:
    """Write ``estimator`` and its sealed card (hashes filled in) into ``folder``.

    Args:
        estimator: the fitted estimator.
        card: its card; ``format``, ``model_file`` and the hashes are filled in here.
        folder: where to write (created if needed).
        format: a key of :data:`MODEL_FILES`; ``skops`` unless you must use pickle.
    """
    if format not in MODEL_FILES:
        raise ArtifactError(
            f"unknown model format {format!r}; choose one of {', '.join(MODEL_FILES)}"
        )
    payload = _dumps(estimator, format)
    card = ModelCard(
        **{
            **card.to_dict(),
            "format": format,
            "model_file": MODEL_FILES[format],
            "sha256": hashlib.sha256(payload).hexdigest(),
        }
    ).sealed()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / card.model_file).write_bytes(payload)
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
        trusted: fully qualified type names to trust beyond :data:`TRUSTED_PACKAGES`.
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
    estimator = _loads(payload, card, folder, set(trusted))
    _check_card_describes(estimator, card, folder)
    return estimator, card


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


def _loads(payload: bytes, card: ModelCard, folder: Path, trusted: set[str]) -> Any:
    if card.format == "pickle":
        import pickle

        return pickle.loads(payload)
    if card.format == "joblib":
        import joblib

        return joblib.load(io.BytesIO(payload))
    import skops.io

    try:
        untrusted = skops.io.get_untrusted_types(data=payload)
    except Exception as error:
        raise ArtifactError(
            f"{folder / card.model_file} is not a skops file modelyard can read "
            f"({type(error).__name__}: {error}); save the model again"
        ) from None
    refused = [name for name in untrusted if not _is_trusted(name, trusted)]
    if refused:
        raise ArtifactError(
            f"{folder / card.model_file} contains types modelyard does not trust: "
            f"{', '.join(refused)}. If you wrote them or trust their authors, pass "
            f"load_model(..., trusted={refused!r})"
        )
    try:
        return skops.io.loads(payload, trusted=untrusted)
    except Exception as error:
        raise ArtifactError(
            f"{folder / card.model_file} cannot be loaded by skops "
            f"({type(error).__name__}: {error}); save the model again"
        ) from None


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


def _is_trusted(type_name: str, extra: set[str]) -> bool:
    return type_name in extra or type_name.split(".", 1)[0] in TRUSTED_PACKAGES
