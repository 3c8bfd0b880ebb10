"""Models shipped as Python packages: a saved version inside a project's wheel.

A project's release (``modelyard release``) copies the chosen version of its
model into its package, as ``<package>/trained_model/`` (the model file and its
card), and builds the wheel with it. After ``pip install churn-model``::

    import churn_model
    model = churn_model.load_model()      # the released version, checked like any load

and ``modelyard serve churn_model`` serves it: :func:`modelyard.store.locate`
accepts the name of an installed package that holds a model.
"""

from __future__ import annotations

import importlib.util
import shutil
import uuid
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelyard.artifact import CARD_FILE, ModelCard, read_card
from modelyard.exceptions import ArtifactError, ReleaseError

if TYPE_CHECKING:
    from modelyard.config import Settings
    from modelyard.model import Model
    from modelyard.release import Distributions

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


def load_packaged_model(package: str, **options: Any) -> Model:
    """Load the model released inside ``package``, with every check of ``load_model``.

    Args:
        package: the import name of the model's package (``churn_model``).
        options: passed to :func:`modelyard.store.load_model` (``trusted=``, ...).
    """
    from modelyard.store import load_model

    return load_model(packaged_model_path(package), **options)


def embed_model(source: str | Path, package_dir: Path, *, trusted: Iterable[str] = ()) -> ModelCard:
    """Check that ``source`` loads (trusting ``trusted``), then copy it into the package.

    The copy goes to ``package_dir/trained_model``.

    The copy is written beside the target and renamed into place, so a failed copy
    never leaves half a model in the package.
    """
    from modelyard.store import load_model, locate

    try:
        location = Path(locate(source))
    except ArtifactError as error:
        raise ReleaseError(
            f"no trained model to put in the package ({error}). Run `modelyard train` first, "
            "or name a saved version with --model models/NAME@VERSION"
        ) from None
    load_model(location, trusted=trusted)  # refuse to ship a model that would not load
    target = package_dir / PACKAGED_FOLDER
    staging = package_dir / f".{PACKAGED_FOLDER}-{uuid.uuid4().hex}"
    try:
        shutil.copytree(location, staging, ignore=shutil.ignore_patterns(".*"))
        remove_embedded(package_dir)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return read_card(target)


def remove_embedded(package_dir: Path) -> None:
    """Remove a model copied into ``package_dir`` by :func:`embed_model`, if any."""
    shutil.rmtree(package_dir / PACKAGED_FOLDER, ignore_errors=True)


def package_dir(settings: Settings) -> Path:
    """The source folder of the project's package: the top-level module of its model factory."""
    if not settings.model:
        raise ReleaseError(
            "[tool.modelyard] names no model factory, so there is no package to put the "
            'model in; add model = "your_package.model:build_model"'
        )
    top = settings.model.split(":", 1)[0].split(".", 1)[0]
    for folder in (settings.root / "src" / top, settings.root / top):
        if (folder / "__init__.py").is_file():
            return folder
    raise ReleaseError(f"cannot find the package {top!r} in {settings.root}/src or {settings.root}")


def require_model_in_wheel(dists: Distributions, package: str) -> None:
    """Refuse a wheel that does not carry the embedded model."""
    wanted = f"{package}/{PACKAGED_FOLDER}/{CARD_FILE}"
    with zipfile.ZipFile(dists.wheel) as wheel:
        if wanted not in wheel.namelist():
            raise ReleaseError(
                f"{dists.wheel.name} does not contain {wanted}: the build left the model out. "
                f'Add "src/{package}/{PACKAGED_FOLDER}" to artifacts under [tool.hatch.build] '
                "in pyproject.toml (the folder is git-ignored, so it must be named there)"
            )


def release_model_package(
    settings: Settings,
    *,
    model: str | None = None,
    repository_url: str | None = None,
    index_url: str | None = None,
    out_dir: Path | str | None = None,
    upload_files: bool = True,
    trusted: Iterable[str] | None = None,
) -> tuple[Distributions, ModelCard]:
    """Build the project's package with a trained model in it, check it and upload it.

    Args:
        settings: the project's settings.
        model: the saved version to ship (``models/NAME@3``); the latest when None.
        repository_url: where to upload (see :func:`modelyard.release.release`).
        index_url: the simple index to look for the version in.
        out_dir: where to keep the built files.
        upload_files: False builds and checks only.
        trusted: what loading the model may trust; the project's ``trust`` when None.

    Raises:
        ReleaseError: on a dirty tree, when no model was trained, when the version is
            not tagged or is already on the index.
    """
    from modelyard import release

    release.require_clean_tree(settings.root)
    folder = package_dir(settings)
    if model is None:
        model = f"{settings.store_url}/{settings.build_model().resolve_name(settings)}"
    card = embed_model(model, folder, trusted=settings.trust if trusted is None else trusted)
    try:
        dists = release.release(
            settings.root,
            repository_url=repository_url,
            index_url=index_url,
            out_dir=out_dir,
            upload_files=upload_files,
            verify=lambda built: require_model_in_wheel(built, folder.name),
        )
    finally:
        remove_embedded(folder)
    return dists, card


def _package_folders(name: str) -> list[Path] | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return [Path(p) for p in spec.submodule_search_locations]
