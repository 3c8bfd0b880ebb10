"""Project configuration: the ``[tool.modelyard]`` table of a project's pyproject.toml.

A project names its model factory and its dataset class there::

    [tool.modelyard]
    model = "churn_model.model:build_model"
    dataset = "churn_model.data:ChurnData"

Every other key has a default (see :class:`Settings` and :data:`DEFAULTS`), and
every key can be overridden by an environment variable ``MODELYARD_<KEY>``
(``MODELYARD_RUN_DIR=/tmp/runs``; lists such as ``metrics`` are comma-separated
there: ``MODELYARD_METRICS=accuracy,f1``). Relative paths are relative to the
folder holding the pyproject.toml. An unknown key or a bad value is one
:class:`~modelyard.exceptions.ConfigError` naming the key and what it allows.
"""

from __future__ import annotations

import dataclasses
import sys
import warnings
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelyard.env import PREFIX, read, setting_variable, split_list
from modelyard.exceptions import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

#: Prefix of the variables that override keys (see :mod:`modelyard.env`).
ENV_PREFIX = PREFIX


@dataclass(frozen=True)
class Settings:
    """The resolved configuration of one project.

    Attributes:
        root: folder of the project's pyproject.toml (the current folder if there is none).
        name: name under which the model is saved; defaults to ``[project] name``.
        model: ``module:attribute`` of a function returning a :class:`~modelyard.model.Model`.
        dataset: ``module:attribute`` of a :class:`modelyard.data.Dataset` subclass.
        model_dir: folder of the model store (used when ``store`` is not set).
        store: the model store as a folder or an fsspec URL (``s3://bucket/models``);
            set this or ``model_dir``, not both.
        run_dir: folder of the run log.
        test_size: share of rows held out by ``score`` without cross-validation.
        random_state: seed of every split.
        cv: folds of cross-validation in ``score``; 0 scores on one holdout split.
        n_jobs: processes for cross-validation; -1 uses every core.
        metrics: metric names ``score`` reports; empty means the task's defaults
            (see :mod:`modelyard.metrics`).
        scheduler: address of a Dask scheduler (``tcp://host:8786``) to run
            searches and comparisons on; None runs them on this machine
            (see :mod:`modelyard.parallel`).
        compare: ``module:attribute`` of the model factories ``modelyard compare``
            scores side by side (each returns a :class:`~modelyard.model.Model`, as
            ``model``'s does); empty when there are none.
        search: the ``[tool.modelyard.search]`` table that ``modelyard search``
            runs (see :data:`SEARCH_KEYS`); empty when there is none.
        monitoring: the ``[tool.modelyard.monitoring]`` table: drift thresholds
            (see :data:`MONITORING_KEYS` and :class:`modelyard.drift.DriftThresholds`);
            empty means the documented defaults.
        nullable: features that may be missing when predicting, even if training
            saw no missing value in them (see :doc:`/guide/data`).
        unseen_category: ``accept`` or ``reject`` a category training never saw;
            one policy, or a table ``{feature = "reject"}``.
        out_of_range: ``accept`` or ``reject`` a number outside the training range;
            one policy, or a table ``{feature = "reject"}``.
        trust: what this project trusts in model files beyond modelyard's
            built-in list: profile names (``"lightgbm"``) or exact type names
            (see :mod:`modelyard.trust`); ``MODELYARD_TRUST`` is comma-separated.
        data: which data ``train``, ``score`` and the project's tests read: ``full``
            (the ``dataset`` class) or ``sample`` (the committed CSV at ``sample``); CI
            sets ``MODELYARD_DATA=sample`` (see :mod:`modelyard.data.sample`).
        sample: the CSV file ``modelyard sample`` writes and ``data = "sample"`` reads.
        report: the HTML report ``modelyard score`` writes: ``fast`` (costly plots
            on a bounded sample), ``full`` (on every row) or ``none`` (no report);
            see :mod:`modelyard.report`.
    """

    root: Path = field(default_factory=Path.cwd)
    name: str | None = None
    model: str | None = None
    dataset: str | None = None
    model_dir: Path = Path("models")
    store: str | None = None
    run_dir: Path = Path("runs")
    test_size: float = 0.25
    random_state: int = 42
    cv: int = 0
    n_jobs: int = 1
    metrics: tuple[str, ...] = ()
    scheduler: str | None = None
    compare: tuple[str, ...] = ()
    search: dict[str, Any] = field(default_factory=dict)
    monitoring: dict[str, Any] = field(default_factory=dict)
    nullable: tuple[str, ...] = ()
    unseen_category: str | dict[str, str] = "accept"
    out_of_range: str | dict[str, str] = "accept"
    trust: tuple[str, ...] = ()
    data: str = "full"
    sample: Path = Path("data/sample.csv")
    report: str = "fast"

    @property
    def store_url(self) -> str:
        """The model store, ``store`` if set, else the ``model_dir`` folder."""
        return self.store if self.store is not None else str(self.model_dir)

    def build_model(self) -> Any:
        """Deprecated: use :func:`modelyard.project.build_model`, the project layer."""
        from modelyard.project import build_model

        _deprecated("build_model")

        return build_model(self)

    def build_dataset(self) -> Any:
        """Deprecated: use :func:`modelyard.project.build_dataset`, the project layer."""
        from modelyard.project import build_dataset

        _deprecated("build_dataset")

        return build_dataset(self)

    def required(self, key: str) -> str:
        """The value of ``key`` (``model`` or ``dataset``); a ConfigError naming it if unset."""
        return self._required(key)

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
        if candidate.is_file() and _has_table(_read_toml(candidate), candidate):
            return candidate
    return None


