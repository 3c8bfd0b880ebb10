"""Fixtures of the template tests: baked projects, a virtual environment with one installed,
a team package index serving the modelyard under test, and a git copy of this repository.

Tests that take the ``project`` fixture run once per project of ``FULL_CHECK`` (together
those projects use every value of every option), or once per id in their module's
``PROJECTS`` list.

The suite runs on several pytest-xdist workers (``--dist loadgroup``, see tox.ini):
:func:`pytest_collection_modifyitems` keeps the tests that share expensive work on one
worker, so nothing is baked, installed or built twice, and spreads out the rest. A new
test file needs nothing to take part.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest
from filelock import FileLock

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib
from support import REPO, TIMINGS, run

# The pypiserver fixture is shared with modelyard's own release tests.
sys.path.append(str(REPO / "core_lib" / "tests"))
# The template's Jinja extension (local_extensions.py, named in cookiecutter.json's
# _extensions): pytest-cookies renders the answers before cookiecutter puts the template
# on sys.path, so it must be importable already.
sys.path.append(str(REPO))
from index_server import running_index, upstream_index_url

PROJECT = "my-model"
PACKAGE = "my_model"

#: Projects given the full check, by id. Every value of every option appears at least once;
#: ``dependency`` is how the project depends on modelyard (see ``requirement``).
FULL_CHECK: dict[str, dict[str, str]] = {
    "classifier-github-api": {
        "python_version": "3.10",
        "task": "classification",
        "ci_provider": "github",
        "include_api": "yes",
        "license": "MIT",
        "dependency": "index",
    },
    "regressor-gitlab-api": {
        "python_version": "3.11",
        "task": "regression",
        "ci_provider": "gitlab",
        "include_api": "yes",
        "license": "BSD-3-Clause",
        "dependency": "index",
    },
    "classifier-local-path": {
        "python_version": "3.12",
        "task": "classification",
        "ci_provider": "none",
        "include_api": "no",
        "license": "Apache-2.0",
        "dependency": "path",
    },
    "regressor-git-url": {
        "python_version": "3.13",
        "task": "regression",
        "ci_provider": "github",
        "include_api": "no",
        "license": "proprietary",
        "dependency": "git",
    },
}


#: What test bakes answer for modelyard_requirement unless they say otherwise: the team
#: index's requirement, which bakes in a blink. The template's own default ("template":
#: build a wheel from the template into the project) is proven by tests/test_newcomer.py.
TEST_DEFAULT_REQUIREMENT = "modelyard[serve]>=0.1"


@pytest.fixture(scope="session", autouse=True)
def _no_outer_tox_environment() -> None:
    """Forget the variables of the tox running this suite, so a generated project's tox is its own.

    tox tells the commands it runs its work folder (``TOX_WORK_DIR``), and a tox started
    inside them takes that as its own: two generated projects' ``tox -e release`` then
    built the same environment in this repository's ``.tox`` at once, and collided.
    """
    for name in ("TOX_WORK_DIR", "TOX_ENV_DIR", "TOX_ENV_NAME", "TOX_PACKAGE"):
        os.environ.pop(name, None)


@pytest.fixture(scope="session")
def _cookiecutter_config_file(tmp_path_factory) -> Path:
    """pytest-cookies' user configuration, with :data:`TEST_DEFAULT_REQUIREMENT` as the default."""
    folder = tmp_path_factory.mktemp("user_dir")
    config = {
        "cookiecutters_dir": str(folder / "cookiecutters"),
        "replay_dir": str(folder / "cookiecutter_replay"),
        "default_context": {"modelyard_requirement": TEST_DEFAULT_REQUIREMENT},
    }
    path = folder / "config"
    path.write_text(json.dumps(config), encoding="utf-8")  # JSON is YAML, as cookiecutter reads
    return path


def pytest_terminal_summary(terminalreporter) -> None:
    """Print the timed steps (tests/test_newcomer.py): measured, never asserted."""
    if TIMINGS:
        terminalreporter.section("timings")
        for step, seconds in TIMINGS.items():
            terminalreporter.write_line(f"{seconds:7.1f} s  {step}")


