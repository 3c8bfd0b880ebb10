"""modelyard: one train / score / save / load / predict / serve lifecycle for every model.

>>> from modelyard import Model, load_model
>>> from modelyard.data import demo_dataset

Importing modelyard does not import the serving stack (FastAPI, uvicorn) or any
plotting library; those load when first used.
"""

from importlib import metadata

# First, before pandas: the first model load (a server's cold start) imports skops, which
# finds the module of each of SciPy's ~800 special functions by scanning sys.modules in
# import order. Imported here, they sit hundreds of modules nearer the front, which took
# about 0.3 s (a tenth) off `modelyard serve`'s start (benchmarks/startup). scikit-learn
# imports them anyway, so importing modelyard costs nothing more.
import scipy.special  # noqa: F401

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