def _deprecated(name: str) -> None:
    warnings.warn(
        f"Settings.{name}() is deprecated; call modelyard.project.{name}(settings) instead",
        DeprecationWarning,
        stacklevel=3,
    )


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
    project_name = document.get("project", {}).get("name")
    defaults = {"name": project_name} if project_name is not None else {}
    return _with_env(Settings(root=pyproject.parent), {**defaults, **table})


def _with_env(settings: Settings, table: Mapping[str, Any]) -> Settings:
    unknown = sorted(set(table) - set(_FIELDS))
    if unknown:
        raise ConfigError(
            f"unknown key {', '.join(map(repr, unknown))} in [tool.modelyard]; "
            f"allowed keys: {', '.join(_FIELDS)}"
        )
    if "store" in table and "model_dir" in table:
        raise ConfigError(
            "[tool.modelyard] sets both model_dir and store; keep one: store for a URL "
            "(s3://bucket/models), model_dir for a local folder"
        )
    values = dict(table)
    for key in _FIELDS:
        if key == "monitoring":  # MODELYARD_MONITORING is the server's on/off switch
            continue
        env = read(setting_variable(key))
        if env is not None:
            values[key] = env
    result = dataclasses.replace(
        settings, **{key: _coerce(key, value) for key, value in values.items()}
    )
    # Paths in the file are relative to the project, not to wherever the command runs.
    store = result.store
    if store is not None and "://" not in store:
        store = str(result.root / store)
    return dataclasses.replace(
        result,
        model_dir=result.root / result.model_dir,
        run_dir=result.root / result.run_dir,
        sample=result.root / result.sample,
        store=store,
    )


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError
    return value


def _integer(value: Any) -> int:
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError
    return int(value)


def _fraction(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError
    number = float(value)
    if not 0 < number < 1:
        raise ValueError
    return number


def _folds(value: Any) -> int:
    folds = _integer(value)
    if folds < 0 or folds == 1:
        raise ValueError
    return folds


def _n_jobs(value: Any) -> int:
    jobs = _integer(value)
    if jobs == 0:
        raise ValueError
    return jobs


def _name_list(value: Any, is_valid: Callable[[str], bool]) -> tuple[str, ...]:
    """A list of names, or one comma-separated string (as an environment variable gives)."""
    names = list(split_list(value)) if isinstance(value, str) else value
    if not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names):
        raise ValueError
    if not all(is_valid(name) for name in names if name):
        raise ValueError
    return tuple(name for name in names if name)


