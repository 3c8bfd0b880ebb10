"""A project baked from an older commit of the template is brought to a newer one with
`cruft update`, keeping the project's own changes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from conftest import PACKAGE, PROJECT, copy_repository, git
from support import run, tool

NEW_SECTION = "## Added by a later template commit"


@pytest.fixture
def template(tmp_path) -> Path:
    """A git copy of this repository: the template at commit A."""
    return copy_repository(tmp_path / "ml-template")


@pytest.fixture
def old_project(template, tmp_path) -> Path:
    """A project baked from commit A, committed, with a change of its own committed too."""
    run(
        [sys.executable, "-m", "cookiecutter", "--no-input", "-o", tmp_path / "out", template],
        cwd=tmp_path,
    )
    folder = tmp_path / "out" / PROJECT
    git(folder, "init", "-q", "-b", "main")
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "baked")
    data = folder / "src" / PACKAGE / "data.py"
    data.write_text(data.read_text() + "\n\nOWN_CHANGE = 1\n")
    git(folder, "commit", "-q", "-am", "the project's own change")
    return folder


@pytest.fixture
def newer_template(template) -> str:
    """Commit B on the template: a new README section for generated projects; its hash."""
    readme = template / "{{cookiecutter.project_slug}}" / "README.md"
    readme.write_text(readme.read_text() + f"\n{NEW_SECTION}\n")
    git(template, "commit", "-q", "-am", "template: a new README section")
    return git(template, "rev-parse", "HEAD").strip()


def test_the_baked_project_records_the_commit_it_came_from(old_project, template):
    record = json.loads((old_project / ".cruft.json").read_text())

    assert record["commit"] == git(template, "rev-parse", "HEAD").strip()
    assert Path(record["template"]) == template


def test_cruft_update_brings_a_later_template_commit_and_keeps_own_changes(
    old_project, newer_template
):
    run([tool("cruft"), "update", "--skip-apply-ask"], cwd=old_project)

    assert NEW_SECTION in (old_project / "README.md").read_text()
    assert "OWN_CHANGE = 1" in (old_project / "src" / PACKAGE / "data.py").read_text()
    assert json.loads((old_project / ".cruft.json").read_text())["commit"] == newer_template
    run([tool("cruft"), "check"], cwd=old_project)
