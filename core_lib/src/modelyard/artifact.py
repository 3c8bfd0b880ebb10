"""Model artifacts: one saved version of a model, the estimator file and its model card.

A version folder holds two files::

    model.skops   the fitted estimator, in skops format (no code runs on load)
    model.json    the model card: what the model is, what it expects, how it scored,
                  what made it, and the sha256 of model.skops

Loading checks the hash before reading anything, then refuses any type in the
file that modelyard's own trust list (in this module, never in the artifact)
or the caller does not trust.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from modelyard.exceptions import ArtifactError

MODEL_FILE = "model.skops"
CARD_FILE = "model.json"
FORMAT = "skops"

#: Top-level packages whose types a model file may contain without the caller saying so.
#: Anything else (a project's own estimator class, a function) must be passed to
#: ``load_model(..., trusted=[...])`` by the code that loads it.
TRUSTED_PACKAGES = ("sklearn", "numpy", "scipy")

_RECORDED_PACKAGES = ("modelyard", "scikit-learn", "numpy", "pandas", "scipy", "skops")


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
        metrics: holdout metrics of the last scoring before saving, if any.
        format: how the estimator file is serialised.
        model_file: name of the estimator file in the version folder.
        sha256: hash of the estimator file.
        versions: Python and library versions at saving time.
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

    def to_dict(self) -> dict[str, Any]:
        """The card as JSON-ready data."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelCard:
        """Read a card written by :meth:`to_dict`."""
        try:
            return cls(**data)
        except TypeError as error:
            raise ArtifactError(f"the model card is not valid: {error}") from None


def library_versions() -> dict[str, str]:
    """Versions of Python and of the libraries a model file depends on."""
    versions = {"python": platform.python_version()}
    for package in _RECORDED_PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return versions


def write_artifact(estimator: Any, card: ModelCard, folder: Path) -> ModelCard:
    """Write ``estimator`` and its card (with the file's hash filled in) into ``folder``."""
    import skops.io

    payload = skops.io.dumps(estimator)
    card = ModelCard(**{**card.to_dict(), "sha256": hashlib.sha256(payload).hexdigest()})
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MODEL_FILE).write_bytes(payload)
    (folder / CARD_FILE).write_text(json.dumps(card.to_dict(), indent=2) + "\n", encoding="utf-8")
    return card


def read_card(folder: Path) -> ModelCard:
    """Read the model card of a version folder."""
    path = folder / CARD_FILE
    try:
        return ModelCard.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise ArtifactError(f"{folder} has no {CARD_FILE}; it is not a saved model") from None
    except (OSError, ValueError) as error:
        raise ArtifactError(f"cannot read the model card {path}: {error}") from None


def read_artifact(folder: Path, *, trusted: Iterable[str] = ()) -> tuple[Any, ModelCard]:
    """Verify and load a version folder, returning the estimator and its card.

    Args:
        folder: a version folder written by :func:`write_artifact`.
        trusted: fully qualified type names to trust beyond :data:`TRUSTED_PACKAGES`.

    Raises:
        ArtifactError: if the card is unreadable, the file does not match its
            hash, or the file names a type nobody trusted.
    """
    import skops.io

    card = read_card(folder)
    if card.format != FORMAT:
        raise ArtifactError(
            f"{folder} holds a model in '{card.format}' format; this modelyard reads '{FORMAT}'"
        )
    payload = _read_verified(folder / card.model_file, card.sha256)
    untrusted = skops.io.get_untrusted_types(data=payload)
    refused = [name for name in untrusted if not _is_trusted(name, set(trusted))]
    if refused:
        raise ArtifactError(
            f"{folder / card.model_file} contains types modelyard does not trust: "
            f"{', '.join(refused)}. If you wrote them or trust their authors, pass "
            f"load_model(..., trusted={refused!r})"
        )
    return skops.io.loads(payload, trusted=untrusted), card


def _read_verified(path: Path, expected: str) -> bytes:
    try:
        payload = path.read_bytes()
    except OSError as error:
        raise ArtifactError(f"cannot read the model file {path}: {error}") from None
    if hashlib.sha256(payload).hexdigest() != expected:
        raise ArtifactError(
            f"{path} does not match the sha256 in its model card: the file was changed "
            "after it was saved. Do not load it; restore it or save the model again"
        )
    return payload


def _is_trusted(type_name: str, extra: set[str]) -> bool:
    return type_name in extra or type_name.split(".", 1)[0] in TRUSTED_PACKAGES
