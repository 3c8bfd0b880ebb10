"""The model store: numbered versions of named models, in a folder or behind an fsspec URL.

Layout (the same locally and on an object store)::

    models/                 the store (``model_dir`` or ``store`` in the configuration)
      churn/                one model name
        1/  2/  3/          versions, each an artifact folder (see modelyard.artifact)
      .staging/             versions being written, local store only; never read

``ModelStore(root)`` gives a :class:`ModelStore` for a folder and an
:class:`ObjectStore` for a URL (``s3://bucket/models``, ``gs://...``,
``memory://models``). How each keeps a save atomic:

* **Folder.** A save writes into ``.staging/<random>/`` and then renames the
  finished folder to ``<name>/<next version>``. A rename is atomic, so a reader
  never sees half a version, and two concurrent saves cannot both take one
  number: the second rename fails and it takes the next. A save killed midway
  leaves only a folder in ``.staging``, which nothing reads (delete it at will).
* **Object store.** There is no rename, so a save first *claims* its version by
  creating ``<name>/<version>/.claim`` with an exclusive create (S3's conditional
  ``If-None-Match: *`` put, which AWS S3, MinIO and moto honour); a save that
  loses the race claims the next number. It then uploads the model file, and
  the model card last, also with an exclusive create. A version is listed only
  once its card exists, and the card holds the model file's hash, so a reader
  never sees half a version; a save killed midway leaves a claimed number that
  is never listed and never reused. The guarantee is only as strong as the
  backend's exclusive create: fsspec backends without one (it falls back to
  check-then-write) can, under a race, let two saves claim one number, and the
  loser then fails on the card instead of overwriting it.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import socket
import tempfile
import uuid
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelyard.artifact import (
    CARD_FILE,
    MODEL_FILES,
    ModelCard,
    read_artifact,
    read_card,
    read_compiled,
)
from modelyard.compiled import COMPILED_FILE
from modelyard.exceptions import ArtifactError, StoreWarning

if TYPE_CHECKING:
    from modelyard.model import Model

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_VERSION = re.compile(r"[1-9][0-9]*")
_STAGING = ".staging"
_CLAIM = ".claim"
_MAX_ATTEMPTS = 1000


@dataclass(frozen=True)
class ModelRef:
    """Where one saved model version lives.

    ``str(ref)`` is what ``load_model`` and ``modelyard serve`` accept: a folder
    for a local store, a URL for an object store.
    """

    name: str
    version: int
    path: Path | str

    def __str__(self) -> str:
        return str(self.path)


def is_model_name(text: object) -> bool:
    """Whether ``text`` is a model name: ASCII letters, digits, ``-``, ``_``, ``.``; no ``..``."""
    return isinstance(text, str) and _NAME.fullmatch(text) is not None and ".." not in text


def is_version(text: object) -> bool:
    """Whether ``text`` is a version as the store writes it: ASCII digits, no leading zero."""
    return isinstance(text, str) and _VERSION.fullmatch(text) is not None


def check_name(name: str) -> str:
    """Return ``name`` if it can name a folder in the store, else raise ArtifactError."""
    if not is_model_name(name):
        raise ArtifactError(
            f"model name {name!r} cannot be used as a folder name; use ASCII letters, digits, "
            "'-', '_' and '.', starting with a letter or digit"
        )
    return name


def parse_model_ref(text: str) -> tuple[str, int | None]:
    """Split ``NAME``, ``NAME/3`` or ``NAME@3`` into the name and the version (None: latest).

    Raises:
        ArtifactError: the name or the version is not one the store writes.
    """
    name, version = text, None
    for separator in ("@", "/"):
        if separator in text:
            name, _, number = text.partition(separator)
            if not is_version(number):
                raise ArtifactError(
                    f"'{text}': the version after {separator} must be a number, in ASCII digits "
                    "without leading zeros, as in NAME@3"
                )
            version = int(number)
            break
    return check_name(name), version


def is_url(location: str | Path) -> bool:
    """Whether ``location`` names an fsspec store (``s3://...``) rather than a local path."""
    text = str(location)
    return "://" in text and not text.startswith("file://")


def _local(location: str | Path) -> Path:
    text = str(location)
    return Path(text[len("file://") :] if text.startswith("file://") else text)


class ModelStore:
    """A folder of named, numbered model versions.

    ``ModelStore(url)`` with an fsspec URL returns an :class:`ObjectStore`, which
    offers the same methods.

    Args:
        root: the folder (or URL) of the store.
        storage_options: for a URL, options of its fsspec filesystem (credentials,
            ``endpoint_url``, ...); ignored for a folder.
    """

    def __new__(cls, root: Path | str, storage_options: dict[str, Any] | None = None) -> Any:
        """Make an :class:`ObjectStore` for a URL, a folder store otherwise."""
        if cls is ModelStore and is_url(root):
            return super().__new__(ObjectStore)
        return super().__new__(cls)

    def __init__(self, root: Path | str, storage_options: dict[str, Any] | None = None) -> None:
        self.root: Path | str = _local(root).absolute()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.root)!r})"

    def versions(self, name: str) -> list[int]:
        """Saved version numbers of ``name``, oldest first.

        Only what a save writes counts as a version: a folder named by ASCII
        digits without a leading zero, holding a model card, inside the store.
        Anything else in the model's folder (``007``, ``³``, an empty ``2/``, a
        link leading out of the store) is ignored with a
        :class:`~modelyard.exceptions.StoreWarning`.
        """
        return self._versions(check_name(name), warn=True)

    def _versions(self, name: str, *, warn: bool) -> list[int]:
        folder = Path(self.root) / name
        if not folder.is_dir():
            return []
        found = []
        for entry in folder.iterdir():
            problem = self._odd_version(entry)
            if problem is None:
                found.append(int(entry.name))
            elif problem and warn:
                warnings.warn(
                    f"{entry} is ignored: {problem}; the store only reads what it wrote",
                    StoreWarning,
                    stacklevel=3,
                )
        return sorted(found)

    def _taken(self, name: str) -> list[int]:
        """Every number a version folder of ``name`` holds, valid or not: a save skips them all."""
        folder = Path(self.root) / name
        if not folder.is_dir():
            return []
        return sorted(int(entry.name) for entry in folder.iterdir() if is_version(entry.name))

    def _odd_version(self, entry: Path) -> str | None:
        """Why ``entry`` is not a version ('' to skip it quietly); None if it is one."""
        if entry.name.startswith("."):
            return ""
        if not is_version(entry.name):
            return "a version is named by ASCII digits without a leading zero"
        if entry.is_symlink() and not _inside(entry, Path(self.root)):
            return "it is a link leading out of the store"
        if not entry.is_dir():
            return "it is not a folder"
        card = entry / CARD_FILE
        if not card.is_file():
            return f"its {CARD_FILE} is not a regular file" if card.exists() else f"no {CARD_FILE}"
        return None

    def names(self) -> list[str]:
        """Names of the models in the store."""
        root = Path(self.root)
        if not root.is_dir():
            return []
        return sorted(
            p.name
            for p in root.iterdir()
            if is_model_name(p.name) and p.is_dir() and self._versions(p.name, warn=False)
        )

    def publish(self, name: str, write: Callable[[Path, int], ModelCard]) -> ModelRef:
        """Write a new version of ``name`` atomically and return where it went.

        ``write(folder, version)`` fills ``folder`` with the artifact; it is told
        the version it will most likely get, and is called again with the next
        number if a concurrent save took that one first.
        """
        check_name(name)
        root = Path(self.root)
        if root.exists() and not root.is_dir():
            raise ArtifactError(
                f"the model store {root} is a file, not a folder; give a folder (it is "
                "created if missing) or a URL"
            )
        staging = root / _STAGING / uuid.uuid4().hex
        try:
            for _ in range(_MAX_ATTEMPTS):
                version = (self._taken(name) or [0])[-1] + 1
                shutil.rmtree(staging, ignore_errors=True)
                write(staging, version)
                target = root / name / str(version)
                target.parent.mkdir(parents=True, exist_ok=True)
                if _rename_if_free(staging, target):
                    return ModelRef(name, version, target)
            raise ArtifactError(f"could not find a free version number for {name!r} in {root}")
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def resolve(self, name: str, version: int | None = None) -> Path | str:
        """Location of ``name`` at ``version`` (the latest when None)."""
        check_name(name)
        versions = self.versions(name)
        if not versions:
            raise ArtifactError(
                f"no saved versions of {name!r} in {self.root}; "
                f"models there: {', '.join(self.names()) or 'none'}"
            )
        if version is None:
            version = versions[-1]
        elif version not in versions:
            raise ArtifactError(
                f"{name!r} has no version {version} in {self.root}; "
                f"versions: {', '.join(map(str, versions))}"
            )
        return self._location(name, version)

    def card(self, name: str, version: int | None = None) -> ModelCard:
        """The model card of ``name`` at ``version`` (the latest when None), checked."""
        with self.fetch(self.resolve(name, version)) as folder:
            return read_card(folder)

    def check_writable(self) -> None:
        """Prove a save can write here, by writing and deleting a probe file; before long work.

        Raises:
            ArtifactError: the store cannot be created or written.
        """
        root = Path(self.root)
        try:
            root.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=root, prefix=".probe-"):
                pass
        except OSError as error:
            raise ArtifactError(
                f"the model store {root} cannot be written ({error.strerror or error}); "
                "set model_dir (or MODELYARD_MODEL_DIR) to a folder you can write"
            ) from None

    @contextmanager
    def fetch(self, location: Path | str) -> Iterator[Path]:
        """A local folder holding the version at ``location``, for as long as the block runs.

        Raises:
            ArtifactError: the card or the model file is a link leading out of the folder.
        """
        folder = Path(location)
        for file in (CARD_FILE, *MODEL_FILES.values(), COMPILED_FILE):
            if (folder / file).is_symlink() and not _inside(folder / file, folder):
                raise ArtifactError(
                    f"{folder / file} is a link leading out of the model's folder; the store "
                    "only reads what it wrote. Save the model again"
                )
        yield folder

    def _location(self, name: str, version: int) -> Path | str:
        return Path(self.root) / name / str(version)


