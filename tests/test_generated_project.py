"""The baked project works as its README says: install, test, lint, document, train, score."""

from __future__ import annotations

import os
import re
import shutil

from conftest import PROJECT
from support import run


def test_its_own_tests_pass(baked, project_env):
    output = run(
        [project_env / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=baked
    )

    assert re.search(r"\d+ passed", output)


def test_train_saves_a_model_version_and_prints_where(baked, trained):
    assert f"saved models/{PROJECT}/1" in trained
    assert (baked / "models" / PROJECT / "1" / "model.json").is_file()


def test_score_prints_holdout_metrics_and_records_the_run(baked, project_env):
    output = run([project_env / "modelyard", "score"], cwd=baked)

    assert re.search(r"roc_auc\s+0\.9\d", output)
    assert list((baked / "runs").glob("*-score-*.json"))


def test_docs_build_with_warnings_as_errors(baked, project_env, tmp_path):
    run(
        [project_env / "sphinx-build", "-W", "-q", "-b", "html", "docs", tmp_path / "html"],
        cwd=baked,
    )

    assert (tmp_path / "html" / "api.html").is_file()


def test_every_pre_commit_hook_passes_on_the_fresh_project(baked, project_env, tmp_path):
    copy = tmp_path / PROJECT
    shutil.copytree(baked, copy, ignore=shutil.ignore_patterns("models", "runs", "*.egg-info"))
    run(["git", "init", "-q"], cwd=copy)
    run(["git", "add", "-A"], cwd=copy)

    run(
        [project_env / "pre-commit", "run", "--all-files"],
        cwd=copy,
        env={**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")},
    )
