"""Putting a trained model into a project's package: what only ``modelyard release`` needs.

:func:`release_model_package` checks that the chosen version loads, copies it
into the package as ``trained_model/`` (:func:`embed_model`), builds the wheel,
checks that the wheel carries it and uploads it (:mod:`modelyard.release`).
Finding and loading a shipped model at run time is :mod:`modelyard.packaged`'s.
"""

from __future__ import annotations

import shutil
import uuid
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from modelyard.artifact import CARD_FILE, ModelCard, read_card
from modelyard.exceptions import ArtifactError, ReleaseError
from modelyard.loading import load_model
from modelyard.shipped import PACKAGED_FOLDER
from modelyard.store import locate

if TYPE_CHECKING:
    from modelyard.config import Settings
    from modelyard.release import Distributions


def embed_model(source: str | Path, package_dir: Path, *, trusted: Iterable[str] = ()) -> ModelCard:
    """Check that ``source`` loads (trusting ``trusted``), then copy it into the package.

    The copy goes to ``package_dir/trained_model``.

    The copy is written beside the target and renamed into place, so a failed copy
    never leaves half a model in the package.
    """
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
    from modelyard.project import model_name

    release.require_clean_tree(settings.root)
    folder = package_dir(settings)
    if model is None:
        model = f"{settings.store_url}/{model_name(settings)}"
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
