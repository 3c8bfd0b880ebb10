"""Sphinx configuration of the modelyard documentation.

Build it from ``core_lib/`` with::

    python -m sphinx -W --keep-going -b html docs docs/_build/html
    python -m sphinx -W --keep-going -b doctest docs docs/_build/doctest

modelyard must be installed (``pip install -e ".[serve,docs]"``): autodoc imports
it, and the version shown is the installed distribution's.
"""

from __future__ import annotations

from importlib.metadata import version as _distribution_version
from pathlib import Path

from modelyard.inventories import alias_resolver, offline_intersphinx

# -- Project -----------------------------------------------------------------

project = "modelyard"
author = "The modelyard maintainers"
copyright = "the modelyard maintainers"
version = _distribution_version("modelyard")
release = version

# -- General -----------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "sphinx.ext.doctest",
    "matplotlib.sphinxext.plot_directive",
    "sphinx.ext.intersphinx",
]

# -- intersphinx ---------------------------------------------------------------

# Links to Python, numpy, pandas and scikit-learn, from inventories written from the
# installed packages (modelyard.inventories): the build needs no network, and `-n`
# (every reference must resolve) holds behind a firewall too.
intersphinx_mapping = offline_intersphinx(Path(__file__).parent / "_build" / "inventories")

nitpicky = True
nitpick_ignore = [
    # FastAPI's documentation is not built with Sphinx: it publishes no inventory.
    ("py:class", "fastapi.applications.FastAPI"),
    # Nor is prometheus_client's.
    ("py:class", "prometheus_client.registry.CollectorRegistry"),
    ("py:class", "prometheus_client.metrics_core.GaugeMetricFamily"),
    ("py:class", "fastapi.routing.APIRouter"),
    ("py:class", "starlette.requests.Request"),
    ("py:class", "starlette.responses.Response"),
    ("py:class", "starlette.routing.Route"),  # serving.routing.AnsweringRoute's base and signature
    ("py:class", "starlette.routing.Match"),
    ("py:class", "starlette.middleware.Middleware"),
]
nitpick_ignore_regex = [
    # A dataclass signature whose default is field(default_factory=...) is split at the
    # commas of its type hint (dict[str, Any], str | dict[str, str]) by Sphinx; the
    # halves are not names.
    ("py:class", r"(\w+ \| )?(dict|tuple)\[\w+"),
]


def setup(app):
    """Resolve type hints written with short names (``pd.DataFrame``, ``Path``)."""
    app.connect("missing-reference", alias_resolver())


exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
templates_path: list[str] = []
root_doc = "index"

# -- autodoc and napoleon ------------------------------------------------------

autodoc_default_options = {
    "member-order": "bysource",
}
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
autoclass_content = "class"

napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_include_init_with_doc = False
napoleon_use_rtype = False

# -- doctest -------------------------------------------------------------------

# ``-b doctest`` runs the ``.. doctest::`` blocks of the pages (each quickstart
# group works in a temporary folder of its own) and the ``>>>`` examples of the
# docstrings that autodoc pulls in.

# Every group of examples runs in an empty temporary folder with no MODELYARD_*
# variable from outside, so examples that write files (datasets, stores, run
# records) leave nothing in the source tree and cannot see each other's files.
doctest_global_setup = """
import os as _os
import tempfile as _tempfile

_saved_env_global = {
    k: _os.environ.pop(k) for k in list(_os.environ) if k.startswith("MODELYARD_")
}
_saved_cwd_global = _os.getcwd()
_tmp_global = _tempfile.TemporaryDirectory()
_os.chdir(_tmp_global.name)
"""
doctest_global_cleanup = """
_os.chdir(_saved_cwd_global)
_tmp_global.cleanup()
_os.environ.update(_saved_env_global)
"""

# -- plot directive (the gallery) ------------------------------------------------

# The gallery's figures are drawn by modelyard itself at every build.
plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 90)]
plot_rcparams = {"figure.figsize": (6.4, 4.8)}

# -- HTML ------------------------------------------------------------------------

html_theme = "alabaster"
html_title = f"modelyard {version}"
html_static_path: list[str] = []
html_theme_options = {
    "description": "One lifecycle for every model",
    "fixed_sidebar": True,
}
