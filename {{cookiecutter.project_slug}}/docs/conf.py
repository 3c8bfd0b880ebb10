"""Sphinx configuration; the project's name and author come from pyproject.toml."""

from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

_project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"]

project = _project["name"]
author = _project["authors"][0]["name"]
release = _project["version"]

extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.viewcode"]
autodoc_typehints = "description"
exclude_patterns = ["_build"]
html_theme = "alabaster"
