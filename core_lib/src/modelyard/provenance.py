"""Where a model came from: its training data, the project's git state, its package version."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def data_fingerprint(x: pd.DataFrame, y: Any) -> str:
    """The sha256 of a table's values, column names, dtypes and target, in row order.

    Equal data gives an equal fingerprint on any machine; changing one value,
    renaming a column or reordering rows changes it. The index is left out, so
    a reloaded copy of the same table matches.

    >>> import pandas as pd
    >>> from modelyard.provenance import data_fingerprint
    >>> x = pd.DataFrame({"a": [1, 2]})
    >>> data_fingerprint(x, [0, 1]) == data_fingerprint(x.copy(), [0, 1])
    True
    >>> data_fingerprint(x, [0, 1]) == data_fingerprint(x, [1, 0])
    False
    """
    return RowHashes(x, y).fingerprint()


class RowHashes:
    """Each row's hash of a table and its target, to fingerprint it and any of its rows.

    Hashing is most of a fingerprint's cost; with the row hashes kept, the
    fingerprint of a subset of the rows (a training split) costs a lookup,
    and equals :func:`data_fingerprint` of those rows.

    >>> import pandas as pd
    >>> from modelyard.provenance import RowHashes, data_fingerprint
    >>> x, y = pd.DataFrame({"a": [1, 2, 3]}), pd.Series([0, 1, 0])
    >>> hashes = RowHashes(x, y)
    >>> hashes.fingerprint() == data_fingerprint(x, y)
    True
    >>> hashes.fingerprint([2, 0]) == data_fingerprint(x.iloc[[2, 0]], y.iloc[[2, 0]])
    True
    """

    def __init__(self, x: pd.DataFrame, y: Any) -> None:
        self._columns = "".join(f"{name}\x1f{dtype}\x1e" for name, dtype in x.dtypes.items())
        self._x = pd.util.hash_pandas_object(x, index=False).to_numpy()
        target = pd.Series(y).reset_index(drop=True)
        self._target = f"target\x1f{target.dtype}\x1e"
        self._y = pd.util.hash_pandas_object(target, index=False).to_numpy()

    def fingerprint(self, rows: Sequence[int] | np.ndarray | None = None) -> str:
        """The :func:`data_fingerprint` of the table, or of the rows at these positions."""
        x, y = (self._x, self._y) if rows is None else (self._x[rows], self._y[rows])
        digest = hashlib.sha256(self._columns.encode())
        digest.update(x.tobytes())
        digest.update(self._target.encode())
        digest.update(y.tobytes())
        return digest.hexdigest()


def data_summary(data: Any, fingerprint: str | None = None) -> dict[str, Any]:
    """What a run record says about its dataset: class name, size and fingerprint.

    ``data`` is a :class:`modelyard.data.Dataset` (anything with ``x`` and ``y``);
    ``fingerprint`` is its :func:`data_fingerprint` when already known.
    """
    return {
        "dataset": type(data).__name__,
        "rows": len(data.x),
        "columns": data.x.shape[1],
        "fingerprint": fingerprint or data_fingerprint(data.x, data.y),
    }


def git_state(folder: Path | str) -> dict[str, Any] | None:
    """The commit checked out in ``folder`` and whether it has uncommitted changes.

    Returns ``{"commit": "<sha>", "dirty": bool}``, or None when ``folder`` is not
    in a git repository or git is not installed.
    """
    commit = _git(folder, "rev-parse", "HEAD")
    if commit is None:
        return None
    status = _git(folder, "status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status)}


def _git(folder: Path | str, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def model_package(factory: str | None, root: Path | str) -> dict[str, str] | None:
    """The installed distribution providing the model factory ``factory`` (``pkg.mod:attr``).

    Returns ``{"name": ..., "version": ...}``: the version a release of the project
    carries (from its git tag), or None when the project is not installed. The
    distribution is found from the factory's top-level module, else, for an
    editable install, from the ``[project] name`` of the pyproject.toml in ``root``.
    """
    if not factory:
        return None
    top = factory.split(":", 1)[0].split(".", 1)[0]
    names = metadata.packages_distributions().get(top, []) or _project_name(Path(root))
    for name in names:
        try:
            return {"name": name, "version": metadata.version(name)}
        except metadata.PackageNotFoundError:
            continue
    return None


def _project_name(root: Path) -> list[str]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        with (root / "pyproject.toml").open("rb") as file:
            name = tomllib.load(file).get("project", {}).get("name")
    except (OSError, ValueError):
        return []
    return [name] if isinstance(name, str) else []
