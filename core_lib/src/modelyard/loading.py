"""Loading a saved model: above both the store (where it is) and Model (what it becomes).

:func:`load_model` finds the version (:func:`modelyard.store.locate_ref`), reads
and checks its artifact (:func:`modelyard.artifact.read_artifact`) and rebuilds
a trained :class:`~modelyard.model.Model` from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from modelyard.artifact import read_artifact, read_compiled
from modelyard.model import Model
from modelyard.store import ModelRef, locate_ref, open_store


def load_model(
    uri: str | Path,
    *,
    trusted: Iterable[str] = (),
    allow_pickle: bool = False,
    allow_version_mismatch: bool = False,
    storage_options: dict[str, Any] | None = None,
) -> Model:
    """Load a saved model, after checking its card, its hash, its types and its versions.

    Args:
        uri: ``models/NAME`` (latest version), ``models/NAME/3`` or ``models/NAME@3``;
            a store URL works the same way (``s3://bucket/models/NAME@3``); or the
            import name of an installed model package.
        trusted: fully qualified type names to trust beyond scikit-learn, NumPy and
            SciPy, such as your own estimator class.
        allow_pickle: load a model saved in pickle or joblib format; loading one
            runs code from the file, so only for files you trust.
        allow_version_mismatch: load a model saved with another scikit-learn
            major.minor (see :data:`modelyard.artifact.VERSION_POLICY`).
        storage_options: options of the fsspec filesystem of a URL.

    >>> model = load_model("models/churn")  # doctest: +SKIP
    """
    ref = locate_ref(uri, storage_options=storage_options)
    with open_store(ref.path, storage_options).fetch(ref.path) as folder:
        estimator, card = read_artifact(
            folder,
            trusted=trusted,
            allow_pickle=allow_pickle,
            allow_version_mismatch=allow_version_mismatch,
        )
        graph = read_compiled(folder, card)
    source = ModelRef(card.name, card.version, ref.path, ref.store)
    return Model.from_artifact(estimator, card, source=source, compiled=graph)
