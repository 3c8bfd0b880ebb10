"""Baking the template: what it writes, and that what it writes is well-formed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib
from conftest import PACKAGE, PROJECT
from support import run, tool

EXPECTED_FILES = {
    ".dockerignore",
    ".github/workflows/ci.yml",
    ".gitignore",
    ".pre-commit-config.yaml",
    "Dockerfile",
    "README.md",
    "docs/api.rst",
    "docs/conf.py",
    "docs/index.rst",
    "docs/usage.rst",
    "pyproject.toml",
    f"src/{PACKAGE}/__init__.py",
    f"src/{PACKAGE}/data.py",
    f"src/{PACKAGE}/model.py",
    "tests/conftest.py",
    "tests/test_api.py",
    "tests/test_data.py",
    "tests/test_model.py",
    "tox.ini",
}
# Jinja left in a file; GitHub Actions' own ${{ ... }} is meant to stay.
UNRENDERED = re.compile(r"(?<!\$)\{\{|\{%|\{#|cookiecutter\.")


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_defaults_bake_a_project_named_after_the_default_name(baked):
    assert baked.name == PROJECT


def test_baked_project_has_exactly_the_expected_files(baked):
    assert _files(baked) == EXPECTED_FILES


def test_no_unrendered_template_syntax_is_left(baked):
    leftovers = [
        f"{path}: {line.strip()}"
        for path in sorted(_files(baked))
        for line in (baked / path).read_text().splitlines()
        if UNRENDERED.search(line)
    ]
    assert leftovers == []


def test_pyproject_names_the_model_factory_and_dataset(baked):
    config = tomllib.loads((baked / "pyproject.toml").read_text())

    assert config["project"]["name"] == PROJECT
    assert config["tool"]["modelyard"]["model"] == f"{PACKAGE}.model:build_model"
    assert config["tool"]["modelyard"]["dataset"] == f"{PACKAGE}.data:ProjectData"


@pytest.mark.parametrize("path", [".github/workflows/ci.yml", ".pre-commit-config.yaml"])
def test_yaml_files_parse(baked, path):
    assert isinstance(yaml.safe_load((baked / path).read_text()), dict)


def test_ci_workflow_is_valid_for_github_actions(baked):
    run(
        [
            tool("check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            baked / ".github/workflows/ci.yml",
        ]
    )


def test_pre_commit_hooks_install_from_the_package_index_alone(baked):
    config = yaml.safe_load((baked / ".pre-commit-config.yaml").read_text())

    assert [repo["repo"] for repo in config["repos"]] == ["local"]
    assert all(hook["additional_dependencies"] for hook in config["repos"][0]["hooks"])


def test_generated_python_is_ruff_clean(baked):
    ruff = tool("ruff")
    run([ruff, "check", "."], cwd=baked)
    run([ruff, "format", "--check", "."], cwd=baked)


def test_description_with_quotes_stays_valid_toml(cookies):
    result = cookies.bake(extra_context={"description": 'Predicts "churn" \\ and more'})

    config = tomllib.loads((result.project_path / "pyproject.toml").read_text())
    assert config["project"]["description"] == 'Predicts "churn" \\ and more'


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"package_name": "class"}, "not a valid Python package name"),
        ({"package_name": "json"}, "would shadow an existing module"),
        ({"package_name": "modelyard"}, "would shadow an existing module"),
        ({"project_slug": "My Model!"}, "project_slug 'My Model!' is not valid"),
    ],
)
def test_an_invalid_answer_is_refused_and_nothing_is_written(tmp_path, answers, message):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "cookiecutter",
            "--no-input",
            "-o",
            tmp_path,
            Path(__file__).resolve().parents[1],
            *[f"{k}={v}" for k, v in answers.items()],
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode != 0
    assert message in done.stderr
    assert list(tmp_path.iterdir()) == []
