"""The project layer: a project's Model, Dataset and store, built from its settings.

:mod:`modelyard.config` reads ``[tool.modelyard]`` into plain data
(:class:`~modelyard.config.Settings`); this module, above :class:`~modelyard.model.Model`,
:class:`~modelyard.data.Dataset` and the store, turns that data into the objects
a command works with. The ``modelyard`` command resolves the settings once and
builds everything here, so the layers below take what they need as arguments::

    settings = load_settings(required=True)
    model, data = build_model(settings), build_dataset(settings)
"""

from __future__ import annotations

import functools
import importlib
import inspect
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from modelyard.config import Settings
from modelyard.data import Dataset
from modelyard.data.sample import sample_dataset
from modelyard.exceptions import ConfigError
from modelyard.fitting import estimator_label
from modelyard.model import Model
from modelyard.result import ResultGroup
from modelyard.schema import ContractOptions
from modelyard.search import SearchResult, compare, grid_search, random_search
from modelyard.store import ModelStore, open_store


def build_model(settings: Settings) -> Model:
    """Call the project's model factory (``model = "pkg.module:factory"``); the Model it builds.

    The model gets the project's name when the factory gave none, and the
    project's data contract (``nullable``, ``unseen_category``, ``out_of_range``).
    """
    factory = _import(settings.required("model"), "model")
    _check_factory(factory, settings.model)
    model = factory()
    if not isinstance(model, Model):
        raise ConfigError(
            f"[tool.modelyard] model = '{settings.model}' returned {type(model).__name__}; "
            "it must return a modelyard.Model, e.g. `return Model(estimator)`"
        )
    if model.name is None and settings.name:
        model.name = settings.name
    model.contract = ContractOptions(
        settings.nullable, settings.unseen_category, settings.out_of_range
    )
    return model


def build_dataset(settings: Settings) -> Dataset:
    """Instantiate the project's dataset class, or read the sample when ``data`` is sample."""
    if settings.data == "sample":
        return sample_dataset(settings.sample)
    dataset_class = _import(settings.required("dataset"), "dataset")
    if not (isinstance(dataset_class, type) and issubclass(dataset_class, Dataset)):
        raise ConfigError(
            f"[tool.modelyard] dataset = '{settings.dataset}' is not a subclass of "
            "modelyard.data.Dataset"
        )
    if inspect.isabstract(dataset_class):
        missing = ", ".join(sorted(dataset_class.__abstractmethods__))
        raise ConfigError(
            f"[tool.modelyard] dataset = '{settings.dataset}' cannot be created: define its "
            f"method {missing} (a Dataset subclass must define every abstract method)"
        )
    return dataset_class()


def model_name(settings: Settings) -> str:
    """The name the project's model is saved under.

    The project's ``name`` when set (``[project] name``), so learning it builds
    nothing; otherwise the model factory is called to ask the model.
    """
    if settings.name:
        return settings.name
    model = build_model(settings)
    return model.resolve_name(settings)


def split_options(settings: Settings) -> dict[str, Any]:
    """The project's ``test_size`` and ``random_state``, the arguments of ``Dataset.split``.

    Library methods never read ``pyproject.toml``; ``Model.score``, ``train``,
    ``save``, the searches and ``select_features`` take ``settings=`` itself,
    and :meth:`modelyard.data.Dataset.split` these two: ``data.split(**split_options(settings))``.
    """
    return {"test_size": settings.test_size, "random_state": settings.random_state}


def project_store(settings: Settings) -> ModelStore:
    """The project's model store (``store`` or ``model_dir``)."""
    return open_store(settings.store_url)


def search_from_settings(
    settings: Settings,
    *,
    n_jobs: int | None = None,
    scheduler: str | None = None,
    quiet: bool = False,
) -> SearchResult:
    """Run the search declared in ``[tool.modelyard.search]`` (what ``modelyard search`` does).

    The table (checked when the configuration is read, see
    :data:`modelyard.config.SEARCH_KEYS`)::

        [tool.modelyard.search]
        kind = "random"          # or "grid" (the default)
        n_iter = 20
        cv = 5
        params = { C = { loguniform = [0.001, 100] }, penalty = ["l2"] }
    """
    table = settings.search
    if not table:
        raise ConfigError(
            "no [tool.modelyard.search] table in pyproject.toml; add one, e.g. "
            '[tool.modelyard.search] kind = "grid" and params = { C = [0.1, 1, 10] }'
        )
    model, data = build_model(settings), build_dataset(settings)
    how = {
        "cv": table.get("cv"),
        "metrics": table.get("metrics"),
        "n_jobs": n_jobs,
        "scheduler": scheduler,
        "settings": settings,
        "quiet": quiet,
    }
    if table["kind"] == "grid":
        return grid_search(model, data, dict(table["params"]), **how)
    space = {name: _distribution(values) for name, values in table["params"].items()}
    return random_search(model, data, space, n_iter=table.get("n_iter", 10), **how)