def _inside(path: Path, root: Path) -> bool:
    """Whether ``path``, with every link followed, is ``root`` or lies under it."""
    real, base = os.path.realpath(path), os.path.realpath(root)
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def _rename_if_free(source: Path, target: Path) -> bool:
    try:
        os.rename(source, target)
    except OSError as error:
        # Another save published this number first (a non-empty folder is in the way).
        if error.errno in (errno.EEXIST, errno.ENOTEMPTY):
            return False
        raise
    return True


class ObjectStore(ModelStore):
    """A model store behind an fsspec URL: S3 (``s3://``), GCS (``gs://``), ``memory://``, ...

    Needs the filesystem's package (``pip install "modelyard[s3]"`` for S3). See
    the module description for how a save stays atomic without a rename.
    """

    def __init__(self, root: Path | str, storage_options: dict[str, Any] | None = None) -> None:
        try:
            import fsspec
        except ImportError:
            raise ArtifactError(
                f'a model store at {root} needs fsspec: pip install "modelyard[s3]"'
            ) from None
        self.root = str(root).rstrip("/")
        try:
            self.fs, path = fsspec.core.url_to_fs(self.root, **(storage_options or {}))
        except (ImportError, ValueError) as error:
            raise ArtifactError(
                f"cannot open the model store {self.root}: {error}. For s3:// install "
                '"modelyard[s3]"; for other URLs, the fsspec package of their protocol'
            ) from None
        self._path = path.rstrip("/")

    def _p(self, *parts: object) -> str:
        return "/".join([self._path, *map(str, parts)])

    def _keys(self, name: str) -> list[str]:
        """Every key under ``name``, relative to it (``3/model.json``), read fresh."""
        prefix = self._p(name)
        self.fs.invalidate_cache(prefix)
        try:
            found = self.fs.find(prefix)
        except FileNotFoundError:
            return []
        return [key[len(prefix) + 1 :] for key in found if key.startswith(prefix + "/")]

    def _claimed(self, name: str) -> list[int]:
        parts = (key.split("/", 1)[0] for key in self._keys(name))
        return sorted({int(part) for part in parts if is_version(part)})

    def versions(self, name: str) -> list[int]:
        """Published version numbers of ``name`` (those whose card exists), oldest first.

        A card under a prefix that is not a version (``007/``, ``³/``) is ignored
        with a :class:`~modelyard.exceptions.StoreWarning`.
        """
        check_name(name)
        cards = [k for k in (key.split("/") for key in self._keys(name)) if k[1:] == [CARD_FILE]]
        for odd in sorted(k[0] for k in cards if not is_version(k[0])):
            warnings.warn(
                f"{self.root}/{name}/{odd} is ignored: a version is named by ASCII digits "
                "without a leading zero; the store only reads what it wrote",
                StoreWarning,
                stacklevel=2,
            )
        return sorted(int(k[0]) for k in cards if is_version(k[0]))

    def names(self) -> list[str]:
        """Names of the models in the store."""
        self.fs.invalidate_cache(self._path)
        try:
            entries = self.fs.ls(self._path, detail=False)
        except FileNotFoundError:
            return []
        names = (entry.rstrip("/").rsplit("/", 1)[-1] for entry in entries)
        return sorted(n for n in names if is_model_name(n) and self.versions(n))

    def publish(self, name: str, write: Callable[[Path, int], ModelCard]) -> ModelRef:
        """Claim the next free version, upload the artifact, and publish it by its card."""
        check_name(name)
        with tempfile.TemporaryDirectory(prefix="modelyard-save-") as scratch:
            for _ in range(_MAX_ATTEMPTS):
                version = (self._claimed(name) or [0])[-1] + 1
                if not self._create(self._p(name, version, _CLAIM), _claim_note()):
                    continue  # another save claimed this number first
                folder = Path(scratch) / str(version)
                card = write(folder, version)
                model_file = folder / card.model_file
                self.fs.pipe_file(self._p(name, version, card.model_file), model_file.read_bytes())
                if (folder / COMPILED_FILE).is_file():
                    graph = (folder / COMPILED_FILE).read_bytes()
                    self.fs.pipe_file(self._p(name, version, COMPILED_FILE), graph)
                # The card goes last: its existence is what publishes the version.
                if not self._create(
                    self._p(name, version, CARD_FILE), (folder / CARD_FILE).read_bytes()
                ):
                    raise ArtifactError(
                        f"version {version} of {name!r} in {self.root} was published by "
                        "another save while this one held its claim; the backend does not "
                        "make exclusive creates atomic. Nothing was overwritten; save again"
                    )
                return ModelRef(name, version, self._location(name, version))
        raise ArtifactError(f"could not find a free version number for {name!r} in {self.root}")

    def check_writable(self) -> None:
        """Prove a save can write here (credentials, permissions) with a probe object.

        Raises:
            ArtifactError: the probe cannot be written or deleted.
        """
        probe = self._p(f".probe-{uuid.uuid4().hex}")
        try:
            self.fs.pipe_file(probe, b"modelyard write check")
            self.fs.rm_file(probe)
        except Exception as error:
            reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise ArtifactError(
                f"the model store {self.root} cannot be written ({type(error).__name__}: "
                f"{reason}); check its credentials (for S3: AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, or storage options) and permissions"
            ) from None

    def _create(self, path: str, data: bytes) -> bool:
        """Create ``path`` only if it does not exist; False if it does."""
        try:
            self.fs.pipe_file(path, data, mode="create")
        except FileExistsError:
            return False
        return True

    def card(self, name: str, version: int | None = None) -> ModelCard:
        """The model card of ``name`` at ``version`` (the latest when None), checked.

        Only the card is downloaded, not the model file.
        """
        with self.fetch(self.resolve(name, version), with_model=False) as folder:
            return read_card(folder)

    @contextmanager
    def fetch(self, location: Path | str, *, with_model: bool = True) -> Iterator[Path]:
        """Download the version at ``location`` into a temporary folder, for the block."""
        path = self.fs._strip_protocol(str(location)).rstrip("/")
        with tempfile.TemporaryDirectory(prefix="modelyard-load-") as scratch:
            folder = Path(scratch)
            try:
                card = self.fs.cat_file(f"{path}/{CARD_FILE}")
            except FileNotFoundError:
                raise ArtifactError(
                    f"{location} has no {CARD_FILE}; it is not a saved model"
                ) from None
            (folder / CARD_FILE).write_bytes(card)
            # Only a file name the format allows is fetched: the card is not trusted yet.
            model_file = _declared_model_file(card)
            if with_model and model_file is not None:
                # A missing file is left for read_artifact to report.
                with suppress(FileNotFoundError):
                    (folder / model_file).write_bytes(self.fs.cat_file(f"{path}/{model_file}"))
                if _declares_compiled(card):
                    with suppress(FileNotFoundError):
                        graph = self.fs.cat_file(f"{path}/{COMPILED_FILE}")
                        (folder / COMPILED_FILE).write_bytes(graph)
            yield folder

    def _location(self, name: str, version: int) -> str:
        return f"{self.root}/{name}/{version}"


