"""Releases: refused from a dirty tree, an untagged commit, for a version the index has;
built, checked and uploaded to a real package index (pypiserver) otherwise."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest
from index_server import running_index

from modelyard.exceptions import ReleaseError
from modelyard.release import published_versions, release, release_notes, require_clean_tree

PYPROJECT = """
[build-system]
requires = ["hatchling>=1.24", "hatch-vcs>=0.4", "setuptools-scm>=10"]
build-backend = "hatchling.build"

[project]
name = "tiny-model"
dynamic = ["version"]
description = "A package released by the tests."
readme = "README.md"

[tool.hatch.version]
source = "vcs"
raw-options = { version_scheme = "post-release" }
"""


def git(folder: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=folder,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def project(workdir: Path) -> Path:
    """A committed project whose version comes from its git tag, with no tag yet."""
    folder = workdir / "tiny"
    (folder / "src" / "tiny_model").mkdir(parents=True)
    (folder / "src" / "tiny_model" / "__init__.py").write_text('"""Tiny."""\n')
    (folder / "pyproject.toml").write_text(PYPROJECT)
    (folder / "README.md").write_text("# tiny-model\n\nA package released by the tests.\n")
    git(folder, "init", "-q", "-b", "main")
    git(folder, "add", ".")
    git(folder, "commit", "-q", "-m", "first")
    return folder


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    with running_index(tmp_path_factory.mktemp("index")) as running:
        yield running


@pytest.fixture
def credentials(index, monkeypatch):
    for key, value in index.credentials().items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("PIP_INDEX_URL", raising=False)


def test_a_dirty_tree_is_refused_before_anything_is_built(project):
    (project / "README.md").write_text("changed\n")
    with pytest.raises(ReleaseError, match=r"uncommitted changes \(README.md\); commit or stash"):
        require_clean_tree(project)


def test_a_folder_outside_git_is_refused(workdir):
    with pytest.raises(ReleaseError, match="not in a git repository"):
        require_clean_tree(workdir)


def test_an_untagged_commit_is_refused_after_the_build(project, workdir):
    with pytest.raises(ReleaseError, match=r"0\.0\.post1\+g\w+, which is not a release.*git tag"):
        release(project, upload_files=False, out_dir=workdir / "dist")


def test_no_upload_url_is_refused_with_where_to_give_it(project, monkeypatch):
    monkeypatch.delenv("TWINE_REPOSITORY_URL", raising=False)
    with pytest.raises(ReleaseError, match="--repository-url URL"):
        release(project)


def test_a_tagged_commit_is_uploaded_and_listed_by_the_index(project, index, credentials, workdir):
    git(project, "tag", "v1.0.0")
    dists = release(project, repository_url=index.upload_url, out_dir=workdir / "dist")
    assert (dists.name, dists.version) == ("tiny-model", "1.0.0")
    assert published_versions(index.simple_url, "tiny_model") == {"1.0.0"}
    assert sorted(p.name for p in index.folder.iterdir()) == sorted(f.name for f in dists.files)


def test_a_version_the_index_has_is_refused(project, index, credentials, workdir):
    git(project, "tag", "v2.0.0")
    release(project, repository_url=index.upload_url, out_dir=workdir / "first")
    with pytest.raises(ReleaseError, match=r"tiny-model 2\.0\.0 is already on .*Tag a new version"):
        release(project, repository_url=index.upload_url, out_dir=workdir / "second")


def test_uploading_without_credentials_is_refused_by_the_index(
    project, index, workdir, monkeypatch
):
    for key in ("TWINE_USERNAME", "TWINE_PASSWORD", "PIP_INDEX_URL"):
        monkeypatch.delenv(key, raising=False)
    git(project, "tag", "v3.0.0")
    with pytest.raises(ReleaseError, match="uploading to"):
        release(project, repository_url=index.upload_url, out_dir=workdir / "dist")
    assert "3.0.0" not in published_versions(index.simple_url, "tiny-model")


def test_an_unknown_project_has_no_published_versions(index):
    assert published_versions(index.simple_url, "never-uploaded") == set()


def test_an_index_that_does_not_answer_is_named(workdir):
    with pytest.raises(ReleaseError, match=r"cannot reach the index at http://127\.0\.0\.1:9/"):
        published_versions("http://127.0.0.1:9/", "anything")


CHANGELOG = textwrap.dedent("""
    # Changelog

    ## 0.3.0

    - Faster loading.

    ## 0.2.0 (2026-01-02)

    - First release.
""")


def test_release_notes_are_the_changelog_section_of_the_version(workdir):
    (workdir / "CHANGELOG.md").write_text(CHANGELOG)
    assert release_notes(workdir / "CHANGELOG.md", "0.2.0").endswith("- First release.")
    assert "Faster" in release_notes(workdir / "CHANGELOG.md", "0.3.0")
    assert "First" not in release_notes(workdir / "CHANGELOG.md", "0.3.0")


def test_a_version_without_release_notes_is_refused(workdir):
    (workdir / "CHANGELOG.md").write_text(CHANGELOG)
    with pytest.raises(ReleaseError, match=r"has no notes for 0\.4\.0: add a section '## 0\.4\.0'"):
        release_notes(workdir / "CHANGELOG.md", "0.4.0")
