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

extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.viewcode"]
autodoc_typehints = "description"
exclude_patterns = ["_build"]
html_theme = "alabaster"

# The model-card page is generated at each build from the latest saved model.
write_model_card(
    DOCS.parent / _modelyard.get("model_dir", "models"),
    _modelyard.get("name", project),
    DOCS / "model-card.rst",
)