def _claim_note() -> bytes:
    return json.dumps({"host": socket.gethostname(), "pid": os.getpid()}).encode()


def _declared_model_file(card: bytes) -> str | None:
    try:
        name = json.loads(card).get("model_file")
    except (ValueError, AttributeError):
        return None
    return name if name in MODEL_FILES.values() else None


def _declares_compiled(card: bytes) -> bool:
    try:
        record = json.loads(card).get("compiled")
    except (ValueError, AttributeError):
        return False
    return isinstance(record, dict) and record.get("file") == COMPILED_FILE


def _split_version(text: str) -> tuple[str, int | None]:
    base, at, version = text.rpartition("@")
    if not at or "/" in version:
        return text, None  # no @, or an @ in a folder name before the model's
    if not is_version(version):
        raise ArtifactError(
            f"'{text}': the version after @ must be a number, in ASCII digits without "
            "leading zeros, as in models/NAME@3"
        )
    return base, int(version)


def locate(uri: str | Path, *, storage_options: dict[str, Any] | None = None) -> Path | str:
    """Find the version that ``uri`` points at, and return its folder (or URL).

    Accepted forms, for a folder or a URL alike: a version folder
    (``models/churn/3``), a model folder (``models/churn``, meaning its latest
    version) and ``models/churn@3``; and the import name of an installed model
    package (``churn_model``), meaning the version it was released with (see
    :mod:`modelyard.packaged`).
    """
    text = str(uri).rstrip("/")
    base, version = _split_version(text)
    parent, _, name = base.rpartition("/")
    if is_url(base):
        if version is None and is_version(name):
            grand, _, model = parent.rpartition("/")
            store = ModelStore(grand, storage_options)
            if int(name) in store.versions(model):
                return store.resolve(model, int(name))
        store = ModelStore(parent, storage_options)
        if store.versions(name):
            return store.resolve(name, version)
        raise _nothing_at(text)
    path = _local(base)
    if version is not None:
        return ModelStore(path.parent).resolve(path.name, version)
    if (path / CARD_FILE).is_file():
        if is_version(path.name) and not _inside(path, path.parent.parent):
            raise ArtifactError(
                f"{path} is a link leading out of its store; the store only reads what it wrote"
            )
        return path
    if path.is_dir() and is_model_name(path.name) and ModelStore(path.parent).versions(path.name):
        return ModelStore(path.parent).resolve(path.name)
    from modelyard.packaged import find_packaged_model

    packaged = find_packaged_model(text)  # an installed model package, by its import name
    if packaged is not None:
        return packaged
    raise _nothing_at(text)


