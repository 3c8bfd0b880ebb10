"""Fixtures of the template tests: baked projects, a virtual environment with one installed,
a team package index serving the modelyard under test, and a git copy of this repository.

Tests that take the ``project`` fixture run once per project of ``FULL_CHECK`` (together
those projects use every value of every option), or once per id in their module's
``PROJECTS`` list.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest

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


@pytest.fixture(scope="session")
def wheels(tmp_path_factory) -> Path:
    """A folder holding the wheel of the modelyard in this repository."""
    folder = tmp_path_factory.mktemp("wheels")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", folder, REPO / "core_lib"])
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
    pip = [env / "bin" / "python", "-m", "pip", "install", "-q", "--find-links", wheels]
    config = tomllib.loads((baked / "pyproject.toml").read_text())["project"]
    extras = config["optional-dependencies"]
    run([*pip, *config["dependencies"], *extras["dev"], *extras["docs"]])
    run([*pip, "--no-deps", "--ignore-requires-python", "-e", baked])
    return env / "bin"


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory) -> Path:
    """One pre-commit cache for every project, so each hook environment is installed once."""
    return tmp_path_factory.mktemp("pre-commit")


@pytest.fixture(scope="session")
def trained(baked, project_env) -> str:
    """Train the baked project's model with its own `modelyard train`; return what it printed."""
    return run([project_env / "modelyard", "train"], cwd=baked)


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
