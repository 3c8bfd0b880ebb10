"""Answers given on the command line: invalid ones are refused before anything is written,
and yes/no answers are read whichever way they are typed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PROJECT, requirement
from support import REPO

LOCAL_PATH = requirement("path")


def bake(output: Path, answers: dict[str, str]) -> subprocess.CompletedProcess:
    """Run the cookiecutter command on this template without prompts."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "cookiecutter",
            "--no-input",
            "-o",
            output,
            REPO,
            *[f"{k}={v}" for k, v in answers.items()],
        ],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (
            {"project_slug": "My Model!", "package_name": "m"},
            "project_slug 'My Model!' is not valid",
        ),
        (
            {"project_slug": "modelyard", "package_name": "m"},
            "project_slug 'modelyard' is the core library's own",
        ),
        ({"package_name": "2fast"}, "package_name '2fast' is not a valid Python package name"),
        ({"package_name": "class"}, "package_name 'class' is not a valid Python package name"),
        ({"package_name": "json"}, "package_name 'json' would shadow an existing module"),
        ({"package_name": "modelyard"}, "package_name 'modelyard' would shadow an existing"),
        ({"author_email": "me at example"}, "author_email 'me at example' is not an email"),
        ({"python_version": "3.9"}, "python_version '3.9' is not supported: type one of 3.10"),
        ({"python_version": "3.14"}, "python_version '3.14' is not supported"),
        (
            {"modelyard_requirement": "numpy>=1"},
            "modelyard_requirement 'numpy>=1' is not a requirement for modelyard",
        ),
        (
            {"modelyard_requirement": "https://git.example.com/team/ml-template.git"},
            "type 'modelyard[serve] @ git+https://git.example.com/team/ml-template.git#subdir",
        ),
        (
            {"modelyard_requirement": "modelyard @ file:///nonexistent/core_lib"},
            "not modelyard's source folder",
        ),
        (
            {"modelyard_requirement": LOCAL_PATH, "include_api": "no", "ci_provider": "github"},
            "cannot be installed on a github CI runner; answer ci_provider=none",
        ),
        (
            {"modelyard_requirement": LOCAL_PATH, "include_api": "yes", "ci_provider": "none"},
            "cannot be installed inside the container image; answer include_api=no",
        ),
    ],
)
def test_an_invalid_answer_is_refused_with_what_to_type_and_nothing_is_written(
    tmp_path, answers, message
):
    done = bake(tmp_path, answers)

    assert done.returncode != 0
    assert message in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1
    assert list(tmp_path.iterdir()) == []


def test_every_invalid_answer_is_reported_at_once(tmp_path):
    done = bake(tmp_path, {"package_name": "json", "author_email": "x", "python_version": "2.7"})

    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 3


@pytest.mark.parametrize("typed", ["no", "No", "False", "false", "n", "0", "off"])
def test_a_no_typed_any_common_way_leaves_the_api_out(tmp_path, typed):
    done = bake(tmp_path, {"include_api": typed})

    assert done.returncode == 0, done.stderr
    assert not (tmp_path / PROJECT / "Dockerfile").exists()


@pytest.mark.parametrize("typed", ["yes", "True", "y", "1"])
def test_a_yes_typed_any_common_way_keeps_the_api(tmp_path, typed):
    done = bake(tmp_path, {"include_api": typed})

    assert done.returncode == 0, done.stderr
    assert (tmp_path / PROJECT / "Dockerfile").is_file()