def _nothing_at(text: str) -> ArtifactError:
    return ArtifactError(
        f"no saved model at '{text}': give a model folder (models/NAME), a version folder "
        "(models/NAME/3) or models/NAME@3. Train and save one with `modelyard train`"
    )


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
            a store URL works the same way (``s3://bucket/models/NAME@3``).
        trusted: fully qualified type names to trust beyond scikit-learn, NumPy and
            SciPy, such as your own estimator class.
        allow_pickle: load a model saved in pickle or joblib format; loading one
            runs code from the file, so only for files you trust.
        allow_version_mismatch: load a model saved with another scikit-learn
            major.minor (see :data:`modelyard.artifact.VERSION_POLICY`).
        storage_options: options of the fsspec filesystem of a URL.

    >>> model = load_model("models/churn")  # doctest: +SKIP
    """
    from modelyard.model import Model

    location = locate(uri, storage_options=storage_options)
    with ModelStore(location, storage_options).fetch(location) as folder:
        estimator, card = read_artifact(
            folder,
            trusted=trusted,
            allow_pickle=allow_pickle,
            allow_version_mismatch=allow_version_mismatch,
        )
        graph = read_compiled(folder, card)
    return Model.from_artifact(
        estimator, card, source=ModelRef(card.name, card.version, location), compiled=graph
    )