def compare_from_settings(
    settings: Settings,
    factories: Sequence[str] = (),
    *,
    cv: int | None = None,
    n_jobs: int | None = None,
    scheduler: str | None = None,
    quiet: bool = False,
) -> ResultGroup:
    """Score the project's candidate models side by side (what ``modelyard compare`` does).

    ``factories`` (default: the ``compare`` setting) name model factories as
    ``model`` does, each labelled by its function's name; with a single one, it
    may also return several candidates, a dict of label to Model (or
    estimator) or a list. Every candidate is measured on the same folds, or on
    :meth:`~modelyard.model.Model.score`'s holdout split when ``cv`` is 0::

        [tool.modelyard]
        compare = ["my_model.model:build_model", "my_model.model:build_forest"]
    """
    targets = tuple(factories) or settings.compare
    if not targets:
        raise ConfigError(
            'nothing to compare: add compare = ["pkg.model:build_model", '
            '"pkg.model:build_other"] to [tool.modelyard], or name factories after '
            "`modelyard compare`"
        )
    candidates: dict[str, Any] = {}
    for target in targets:
        candidates.update(_candidates(target, single=len(targets) == 1))
    return compare(
        build_dataset(settings),
        candidates,
        cv=cv,
        n_jobs=n_jobs,
        scheduler=scheduler,
        settings=settings,
        quiet=quiet,
    )


def _candidates(target: str, *, single: bool) -> dict[str, Any]:
    """The candidates one compare factory gives, by label."""
    factory = _import(target, "compare")
    _check_factory(factory, target, key="compare")
    made = factory()
    label = target.partition(":")[2]
    if isinstance(made, Model) or callable(getattr(made, "fit", None)):
        return {label: made}
    if single and isinstance(made, Mapping):
        return {str(name): candidate for name, candidate in made.items()}
    if single and isinstance(made, list | tuple):
        return {_label(candidate, i): candidate for i, candidate in enumerate(made, 1)}
    raise ConfigError(
        f"[tool.modelyard] compare factory '{target}' returned {type(made).__name__}; it must "
        "return a modelyard.Model (or, as the only factory, a dict or list of them)"
    )


def _label(candidate: Any, number: int) -> str:
    estimator = candidate.estimator if isinstance(candidate, Model) else candidate
    return f"{number}. {estimator_label(estimator)}"


def _distribution(values: Any) -> Any:
    """A list as is; ``{uniform|loguniform|randint = [low, high]}`` as a scipy.stats one."""
    if isinstance(values, list):
        return values
    from scipy import stats

    ((name, (low, high)),) = values.items()
    if name == "uniform":
        return stats.uniform(low, high - low)
    if name == "loguniform":
        return stats.loguniform(low, high)
    return stats.randint(low, high)


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


def _check_factory(factory: Any, target: str | None, *, key: str = "model") -> None:
    """Refuse a model factory that cannot be one before calling it.

    A factory is the project's own code: a function or a Model subclass that
    needs no arguments. Built-in and standard-library callables (``os:system``)
    are refused without being called, whatever their signature.
    """
    inner = factory.func if isinstance(factory, functools.partial) else factory
    module = (getattr(inner, "__module__", None) or "").partition(".")[0]
    problem = None
    if not callable(factory):
        problem = "it is not callable"
    elif inspect.isbuiltin(inner) or module in sys.stdlib_module_names or module == "builtins":
        problem = "it is part of Python, not a factory of the project"
    elif isinstance(factory, type) and not issubclass(factory, Model):
        problem = "it is a class that is not a modelyard.Model"
    else:
        try:
            inspect.signature(factory).bind()
        except TypeError:
            problem = "it needs arguments"
        except ValueError:
            pass  # no signature to check; the result is checked instead
    if problem:
        raise ConfigError(
            f"[tool.modelyard] {key} = '{target}' is not a model factory: {problem}. Name a "
            "function of your project that takes no arguments and returns a modelyard.Model"
        )