def _metric_names(value: Any) -> tuple[str, ...]:
    from modelyard.metrics import is_known_metric

    return _name_list(value, is_known_metric)


def _trust_names(value: Any) -> tuple[str, ...]:
    from modelyard.trust import is_trust_name

    return _name_list(value, is_trust_name)


def _trust_allowed() -> str:
    from modelyard.trust import PROFILES

    return (
        "a list of profile names (" + ", ".join(PROFILES) + ") or exact type names "
        "such as 'my_package.estimators.MyEstimator'"
    )


def _metrics_allowed() -> str:
    from modelyard.metrics import known_metrics

    return "a list of metric names (empty for the task's defaults) from: " + ", ".join(
        known_metrics()
    )


#: The keys of ``[tool.modelyard.search]`` and what each may be.
SEARCH_KEYS = {
    "kind": '"grid" (every combination) or "random" (n_iter samples)',
    "params": "a table of parameter name to a list of values; for random searches also "
    "{ uniform = [low, high] }, { loguniform = [low, high] } or { randint = [low, high] }",
    "n_iter": "random searches: the number of samples, at least 1 (default 10)",
    "cv": "folds, at least 2, or 0 for one holdout split (default: cv, else 5)",
    "metrics": "metric names; the first ranks the candidates (default: metrics)",
}

#: Distributions ``[tool.modelyard.search] params`` may name in a random search.
SEARCH_DISTRIBUTIONS = ("uniform", "loguniform", "randint")


def _known_keys(value: Any, name: str, keys: Collection[str]) -> Mapping[str, Any]:
    """``value`` as the table ``[tool.modelyard.<name>]``, refusing keys it does not know."""
    if not isinstance(value, Mapping):
        raise ValueError
    unknown = sorted(set(value) - set(keys))
    if unknown:
        raise ConfigError(
            f"unknown key {', '.join(map(repr, unknown))} in [tool.modelyard.{name}]; "
            f"allowed keys: {', '.join(keys)}"
        )
    return value


def _search_table(value: Any) -> dict[str, Any]:
    table = dict(_known_keys(value, "search", SEARCH_KEYS))
    kind = table.setdefault("kind", "grid")
    if kind not in ("grid", "random"):
        raise _search_error("kind", kind)
    params = table.get("params")
    if not isinstance(params, Mapping) or not params:
        raise _search_error("params", params)
    for name, values in params.items():
        if not _search_values(values, random=kind == "random"):
            raise ConfigError(
                f"[tool.modelyard.search] params.{name} = {values!r} is invalid; it must be "
                + SEARCH_KEYS["params"]
            )
    if "n_iter" in table:
        n_iter = table["n_iter"]
        whole = isinstance(n_iter, int) and not isinstance(n_iter, bool)
        if kind != "random" or not whole or n_iter < 1:
            raise _search_error("n_iter", n_iter)
    if "cv" in table:
        try:
            table["cv"] = _folds(table["cv"])
        except (TypeError, ValueError):
            raise _search_error("cv", table["cv"]) from None
    if "metrics" in table:
        try:
            table["metrics"] = _metric_names(table["metrics"])
        except (TypeError, ValueError, AttributeError):
            raise _search_error("metrics", table["metrics"]) from None
    return table


