"""modelyard's modules import only downward: the layer table below is the rule.

ARCHITECTURE.md draws these layers; this test is where they are defined. Every
``import`` counts, at module level and inside functions alike (a lazy import
is still a dependency); only imports under ``if TYPE_CHECKING:`` are left out,
since they never run. The few upward imports that remain are listed in
:data:`ALLOWED_UPWARD`, each with its reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import modelyard

SOURCE = Path(modelyard.__file__).parent

#: The layers, lowest first. A module may import its own layer and those below.
#: A name covers the module and, for a package, everything in it.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "foundation",
        (
            "exceptions",
            "env",
            "atomicio",
            "progress",
            "inventories",
            "safeio",
            "provenance",
            "parallel",
            "collector",
        ),
    ),
    (
        "settings",
        (
            "config",
            "trust",
            "schema",
            "metrics",
            "fitting",
            "compiled",
            "drift",
            "artifact",
            "runlog",
            "shipped",
        ),
    ),
    ("data", ("data",)),
    ("results", ("result", "plots", "report")),
    # columns: restricted copies of an estimator (evaluation.fresh) for the model and selection
    ("evaluation", ("evaluation", "columns")),
    ("store", ("store",)),
    ("model", ("model",)),
    ("workflows", ("search", "selection", "loading")),
    ("project", ("project",)),
    (
        "apps",
        (
            "serving",
            "scoring",
            "monitor",
            "batch",
            "distributed",
            "release",
            "packaging",
            "packaged",
        ),
    ),
    ("entry", ("cli", "__init__")),
]

#: Upward imports kept on purpose: (importer, imported) -> why. Each is inside a
#: function, so importing the lower module never imports the higher one.
ALLOWED_UPWARD: dict[tuple[str, str], str] = {
    ("data.dataset", "plots.accessors"): "Dataset.plot, a lazy accessor (matplotlib on first plot)",
    ("model", "search"): "Model.gridsearch/randomsearch/compare delegate to modelyard.search",
    ("model", "selection"): "Model.select_features delegates to modelyard.selection",
    ("config", "project"): "deprecated Settings.build_model/build_dataset (they warn), one release",
    ("store", "loading"): "deprecated modelyard.store.load_model, kept one release",
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SOURCE).with_suffix("").parts)
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(SOURCE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(name: str, path: Path) -> list[tuple[str, list[str]]]:
    """(module imported, names taken from it) for every import that runs, relative ones resolved."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: list[tuple[str, list[str]]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(["modelyard", *base, *([module] if module else [])])
            found.append((module, [alias.name for alias in node.names]))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def _internal(imported: str, names: list[str], modules: dict[str, Path]) -> list[str]:
    """The modelyard modules an import reaches (``from pkg import module`` reaches the module)."""
    if imported != "modelyard" and not imported.startswith("modelyard."):
        return []
    dotted = imported.removeprefix("modelyard").removeprefix(".")
    reached = []
    for name in names:
        candidate = f"{dotted}.{name}" if dotted else name
        if candidate in modules:
            reached.append(candidate)
    if len(reached) < len(names) or not names:
        while dotted and dotted not in modules and f"{dotted}.__init__" not in modules:
            dotted = dotted.rpartition(".")[0]
        reached.append(dotted or "__init__")
    return [m if m in modules else f"{m}.__init__" for m in reached]


def _layer_of(module: str) -> int:
    top = module.split(".")[0]
    for index, (_, members) in enumerate(LAYERS):
        if top in members or module in members:
            return index
    raise AssertionError(f"modelyard.{module} is in no layer; add it to LAYERS in {__file__}")


def _short(module: str) -> str:
    return module.removesuffix(".__init__")


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges = set()
        for imported, names in _imports(name, path):
            edges.update(_internal(imported, names, modules))
        # The package itself (``from modelyard import __version__``) runs before any of
        # its modules anyway, so naming it adds no dependency.
        edges -= {name, "__init__"}
        graph[name] = edges
    return graph


def test_every_module_has_a_layer():
    for module in _modules():
        _layer_of(module)


def test_each_module_imports_only_its_own_layer_or_below():
    upward = []
    for module, edges in _graph().items():
        for target in edges:
            pair = (_short(module), _short(target))
            if _layer_of(target) > _layer_of(module) and pair not in ALLOWED_UPWARD:
                upward.append(
                    f"{pair[0]} ({LAYERS[_layer_of(module)][0]}) imports "
                    f"{pair[1]} ({LAYERS[_layer_of(target)][0]})"
                )
    assert upward == []


#: The layers that may read ``pyproject.toml`` (call ``load_settings``); every layer
#: below takes its options as arguments.
READS_CONFIGURATION = ("project", "apps", "entry")


def test_only_the_project_layer_and_above_read_the_configuration():
    lowest = [name for name, _ in LAYERS].index(READS_CONFIGURATION[0])
    readers = [
        module
        for module, path in _modules().items()
        if module != "config"
        and _layer_of(module) < lowest
        and any("load_settings" in names for _, names in _imports(module, path))
    ]
    assert readers == []


#: Layers that take every option as an argument and never see ``Settings`` at all.
NO_SETTINGS = ("data", "results", "evaluation", "store")


def test_data_results_evaluation_and_store_do_not_import_the_configuration():
    layers = [name for name, _ in LAYERS]
    importers = [
        module
        for module, edges in _graph().items()
        if layers[_layer_of(module)] in NO_SETTINGS and "config" in edges
    ]
    assert importers == []


def test_every_allowed_upward_import_still_exists():
    edges = {(_short(m), _short(t)) for m, targets in _graph().items() for t in targets}
    assert set(ALLOWED_UPWARD) <= edges


def test_no_modules_import_each_other_in_a_circle():
    graph = {
        module: {t for t in edges if (_short(module), _short(t)) not in ALLOWED_UPWARD}
        for module, edges in _graph().items()
    }
    # A package's __init__ re-exporting its modules is not a circle with them.
    for module in graph:
        if module.endswith(".__init__"):
            package = module.removesuffix("__init__")
            graph = {m: (e - {module}) if m.startswith(package) else e for m, e in graph.items()}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycles.append([*trail[trail.index(target) :], target])
            elif target not in state:
                visit(target, [*trail, target])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


@pytest.mark.parametrize("module", sorted(_modules()))
def test_no_module_imports_another_modules_private_names(module):
    path = _modules()[module]
    private = []
    for imported, names in _imports(module, path):
        if not imported.startswith("modelyard"):
            continue
        private += [f"{imported}.{n}" for n in names if n.startswith("_") and n != "__version__"]
        inner = imported.removeprefix("modelyard.").rpartition(".")
        if inner[2].startswith("_") and not module.startswith(inner[0] or "\0"):
            private.append(imported)
    assert private == []
