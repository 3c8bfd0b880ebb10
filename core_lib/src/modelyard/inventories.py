"""Intersphinx inventories built offline, from the packages installed where the docs build.

Sphinx's intersphinx links a name such as :class:`pandas.DataFrame` to that project's
documentation by reading the project's ``objects.inv``, which it normally downloads.
A build behind a firewall, or in CI with no route to those sites, then fails under
``-n -W``. This module writes the same inventories from the installed packages
instead (Python's standard library, numpy, pandas, scikit-learn, modelyard), so
modelyard's docs and every generated project's docs link to them with no network::

    # docs/conf.py
    from modelyard.inventories import offline_intersphinx

    extensions = [..., "sphinx.ext.intersphinx"]
    intersphinx_mapping = offline_intersphinx(Path(__file__).parent / "_build" / "inventories")

Each public module, class, function, method and attribute found by importing the
package is listed under its public name (``pandas.DataFrame``) and under the name
its ``__module__`` gives (``pandas.core.frame.DataFrame``, what autodoc writes for a
type hint), both pointing at the page of the public name. A written inventory is
reused until the package's version changes.
"""

from __future__ import annotations

import builtins
import importlib
import inspect
import pkgutil
import sys
import warnings
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

#: Standard-library modules never imported to build the inventory (they act on import,
#: open windows, or are tests and tools rather than library).
STDLIB_SKIPPED = frozenset(
    {"antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo", "test", "lib2to3"}
    | {"ensurepip", "pydoc_data", "xxlimited", "xxsubtype", "msvcrt", "winreg", "winsound"}
    | {"nt", "_msi", "msilib", "__main__", "__hello__", "__phello__", "idle", "pydoc"}
)


@dataclass(frozen=True)
class Project:
    """One documented project: where its docs live and how a name maps to a page.

    Attributes:
        name: the intersphinx key (``pandas``).
        url: the root of its published documentation.
        distribution: the installed distribution whose version names the inventory.
        modules: the top-level modules to walk.
        page: the page of a public name, relative to ``url``, without the anchor.
        depth: how many levels of submodules to walk (None: all of them).
    """

    name: str
    url: str
    distribution: str | None
    modules: tuple[str, ...]
    page: Callable[[str, str], str]
    depth: int | None = None


def _python_page(module: str, name: str) -> str:
    if module == "builtins":
        return "library/exceptions.html" if name[:1].isupper() else "library/functions.html"
    return f"library/{module}.html"


def _stdlib_modules() -> tuple[str, ...]:
    return tuple(
        sorted(
            name
            for name in sys.stdlib_module_names
            if not name.startswith("_") and name not in STDLIB_SKIPPED
        )
    )


#: The projects :func:`offline_intersphinx` knows, by intersphinx key.
PROJECTS: dict[str, Project] = {
    "python": Project(
        "python",
        f"https://docs.python.org/{sys.version_info.major}.{sys.version_info.minor}/",
        None,
        ("builtins", *_stdlib_modules()),
        _python_page,
        depth=1,
    ),
    "numpy": Project(
        "numpy",
        "https://numpy.org/doc/stable/",
        "numpy",
        ("numpy",),
        lambda module, name: f"reference/generated/{name}.html",
        depth=2,
    ),
    "pandas": Project(
        "pandas",
        "https://pandas.pydata.org/docs/",
        "pandas",
        ("pandas",),
        lambda module, name: f"reference/api/{name}.html",
        depth=2,
    ),
    "matplotlib": Project(
        "matplotlib",
        "https://matplotlib.org/stable/",
        "matplotlib",
        ("matplotlib",),
        lambda module, name: f"api/_as_gen/{name}.html",
        depth=1,
    ),
    "sklearn": Project(
        "sklearn",
        "https://scikit-learn.org/stable/",
        "scikit-learn",
        ("sklearn",),
        lambda module, name: f"modules/generated/{name}.html",
        depth=2,
    ),
    # Every public name is on modelyard's one API page; a project names where its team
    # publishes that page (the url of offline_intersphinx's ``urls``).
    "modelyard": Project(
        "modelyard",
        "https://docs.example.com/modelyard/",
        "modelyard",
        ("modelyard",),
        lambda module, name: "api.html",
    ),
}


def offline_intersphinx(
    folder: Path,
    names: Iterable[str] = ("python", "numpy", "pandas", "matplotlib", "sklearn"),
    urls: Mapping[str, str] | None = None,
) -> dict[str, tuple[str, str]]:
    """Write (or reuse) the inventories of ``names`` in ``folder``; map each to its file.

    The result is an ``intersphinx_mapping`` that reads the inventories from ``folder``
    instead of the network. ``urls`` replaces a project's documentation root (where
    your team publishes modelyard's docs, say). A project whose package is not
    installed is left out.
    """
    mapping = {}
    for name in names:
        project = PROJECTS[name]
        path = write_inventory(project, folder)
        if path is not None:
            mapping[name] = ((urls or {}).get(name, project.url), str(path))
    return mapping


#: Short names that code imports under another name (``import pandas as pd``) or only
#: while type checking, and what they stand for: :func:`alias_resolver` resolves them.
ALIASES = {
    "pd.": "pandas.",
    "np.": "numpy.",
    "Path": "pathlib.Path",
    "Axes": "matplotlib.axes.Axes",
    "Figure": "matplotlib.figure.Figure",
    "DataFrame": "pandas.DataFrame",
    "Series": "pandas.Series",
    "Model": "modelyard.model.Model",
}


