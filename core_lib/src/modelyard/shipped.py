"""Finding a model shipped inside an installed Python package (run-time lookup only).

A project's release copies a saved version into its package as
``<package>/trained_model/``; this module finds that folder by the package's
import name. It needs nothing but the artifact format, so the store's
:func:`~modelyard.store.locate` can use it; loading lives in
:mod:`modelyard.packaged`, releasing in :mod:`modelyard.packaging`.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from modelyard.artifact import CARD_FILE
from modelyard.exceptions import ArtifactError

#: Folder, inside a project's package, of the model version the package was released with.
PACKAGED_FOLDER = "trained_model"


def packaged_model_path(package: str) -> Path:
    """The folder of the model installed inside ``package``.

    Raises:
        ArtifactError: if ``package`` is not installed, or was built without a model.
    """
    folders = _package_folders(package)
    if folders is None:
        raise ArtifactError(
            f"no installed package named {package!r}; install the model's package "
            f"(pip install {package.replace('_', '-')}) or check the name"
        )
    for folder in folders:
        if (folder / PACKAGED_FOLDER / CARD_FILE).is_file():
            return folder / PACKAGED_FOLDER
    raise ArtifactError(
        f"package {package!r} holds no trained model ({PACKAGED_FOLDER}/{CARD_FILE} is missing): "
        "it was installed from source or built without one. Install a released version "
        "from the package index, or release one with `modelyard release`"
    )


def find_packaged_model(name: str) -> Path | None:
    """The model folder inside the installed top-level package ``name``, or None."""
    if not name.isidentifier():
        return None
    for folder in _package_folders(name) or []:
        if (folder / PACKAGED_FOLDER / CARD_FILE).is_file():
            return folder / PACKAGED_FOLDER
    return None


def _package_folders(name: str) -> list[Path] | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return [Path(p) for p in spec.submodule_search_locations]