#: The keys of ``[tool.modelyard.monitoring]`` and what each may be.
MONITORING_KEYS = {
    "psi_warn": "a population stability index from which drift is a warning (default 0.1)",
    "psi_drift": "a population stability index from which drift is drift (default 0.25)",
    "p_value": "the chi-square test's significance level, between 0 and 1 (default 0.01)",
    "min_rows": "the fewest current rows for a verdict, at least 1 (default 100)",
    "missing_increase": "the rise of a missing rate that is drift, a fraction (default 0.1)",
    # What the server watches (see modelyard.serving.monitoring):
    "window_rows": "the most rows in the server's drift window, at least 1 (default 10000)",
    "window_seconds": "the oldest rows in the server's drift window, in seconds (default 3600)",
    "prediction_log": "the server's prediction log file (default: no log)",
    "prediction_log_sample": "the share of requests logged, from 0 to 1 (default 1)",
    "prediction_log_max_bytes": "the log's size before rotation, at least 1024 (default 10 MiB)",
    "prediction_log_backups": "rotated log files kept, at least 1 (default 5)",
    "redact": "a list of features the prediction log never writes",
}
_MONITORING_RULES: dict[str, Callable[[Any], Any]] = {
    "psi_warn": lambda v: _non_negative(v),
    "psi_drift": lambda v: _non_negative(v),
    "p_value": _fraction,
    "min_rows": lambda v: _positive(_integer(v)),
    "missing_increase": _fraction,
    "window_rows": lambda v: _positive(_integer(v)),
    "window_seconds": lambda v: float(_positive(_integer(v))),
    "prediction_log": _text,
    "prediction_log_sample": lambda v: _share(v),
    "prediction_log_max_bytes": lambda v: _positive(_integer(v)),
    "prediction_log_backups": lambda v: _positive(_integer(v)),
    "redact": lambda v: _names(v),
}


def _non_negative(value: Any) -> float:
    if isinstance(value, bool) or float(value) < 0:
        raise ValueError
    return float(value)


def _share(value: Any) -> float:
    share = _non_negative(value)
    if share > 1:
        raise ValueError
    return share


def _positive(value: int) -> int:
    if value < 1:
        raise ValueError
    return value


def _monitoring_table(value: Any) -> dict[str, Any]:
    value = _known_keys(value, "monitoring", MONITORING_KEYS)
    table: dict[str, Any] = {}
    for key, item in value.items():
        try:
            table[key] = _MONITORING_RULES[key](item)
        except (TypeError, ValueError):
            raise ConfigError(
                f"[tool.modelyard.monitoring] {key} = {item!r} is invalid; it must be "
                f"{MONITORING_KEYS[key]}"
            ) from None
    if table.get("psi_warn", 0.1) > table.get("psi_drift", 0.25):
        raise ConfigError(
            "[tool.modelyard.monitoring] psi_warn is above psi_drift; "
            "a warning must come before drift"
        )
    return table


def _data_choice(value: Any) -> str:
    text = _text(value).strip().lower()
    if text not in DATA_CHOICES:
        raise ValueError
    return text


#: The values of the ``data`` setting.
DATA_CHOICES = ("full", "sample")
#: The values of the ``report`` setting (and of ``modelyard score --report``).
REPORT_CHOICES = ("fast", "full", "none")


def _report_choice(value: Any) -> str:
    text = _text(value).strip().lower()
    if text not in REPORT_CHOICES:
        raise ValueError
    return text


def _search_values(values: Any, *, random: bool) -> bool:
    if isinstance(values, list):
        return bool(values)
    if random and isinstance(values, Mapping) and len(values) == 1:
        ((name, bounds),) = values.items()
        return (
            name in SEARCH_DISTRIBUTIONS
            and isinstance(bounds, list)
            and len(bounds) == 2
            and all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds)
            and bounds[0] < bounds[1]
        )
    return False


def _search_error(key: str, value: Any) -> ConfigError:
    return ConfigError(
        f"[tool.modelyard.search] {key} = {value!r} is invalid; it must be {SEARCH_KEYS[key]}"
    )


def _search_allowed() -> str:
    return "a table with keys " + ", ".join(SEARCH_KEYS)


