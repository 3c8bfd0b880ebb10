"""The full check: each project of FULL_CHECK (together they use every value of every option)
works as its README says: install, its own tests, lint, types, docs, CI file, train, score."""

from __future__ import annotations

import os
import re
import shutil

from conftest import PROJECT
from support import run, tool

CI_SCHEMAS = {
    "github": (".github/workflows/ci.yml", "vendor.github-workflows"),
    "gitlab": (".gitlab-ci.yml", "vendor.gitlab-ci"),
}
HEADLINE_METRIC = {
    "classification": r"roc_auc\s+(0\.9\d|1\.0000)",
    "regression": r"r2\s+0\.[3-9]\d",
}


def test_its_own_tests_pass(baked, project_env):
    output = run(
        [project_env / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=baked
    )

    assert re.search(r"\d+ passed", output)
    assert "failed" not in output


def test_train_saves_a_model_version_and_prints_where(baked, trained):
    assert f"saved models/{PROJECT}/1" in trained
    assert (baked / "models" / PROJECT / "1" / "model.json").is_file()


def test_score_prints_holdout_metrics_and_records_the_run(baked, project_env, options):
    output = run([project_env / "modelyard", "score"], cwd=baked)

    assert re.search(HEADLINE_METRIC[options["task"]], output)
    assert list((baked / "runs").glob("*-score-*.json"))


def test_score_writes_an_html_report_with_plots_and_says_where(baked, project_env):
    output = run([project_env / "modelyard", "score"], cwd=baked)

    reports = sorted((baked / "runs").glob("*-score-*.html"))
    assert reports and f"report written to runs/{reports[-1].name}" in output
    assert reports[-1].read_text().count("data:image/png;base64,") >= 8


def test_docs_build_with_warnings_as_errors_and_a_model_card_of_the_saved_model(
    baked, project_env, trained, tmp_path
):
    run(
        [project_env / "sphinx-build", "-n", "-W", "-q", "-b", "html", "docs", tmp_path / "html"],
        cwd=baked,
    )

    assert (tmp_path / "html" / "api.html").is_file()
    card = (tmp_path / "html" / "model-card.html").read_text()
    assert "version 1 of <code" in card
    assert "Holdout metrics" in card
    assert "Features and data contract" in card and "seen in training" in card


def test_docs_say_how_to_make_a_model_card_when_no_model_is_saved(baked, project_env, tmp_path):
    copy = tmp_path / PROJECT
    shutil.copytree(baked, copy, ignore=shutil.ignore_patterns("models", "runs"))

    run(
        [project_env / "sphinx-build", "-n", "-W", "-q", "-b", "html", "docs", tmp_path / "h"],
        cwd=copy,
    )

    assert "has been saved yet" in (tmp_path / "h" / "model-card.html").read_text()


def test_every_pre_commit_hook_passes_on_the_fresh_project(
    baked, project_env, pre_commit_home, tmp_path
):
    copy = tmp_path / PROJECT
    shutil.copytree(
        baked, copy, ignore=shutil.ignore_patterns("models", "runs", "*.egg-info", "docs")
    )
    shutil.copytree(baked / "docs", copy / "docs", ignore=shutil.ignore_patterns("model-card.rst"))
    run(["git", "init", "-q"], cwd=copy)
    run(["git", "add", "-A"], cwd=copy)

    output = run(
        [project_env / "pre-commit", "run", "--all-files"],
        cwd=copy,
        env={**os.environ, "PRE_COMMIT_HOME": str(pre_commit_home)},
    )

    assert re.search(r"mypy \(types\)\.+Passed", output)
    assert re.search(r"ruff \(lint\)\.+Passed", output)


def test_ci_file_is_valid_against_its_providers_schema(baked, options):
    present = {provider for provider, (path, _) in CI_SCHEMAS.items() if (baked / path).exists()}
    assert present == ({options["ci_provider"]} - {"none"})

    for provider in present:
        path, schema = CI_SCHEMAS[provider]
        run([tool("check-jsonschema"), "--builtin-schema", schema, baked / path])
    for workflow in sorted((baked / ".github/workflows").glob("*.yml")):
        run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", workflow])


def test_dockerfile_passes_hadolint_when_the_api_is_included(baked, options):
    assert (baked / "Dockerfile").exists() == (options["include_api"] == "yes")

    if options["include_api"] == "yes":
        run([tool("hadolint"), baked / "Dockerfile"])


def test_type_check_passes_with_the_installed_dependencies(baked, project_env):
    run([project_env / "mypy"], cwd=baked)


def test_type_check_passes_when_the_model_imports_a_library_not_installed(
    baked, project_env, tmp_path
):
    copy = tmp_path / "project"
    shutil.copytree(baked, copy, ignore=shutil.ignore_patterns(".tox", ".mypy_cache"))
    model = copy / "src" / "my_model" / "model.py"
    model.write_text("import lightgbm_not_here  # noqa: F401\n" + model.read_text())

    run([project_env / "mypy"], cwd=copy)


def test_makefile_has_the_everyday_targets(baked, options):
    targets = ["train", "score", "sample", "serve", "test", "lint", "type", "docs"]
    targets += ["image"] if options["include_api"] == "yes" else []

    planned = run(["make", "-n", *targets], cwd=baked)

    assert "modelyard train" in planned
    assert "modelyard serve models/my-model" in planned
    assert ("docker build" in planned) == (options["include_api"] == "yes")
