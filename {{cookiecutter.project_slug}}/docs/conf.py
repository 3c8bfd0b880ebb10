"""Sphinx configuration; the project's name and author come from pyproject.toml."""

import sys
from importlib import metadata
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

DOCS = Path(__file__).parent
sys.path.insert(0, str(DOCS))

from model_card import write_model_card  # noqa: E402  (found through the line above)
from modelyard.inventories import alias_resolver, offline_intersphinx  # noqa: E402

_pyproject = tomllib.loads((DOCS.parent / "pyproject.toml").read_text())
_project = _pyproject["project"]
_modelyard = _pyproject["tool"]["modelyard"]

project = _project["name"]
author = _project["authors"][0]["name"]
try:
    # The version comes from the git tag at install time (hatch-vcs), not from a file.
    release = metadata.version(project)
except metadata.PackageNotFoundError:
    release = "unreleased"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "sphinx.ext.intersphinx",
]
autodoc_typehints = "description"
exclude_patterns = ["_build"]
html_theme = "alabaster"

# Every cross-reference must resolve (`sphinx-build -n -W`, as `make docs` and CI run it).
nitpicky = True
# Where your team publishes modelyard's docs: links to modelyard's classes go there.
MODELYARD_DOCS = "https://docs.example.com/modelyard/"
# Links to Python, numpy, pandas, scikit-learn and modelyard, from inventories written
# from the installed packages: the build needs no network.
intersphinx_mapping = offline_intersphinx(
    DOCS / "_build" / "inventories",
    ["python", "numpy", "pandas", "sklearn", "modelyard"],
    urls={"modelyard": MODELYARD_DOCS},
)


def setup(app):
    """Resolve type hints written with short names (``pd.DataFrame``, ``Model``)."""
    app.connect("missing-reference", alias_resolver())


# The model-card page is generated at each build from the latest saved model.
write_model_card(
    DOCS.parent / _modelyard.get("model_dir", "models"),
    _modelyard.get("name", project),
    DOCS / "model-card.rst",
)