_POLICY_TEXT = "'accept' or 'reject', or a table of feature names to 'accept' or 'reject'"


def _names(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = list(split_list(value))
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError
    return tuple(value)


def _factories(value: Any) -> tuple[str, ...]:
    names = _names(value)
    if not all(":" in name.strip(":") for name in names):
        raise ValueError
    return names


def _policy(value: Any) -> str | dict[str, str]:
    if isinstance(value, Mapping):
        if not all(v in ("accept", "reject") for v in value.values()):
            raise ValueError
        return {str(k): str(v) for k, v in value.items()}
    if value not in ("accept", "reject"):
        raise ValueError
    return value


#: For each key: how its value is read, and what it may be (said in errors).
_RULES: dict[str, tuple[Callable[[Any], Any], str | Callable[[], str]]] = {
    "name": (_text, "a model name (text)"),
    "model": (_text, "'module:attribute' of a function returning a modelyard.Model"),
    "dataset": (_text, "'module:attribute' of a modelyard.data.Dataset subclass"),
    "model_dir": (lambda v: Path(_text(v)), "a folder path"),
    "store": (_text, "a folder path or an fsspec URL such as s3://bucket/models"),
    "run_dir": (lambda v: Path(_text(v)), "a folder path"),
    "test_size": (_fraction, "a number between 0 and 1 (exclusive)"),
    "random_state": (_integer, "an integer"),
    "cv": (_folds, "0 (one holdout split) or a number of folds of at least 2"),
    "n_jobs": (_n_jobs, "a whole number other than 0 (-1 for every core)"),
    "metrics": (_metric_names, _metrics_allowed),
    "scheduler": (_text, "a Dask scheduler address such as tcp://127.0.0.1:8786"),
    "data": (_data_choice, "full (the dataset class) or sample (the committed sample file)"),
    "sample": (lambda v: Path(_text(v)), "a CSV file path"),
    "compare": (
        lambda v: _factories(v),
        "a list of 'module:attribute' model factories, each returning a modelyard.Model",
    ),
    "report": (
        _report_choice,
        "fast (costly plots on a bounded sample), full (on every row) or none (no report)",
    ),
    "search": (lambda v: _search_table(v), lambda: _search_allowed()),
    "monitoring": (
        lambda v: _monitoring_table(v),
        "a table with keys " + ", ".join(MONITORING_KEYS),
    ),
    "nullable": (lambda v: _names(v), "a list of feature names"),
    "unseen_category": (lambda v: _policy(v), _POLICY_TEXT),
    "out_of_range": (lambda v: _policy(v), _POLICY_TEXT),
    "trust": (_trust_names, _trust_allowed),
}

#: Every key's default, as documented (paths are relative to the project folder).
DEFAULTS: dict[str, Any] = {
    key: (f.default if f.default is not dataclasses.MISSING else None) for key, f in _FIELDS.items()
}


def _coerce(key: str, value: Any) -> Any:
    parse, allowed = _RULES[key]
    try:
        return parse(value)
    except (TypeError, ValueError, AttributeError):
        text = allowed() if callable(allowed) else allowed
        raise ConfigError(
            f"[tool.modelyard] {key} = {value!r} is invalid; it must be {text}"
        ) from None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise ConfigError(f"cannot read {path}: it is not UTF-8 text ({error.reason})") from None
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"cannot read {path}: {error}") from error


def _has_table(document: dict[str, Any], path: Path) -> bool:
    """Whether ``document`` has a ``[tool.modelyard]`` table; raise if it is not a table."""
    tool = document.get("tool", {})
    if not isinstance(tool, dict) or "modelyard" not in tool:
        return False
    if not isinstance(tool["modelyard"], dict):
        raise ConfigError(
            f"{path}: tool.modelyard is {type(tool['modelyard']).__name__}, not a table; "
            'write it as [tool.modelyard] with keys such as model = "pkg.model:build_model"'
        )
    return True
