"""Sphinx configuration of the modelyard documentation.

Build it from ``core_lib/`` with::

    python -m sphinx -W --keep-going -b html docs docs/_build/html
    python -m sphinx -W --keep-going -b doctest docs docs/_build/doctest

modelyard must be installed (``pip install -e ".[serve,docs]"``): autodoc imports
it, and the version shown is the installed distribution's.
"""

from __future__ import annotations

import importlib
from importlib.metadata import version as _distribution_version
from typing import Any

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
]

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

# -- HTML ------------------------------------------------------------------------

html_theme = "alabaster"
html_title = f"modelyard {version}"
html_static_path: list[str] = []
html_theme_options = {
    "description": "One lifecycle for every model",
    "fixed_sidebar": True,
}


# -- Cross-references to re-exported names ----------------------------------------
#
# Each object is documented once, in the module that defines it
# (``modelyard.model.Model``), but docstrings also name it the way users import
# it (``modelyard.Model``, or ``ConfigError`` inside modelyard.config). Such a
# reference is resolved by importing the name and following it to where the
# object is defined.


def _defined_at(target: str, module: str | None) -> str | None:
    """The dotted name of the module-level object that ``target`` refers to, if it moved."""
    names = [target] if target.startswith("modelyard") else []
    if module and module.startswith("modelyard"):
        names.append(f"{module}.{target}")
    for name in names:
        parts = name.split(".")
        for split in range(len(parts) - 1, 0, -1):
            try:
                obj: Any = importlib.import_module(".".join(parts[:split]))
            except ImportError:
                continue
            try:
                for attribute in parts[split:]:
                    obj = getattr(obj, attribute)
            except AttributeError:
                break
            home = f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', '')}"
            if home.startswith("modelyard.") and home != name:
                return home
            break
    return None


def _resolve_reexport(app: Any, env: Any, node: Any, contnode: Any) -> Any:
    if node.get("refdomain") != "py":
        return None
    home = _defined_at(node["reftarget"].lstrip("~."), node.get("py:module"))
    if home is None:
        return None
    return env.get_domain("py").resolve_xref(
        env, node["refdoc"], app.builder, node["reftype"], home, node, contnode
    )


# -- Constants ---------------------------------------------------------------------
#
# A constant without a ``#:`` comment would otherwise be described by the
# docstring of its type ("Built-in immutable sequence.").


def _drop_type_docstring(
    app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    type_doc = (type(obj).__doc__ or "").strip()
    if what == "data" and type_doc and "\n".join(lines).strip() == type_doc:
        lines.clear()


def setup(app: Any) -> None:
    app.connect("missing-reference", _resolve_reexport)
    app.connect("autodoc-process-docstring", _drop_type_docstring)
