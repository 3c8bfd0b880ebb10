"""modelyard: one train / score / save / load / predict / serve lifecycle for every model.

>>> from modelyard import Model, load_model
>>> from modelyard.data import demo_dataset

Importing modelyard does not import the serving stack (FastAPI, uvicorn) or any
plotting library; those load when first used.
"""

from importlib import metadata

from modelyard.collector import collector_paused

# Importing modelyard imports scikit-learn, SciPy and pandas: a burst of objects that live as
# long as the process, which the garbage collector would walk again and again for nothing
# (about 0.3 s of `import modelyard`, benchmarks/startup).
with collector_paused():
    # First, before pandas: the first model load (a server's cold start) imports skops, which
    # finds the module of each of SciPy's ~800 special functions by scanning sys.modules in
    # import order. Imported here, they sit hundreds of modules nearer the front, which took
    # about 0.3 s (a tenth) off `modelyard serve`'s start (benchmarks/startup).
    import scipy.special

    # Then SciPy's statistics, which parse some 400 docstrings as they import. Imported later,
    # from within scikit-learn, that took 0.2-0.4 s longer whenever modelyard was first
    # imported through a submodule, as the `modelyard` command's `from modelyard.cli import
    # main` does (measured with -X importtime; same Python, same files, cause not isolated).
    # scikit-learn imports both anyway, so importing modelyard costs nothing more.
    import scipy.stats  # noqa: F401

    from modelyard.exceptions import (
        ArtifactError,
        ConfigError,
        DataError,
        ModelyardError,
        NotTrainedError,
        SchemaError,
    )
    from modelyard.loading import load_model
    from modelyard.model import Model
    from modelyard.result import Result, ResultGroup
    from modelyard.store import ModelRef

try:
    # Set at build time from the git tag (see CONTRIBUTING.md), read from the install.
    __version__ = metadata.version("modelyard")
except metadata.PackageNotFoundError:  # pragma: no cover - only when run from an uninstalled tree
    __version__ = "0.0.0+unknown"

__all__ = [
    "ArtifactError",
    "ConfigError",
    "DataError",
    "Model",
    "ModelRef",
    "ModelyardError",
    "NotTrainedError",
    "Result",
    "ResultGroup",
    "SchemaError",
    "__version__",
    "load_model",
]
