"""Project configuration: the ``[tool.modelyard]`` table of a project's pyproject.toml.

A project names its model factory and its dataset class there::

    [tool.modelyard]
    model = "churn_model.model:build_model"
    dataset = "churn_model.data:ChurnData"

Every other key has a default (see :class:`Settings`), and every key can be
overridden by an environment variable ``MODELYARD_<KEY>`` (``MODELYARD_RUN_DIR=/tmp/runs``).
Relative paths are relative to the folder holding the pyproject.toml.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelyard.exceptions import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

ENV_PREFIX = "MODELYARD_"


@dataclass(frozen=True)
class Settings:
    """The resolved configuration of one project.

    Attributes:
        root: folder of the project's pyproject.toml (the current folder if there is none).
        name: name under which the model is saved; defaults to ``[project] name``.
        model: ``module:attribute`` of a function returning a :class:`~modelyard.model.Model`.
        dataset: ``module:attribute`` of a :class:`modelyard.data.Dataset` subclass.
        model_dir: folder of the model store.
        run_dir: folder of the run log.
        test_size: share of rows held out by ``score``.
        random_state: seed of every split.
    """

    root: Path = field(default_factory=Path.cwd)
    name: str | None = None
    model: str | None = None
    dataset: str | None = None
    model_dir: Path = Path("models")
    run_dir: Path = Path("runs")
    test_size: float = 0.25
    random_state: int = 42

    def build_model(self) -> Any:
        """Call the project's model factory and return the Model it builds."""
        from modelyard.model import Model

        factory = _import(self._required("model"), "model")
        model = factory()
        if not isinstance(model, Model):
            raise ConfigError(
                f"[tool.modelyard] model = '{self.model}' returned {type(model).__name__}; "
                "it must return a modelyard.Model, e.g. `return Model(estimator)`"
            )
        if model.name is None and self.name:
            model.name = self.name
        return model

    def build_dataset(self) -> Any:
        """Instantiate the project's dataset class."""
        from modelyard.data import Dataset

        dataset_class = _import(self._required("dataset"), "dataset")
        if not (isinstance(dataset_class, type) and issubclass(dataset_class, Dataset)):
            raise ConfigError(
                f"[tool.modelyard] dataset = '{self.dataset}' is not a subclass of "
                "modelyard.data.Dataset"
            )
        return dataset_class()

    def _required(self, key: str) -> str:
        value = getattr(self, key)
        if not value:
            raise ConfigError(
                f"[tool.modelyard] has no '{key}' in {self.root / 'pyproject.toml'}; add "
                f'{key} = "your_package.module:attribute"'
            )
        return value


_FIELDS = {f.name: f for f in dataclasses.fields(Settings) if f.name != "root"}


def find_pyproject(start: Path | None = None) -> Path | None:
    """Return the nearest pyproject.toml with a ``[tool.modelyard]`` table, from ``start`` up."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and "modelyard" in _read_toml(candidate).get("tool", {}):
            return candidate
    return None


def load_settings(start: Path | None = None, *, required: bool = False) -> Settings:
    """Read the project's settings, with environment variables taking precedence.

    Args:
        start: folder to look for a pyproject.toml from (and then up); the current one by default.
        required: raise :class:`~modelyard.exceptions.ConfigError` when no project
            configuration is found.
    """
    pyproject = find_pyproject(start)
    if pyproject is None:
        if required:
            raise ConfigError(
                f"no pyproject.toml with a [tool.modelyard] table in {start or Path.cwd()} "
                "or its parents; run this inside a project made from the template, or add "
                '[tool.modelyard] with model = "pkg.model:build_model" and '
                'dataset = "pkg.data:MyData"'
            )
        return _with_env(Settings(root=(start or Path.cwd()).resolve()), {})
    document = _read_toml(pyproject)
    table = document["tool"]["modelyard"]
    defaults = {"name": document.get("project", {}).get("name")}
    return _with_env(Settings(root=pyproject.parent), {**defaults, **table})


def _with_env(settings: Settings, table: Mapping[str, Any]) -> Settings:
    unknown = sorted(set(table) - set(_FIELDS))
    if unknown:
        raise ConfigError(
            f"unknown key {', '.join(map(repr, unknown))} in [tool.modelyard]; "
            f"allowed keys: {', '.join(_FIELDS)}"
        )
    values = dict(table)
    for key in _FIELDS:
        env = os.environ.get(ENV_PREFIX + key.upper())
        if env is not None:
            values[key] = env
    result = dataclasses.replace(
        settings, **{key: _coerce(key, value) for key, value in values.items()}
    )
    # Paths in the file are relative to the project, not to wherever the command runs.
    return dataclasses.replace(
        result, model_dir=result.root / result.model_dir, run_dir=result.root / result.run_dir
    )


def _coerce(key: str, value: Any) -> Any:
    kind = _FIELDS[key].type
    try:
        if kind == "float":
            number = float(value)
            if key == "test_size" and not 0 < number < 1:
                raise ValueError
            return number
        if kind == "int":
            return int(value)
        if kind == "Path":
            return Path(str(value))
        return str(value)
    except (TypeError, ValueError):
        allowed = {"float": "a number", "int": "an integer"}.get(kind, "text")
        if key == "test_size":
            allowed = "a number between 0 and 1"
        raise ConfigError(
            f"[tool.modelyard] {key} = {value!r} is invalid; it must be {allowed}"
        ) from None


def _import(target: str, key: str) -> Any:
    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        raise ConfigError(
            f"[tool.modelyard] {key} = '{target}' must have the form 'module:attribute'"
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ConfigError(
            f"cannot import '{module_name}' named by [tool.modelyard] {key}: {error}. "
            "Is the project installed? Run `pip install -e .` in the project folder"
        ) from error
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise ConfigError(
            f"module '{module_name}' has no attribute '{attribute}' "
            f"(named by [tool.modelyard] {key})"
        ) from None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"cannot read {path}: {error}") from error
