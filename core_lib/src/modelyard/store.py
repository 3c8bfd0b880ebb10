"""The model store: numbered versions of named models in a folder.

Layout::

    models/                 the store (``model_dir`` in the project's configuration)
      churn/                one model name
        1/  2/  3/          versions, each an artifact folder (see modelyard.artifact)
      .staging/             versions being written; never read

A save writes into ``.staging`` and then renames the finished folder to the next
version number. A rename is atomic, so a reader never sees half a version, and
two concurrent saves cannot both take the same number: the second rename fails
and it takes the next one.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from modelyard.artifact import CARD_FILE, ModelCard, read_artifact
from modelyard.exceptions import ArtifactError

if TYPE_CHECKING:
    from modelyard.model import Model

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_STAGING = ".staging"
_MAX_ATTEMPTS = 1000


@dataclass(frozen=True)
class ModelRef:
    """Where one saved model version lives.

    ``str(ref)`` is the path ``load_model`` and ``modelyard serve`` accept.
    """

    name: str
    version: int
    path: Path

    def __str__(self) -> str:
        return str(self.path)


def check_name(name: str) -> str:
    """Return ``name`` if it can name a folder in the store, else raise ArtifactError."""
    if not _NAME.match(name):
        raise ArtifactError(
            f"model name {name!r} cannot be used as a folder name; use letters, digits, "
            "'-', '_' and '.', starting with a letter or digit"
        )
    return name


class ModelStore:
    """A folder of named, numbered model versions."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).absolute()

    def versions(self, name: str) -> list[int]:
        """Saved version numbers of ``name``, oldest first."""
        folder = self.root / name
        if not folder.is_dir():
            return []
        return sorted(int(p.name) for p in folder.iterdir() if p.name.isdigit())

    def names(self) -> list[str]:
        """Names of the models in the store."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and self.versions(p.name))

    def publish(self, name: str, write: Callable[[Path, int], ModelCard]) -> ModelRef:
        """Write a new version of ``name`` atomically and return where it went.

        ``write(folder, version)`` fills ``folder`` with the artifact; it is told
        the version it will most likely get, and is called again with the next
        number if a concurrent save took that one first.
        """
        check_name(name)
        staging = self.root / _STAGING / uuid.uuid4().hex
        try:
            for _ in range(_MAX_ATTEMPTS):
                version = (self.versions(name) or [0])[-1] + 1
                shutil.rmtree(staging, ignore_errors=True)
                write(staging, version)
                target = self.root / name / str(version)
                target.parent.mkdir(parents=True, exist_ok=True)
                if _rename_if_free(staging, target):
                    return ModelRef(name, version, target)
            raise ArtifactError(f"could not find a free version number for {name!r} in {self.root}")
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def resolve(self, name: str, version: int | None = None) -> Path:
        """Folder of ``name`` at ``version`` (the latest when None)."""
        versions = self.versions(name)
        if not versions:
            raise ArtifactError(
                f"no saved versions of {name!r} in {self.root}; "
                f"models there: {', '.join(self.names()) or 'none'}"
            )
        if version is None:
            return self.root / name / str(versions[-1])
        if version not in versions:
            raise ArtifactError(
                f"{name!r} has no version {version} in {self.root}; "
                f"versions: {', '.join(map(str, versions))}"
            )
        return self.root / name / str(version)


def _rename_if_free(source: Path, target: Path) -> bool:
    try:
        os.rename(source, target)
    except OSError as error:
        # Another save published this number first (a non-empty folder is in the way).
        if error.errno in (errno.EEXIST, errno.ENOTEMPTY):
            return False
        raise
    return True


def locate(uri: str | Path) -> Path:
    """Find the version folder that ``uri`` points at.

    Accepted forms: a version folder (``models/churn/3``), a model folder
    (``models/churn``, meaning its latest version) and ``models/churn@3``.
    """
    text = str(uri)
    base, at, version = text.rpartition("@")
    if at and version.isdigit():
        path = Path(base)
        return ModelStore(path.parent).resolve(path.name, int(version))
    path = Path(text)
    if (path / CARD_FILE).is_file():
        return path
    if path.is_dir() and ModelStore(path.parent).versions(path.name):
        return ModelStore(path.parent).resolve(path.name)
    raise ArtifactError(
        f"no saved model at '{text}': give a model folder (models/NAME), a version folder "
        "(models/NAME/3) or models/NAME@3. Train and save one with `modelyard train`"
    )


def load_model(uri: str | Path, *, trusted: Iterable[str] = ()) -> Model:
    """Load a saved model, checking its hash and the types in its file.

    Args:
        uri: ``models/NAME`` (latest version), ``models/NAME/3`` or ``models/NAME@3``.
        trusted: fully qualified type names to trust beyond scikit-learn, NumPy and
            SciPy, such as your own estimator class.

    >>> model = load_model("models/churn")  # doctest: +SKIP
    """
    from modelyard.model import Model

    folder = locate(uri)
    estimator, card = read_artifact(folder, trusted=trusted)
    return Model.from_artifact(estimator, card, source=ModelRef(card.name, card.version, folder))