def alias_resolver(aliases: dict[str, str] | None = None) -> Callable[..., Any]:
    """A handler of Sphinx's ``missing-reference`` event that resolves :data:`ALIASES`.

    A type hint written ``pd.DataFrame`` (or ``Path`` imported only for type checking)
    reaches Sphinx as that text; the handler looks the full name up in the
    inventories instead. Connect it in ``conf.py``::

        def setup(app):
            app.connect("missing-reference", alias_resolver())
    """
    table = ALIASES if aliases is None else aliases

    def resolve(app: Any, env: Any, node: Any, contnode: Any) -> Any:
        from sphinx.ext import intersphinx

        target = node.get("reftarget", "")
        for short, full in table.items():
            if target == short or (short.endswith(".") and target.startswith(short)):
                node["reftarget"] = full + target[len(short) :]
                found = intersphinx.missing_reference(app, env, node, contnode)
                node["reftarget"] = target
                return found
        return None

    return resolve


def write_inventory(project: Project, folder: Path) -> Path | None:
    """Write ``project``'s ``objects.inv`` in ``folder``, unless it is there already.

    Returns its path, or None when the package is not installed. The file is named
    after the package's version, so a new version writes a new inventory.
    """
    version = _version(project)
    if version is None:
        return None
    path = Path(folder) / f"{project.name}-{version}.inv"
    if path.is_file():
        return path
    with warnings.catch_warnings():  # deprecated modules and attributes, found by walking
        warnings.simplefilter("ignore")
        lines = sorted(set(_entries(project)))
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project.name}\n"
        f"# Version: {version}\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_bytes(header.encode() + zlib.compress("".join(lines).encode()))
    partial.replace(path)
    return path


def _version(project: Project) -> str | None:
    if project.distribution is None:
        return f"{sys.version_info.major}.{sys.version_info.minor}"
    try:
        return metadata.version(project.distribution)
    except metadata.PackageNotFoundError:
        return None


def _entries(project: Project) -> Iterator[str]:
    """One inventory line per name (public and canonical) of every object found."""
    pages: dict[int, str] = {}  # id of an object -> the public name its page has
    found: list[tuple[str, str, Any]] = []  # (name, role, object)
    for module in _walk(project.modules, project.depth):
        yield _line(module.__name__, "module", project.page(module.__name__, module.__name__))
        for attribute, value in _public_members(module):
            role = _role(value)
            if role is None or not _owned(project, value):
                continue
            public = attribute if module is builtins else f"{module.__name__}.{attribute}"
            best = pages.get(id(value))
            if best is None or len(public) < len(best):
                pages[id(value)] = public
            found.append((public, role, value))
    for public, role, value in found:
        page_name = pages[id(value)]
        module = page_name.rpartition(".")[0] or "builtins"
        uri = f"{project.page(module, page_name)}#{page_name}"
        names = {public, _canonical(value) or public}
        for name in names:
            yield _line(name, role, uri)
        if role in ("class", "exception"):
            for member, kind in _class_members(value):
                for name in names:
                    member_uri = f"{project.page(module, page_name)}#{page_name}.{member}"
                    yield _line(f"{name}.{member}", kind, member_uri)


def _owned(project: Project, value: Any) -> bool:
    """Whether ``value`` belongs in ``project``'s inventory.

    Not, say, the standard library's ``BytesIO`` that a pandas module imports;
    everything is the Python inventory's own.
    """
    if project.distribution is None:
        return True
    module = getattr(value, "__module__", None)
    if not isinstance(module, str) or not (inspect.isclass(value) or inspect.isroutine(value)):
        return True
    return module.split(".")[0] in project.modules


def _line(name: str, role: str, uri: str) -> str:
    return f"{name} py:{role} 1 {uri} -\n"


def _walk(tops: Iterable[str], depth: int | None) -> Iterator[ModuleType]:
    seen: set[str] = set()
    queue = [(top, 0) for top in tops]
    while queue:
        name, level = queue.pop(0)
        if name in seen:
            continue
        seen.add(name)
        module = _import(name)
        if module is None:
            continue
        yield module
        if (depth is not None and level >= depth) or not hasattr(module, "__path__"):
            continue
        for info in pkgutil.iter_modules(module.__path__):
            child = info.name
            if child.startswith("_") or child in ("tests", "testing", "conftest", "setup"):
                continue
            queue.append((f"{name}.{child}", level + 1))


def _import(name: str) -> ModuleType | None:
    if name in STDLIB_SKIPPED or name.split(".")[0] in STDLIB_SKIPPED:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return importlib.import_module(name)
    except BaseException:  # any module that cannot import is left out
        return None


def _public_members(module: ModuleType) -> Iterator[tuple[str, Any]]:
    names = getattr(module, "__all__", None)
    if names is None or module is builtins:
        names = [n for n in vars(module) if not n.startswith("_")]
    for attribute in names:
        if not isinstance(attribute, str) or attribute.startswith("_"):
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                value = getattr(module, attribute)
        except Exception:  # a lazy attribute that fails is left out
            continue
        yield attribute, value


def _role(value: Any) -> str | None:
    if inspect.ismodule(value):
        return None
    if inspect.isclass(value):
        return "exception" if issubclass(value, BaseException) else "class"
    if inspect.isroutine(value) or callable(value):
        return "function"
    return "data"


def _canonical(value: Any) -> str | None:
    module = getattr(value, "__module__", None)
    qualname = getattr(value, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str) or "<" in qualname:
        return None
    return f"{module}.{qualname}" if module != "builtins" else qualname


def _class_members(cls: type) -> Iterator[tuple[str, str]]:
    """Public members, inherited ones too (``DataFrame.to_csv`` is defined on a base)."""
    for member in dir(cls):
        if member.startswith("_"):
            continue
        value = inspect.getattr_static(cls, member, None)
        if isinstance(value, property) or not callable(value):
            yield member, "attribute"
        else:
            yield member, "method"