def work_group(item: pytest.Item) -> str | None:
    """The pytest-xdist group of a test: the tests sharing expensive work run on one worker.

    - A test of a full-check project runs beside every other test of that project, so its
      bake, virtual environment, trained model and images are made once.
    - A test using a module-scoped fixture of its own file (an index, a release, a newcomer's
      environment) runs beside the rest of its file.
    - Any other test has no group: it goes to whichever worker is free.
    """
    callspec = getattr(item, "callspec", None)
    if callspec is not None and "project" in callspec.params:
        return f"project-{callspec.params['project']}"
    module = item.nodeid.split("::")[0]
    definitions = getattr(item, "_fixtureinfo", None)
    for fixturedefs in definitions.name2fixturedefs.values() if definitions else ():
        if any(d.scope != "function" and d.baseid == module for d in fixturedefs):
            return module
    return None


#: Each test's :func:`work_group`, kept on the test when it is collected.
GROUP = pytest.StashKey["str | None"]()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with its :func:`work_group` (pytest-xdist's ``xdist_group``).

    A file whose project tests all belong to one project joins that project's group
    with its other tests (tests/test_package_index.py: the release of modelyard is shared).
    pytest-xdist hands out the largest groups first (``--loadscope-reorder``, its default),
    so the long ones (a full-check project: bake, install, images, release) start at once
    and the single tests fill the workers around them.
    """
    groups = {item.nodeid: work_group(item) for item in items}
    projects_of_file: dict[str, set[str]] = {}
    for nodeid, group in groups.items():
        if group is not None and group.startswith("project-"):
            projects_of_file.setdefault(nodeid.split("::")[0], set()).add(group)
    for nodeid, group in groups.items():
        joined = projects_of_file.get(group or "", set())
        if len(joined) == 1:
            groups[nodeid] = next(iter(joined))
    for item in items:
        group = item.stash[GROUP] = groups[item.nodeid]
        if group is not None and config.pluginmanager.hasplugin("xdist"):
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Carry the timings a test recorded on its report, so a worker's timings reach the summary."""
    outcome = yield
    fresh = {step: seconds for step, seconds in TIMINGS.items() if step not in _REPORTED}
    if fresh:
        outcome.get_result().user_properties.append(("timings", fresh))
        _REPORTED.update(fresh)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Collect the timings of every report (from this process or from an xdist worker)."""
    for name, value in report.user_properties:
        if name == "timings":
            TIMINGS.update(value)


_REPORTED: set[str] = set()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run tests taking ``project`` once per full-check project (or per id in ``PROJECTS``)."""
    if "project" in metafunc.fixturenames:
        ids = getattr(metafunc.module, "PROJECTS", list(FULL_CHECK))
        metafunc.parametrize("project", ids, indirect=True, scope="session")


def requirement(mode: str, git_copy: Path | None = None) -> str:
    """A modelyard requirement of each kind the template accepts, all resolvable here."""
    if mode == "index":
        return "modelyard[serve]>=0.1"
    if mode == "path":
        return f"modelyard[serve] @ {(REPO / 'core_lib').as_uri()}"
    folder = git_copy or Path("/nonexistent/ml-template")
    return f"modelyard[serve] @ git+{folder.as_uri()}#subdirectory=core_lib"


def copy_repository(target: Path) -> Path:
    """Copy this repository's files (committed or not, ignored ones left out) into a new
    git repository at ``target`` with one commit; return ``target``."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    git(target, "init", "-q", "-b", "main")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "template at the start of the test")
    return target


def git(folder: Path, *args: str) -> str:
    """Run git in ``folder`` with a fixed identity; return its output."""
    identity = ["-c", "user.name=Template Test", "-c", "user.email=test@example.com"]
    return run(["git", *identity, *args], cwd=folder)


@pytest.fixture(scope="session")
def repository_copy(tmp_path_factory) -> Path:
    """A git repository holding a copy of this repository (the template and modelyard)."""
    return copy_repository(tmp_path_factory.mktemp("ml-template"))


@pytest.fixture(scope="session")
def project(request) -> str:
    """The id of the full-check project a test runs against (see ``FULL_CHECK``)."""
    return request.param


@pytest.fixture(scope="session")
def options(project) -> dict[str, str]:
    """The options of the project under test."""
    return FULL_CHECK[project]


@pytest.fixture(scope="session")
def baked(cookies_session, options, repository_copy) -> Path:
    """The project under test, baked with its options."""
    answers = {k: v for k, v in options.items() if k != "dependency"}
    answers["modelyard_requirement"] = requirement(options["dependency"], repository_copy)
    result = cookies_session.bake(extra_context=answers)
    assert result.exception is None, result.exception
    return result.project_path


def shared_folder(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A folder every pytest-xdist worker of this run shares (this run's own, without xdist)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # each worker's basetemp is a folder of the run's basetemp
    folder = root / name
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def wheels(tmp_path_factory) -> Path:
    """A folder holding the wheel of the modelyard in this repository (built once per run)."""
    folder = shared_folder(tmp_path_factory, "wheels")
    with FileLock(folder.with_suffix(".lock")):
        if not any(folder.glob("modelyard-*.whl")):
            wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", folder]
            run([*wheel, REPO / "core_lib"])
    return folder


@pytest.fixture(scope="session")
def team_index(wheels, tmp_path_factory) -> Iterator[str]:
    """A team's package index on 127.0.0.1 (pypiserver), as pip's only --index-url.

    It hosts the modelyard under test and redirects pip to PyPI for every other project,
    as a proxying team index (devpi, Artifactory, Nexus) does; yields its simple URL.
    """
    root = tmp_path_factory.mktemp("team-index")
    shutil.copytree(wheels, root / "packages")
    with running_index(root, fallback_url=upstream_index_url()) as index:
        yield index.simple_url


@pytest.fixture(scope="session")
def project_env(baked, wheels, tmp_path_factory) -> Path:
    """The bin folder of a fresh virtual environment with the baked project installed.

    This machine has one Python for every ``python_version`` answered, so the project's
    dependencies (read from its pyproject) are installed as usual, and then the project
    itself without checking its ``requires-python``.
    """
    env = tmp_path_factory.mktemp("venv")
    # A current pip, as users have: the one bundled with Python 3.11 refuses git+file:/// URLs.
    venv.create(env, with_pip=True, upgrade_deps=True)
    # No bytecode compiled ahead: Python compiles what the tests import, not every module.
    pip = [env / "bin" / "python", "-m", "pip", "install", "-q", "--no-compile"]
    pip += ["--find-links", wheels]
    config = tomllib.loads((baked / "pyproject.toml").read_text())["project"]
    extras = config["optional-dependencies"]
    run([*pip, *config["dependencies"], *extras["dev"], *extras["docs"]])
    run([*pip, "--no-deps", "--ignore-requires-python", "-e", baked])
    return env / "bin"


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory) -> Path:
    """One pre-commit cache for every project and worker, so each hook environment is
    installed once (pre-commit locks its cache while it installs)."""
    return shared_folder(tmp_path_factory, "pre-commit")


@pytest.fixture(scope="session")
def trained(baked, project_env) -> str:
    """Train the baked project's model with its own `modelyard train`; return what it printed."""
    return run([project_env / "modelyard", "train"], cwd=baked)


@pytest.fixture(scope="session")
def scored(baked, project_env) -> str:
    """Score the baked project's model once with its own `modelyard score` (metrics, run
    record, HTML report with every plot); return what it printed."""
    return run([project_env / "modelyard", "score"], cwd=baked)


@pytest.fixture(scope="session")
def rows(baked, project_env) -> list[dict]:
    """Three rows of the project's own training data, as a client would send them."""
    code = (
        f"from {PACKAGE}.data import ProjectData; "
        "print(ProjectData().x.head(3).to_json(orient='records'))"
    )
    return json.loads(run([project_env / "python", "-c", code], cwd=baked))


def local_predictions(baked: Path, project_env: Path, rows: list[dict]) -> list:
    """What the latest saved model predicts for ``rows`` when loaded in-process."""
    code = (
        "import json, sys; from modelyard import load_model; "
        f"print(json.dumps(load_model('models/{PROJECT}').predict(json.load(sys.stdin)).tolist()))"
    )
    return json.loads(run([project_env / "python", "-c", code], cwd=baked, input=json.dumps(rows)))


#: Answers a careless or hostile user might give that must still bake a valid project.
HOSTILE_ANSWERS = {
    "description": 'Predicts churn 🚀 with "quotes", a \\ backslash, a\ttab, DEL \x7f and 中文',
    "author_name": "Zoë 🦊 O'Brien",
}


@pytest.fixture(scope="session")
def hostile_baked(cookies_session) -> Path:
    """A project baked once with :data:`HOSTILE_ANSWERS`."""
    result = cookies_session.bake(extra_context=HOSTILE_ANSWERS)
    assert result.exception is None, result.exception
    return result.project_path
