"""The hooks' functions, imported from the unrendered hook scripts."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from support import REPO


def load_hook(name: str) -> ModuleType:
    """Import ``hooks/<name>.py`` as a module (its answers are parsed only in main())."""
    spec = importlib.util.spec_from_file_location(name, REPO / "hooks" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pre = load_hook("pre_gen_project")
post = load_hook("post_gen_project")

VALID = {
    "project_slug": "churn-model",
    "package_name": "churn_model",
    "author_email": "a@b.io",
    "python_version": "3.11",
    "task": "classification",
    "ci_provider": "github",
    "include_api": True,
    "license": "MIT",
    "modelyard_requirement": "modelyard[serve]>=0.1",
}


@pytest.mark.parametrize("hook", [pre, post], ids=["pre", "post"])
@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        *[(True, True), ("yes", True), ("Y", True), ("1", True), ("true", True)],
        *[(False, False), ("no", False), ("False", False), ("n", False), ("0", False)],
        (" OFF ", False),
    ],
)
def test_read_bool_reads_every_common_spelling(hook, typed, meant):
    assert hook.read_bool(typed) is meant


@pytest.mark.parametrize("hook", [pre, post], ids=["pre", "post"])
def test_read_bool_refuses_anything_else_saying_what_to_type(hook):
    with pytest.raises(ValueError, match="include_api 'maybe' is not yes or no: type yes or no"):
        hook.read_bool("maybe", "include_api")


def test_valid_answers_have_no_problems():
    assert pre.problems(VALID) == []


@pytest.mark.parametrize(
    ("requirement", "mode"),
    [
        ("template", "template"),
        ("modelyard", "index"),
        ("modelyard[serve]>=0.1", "index"),
        ("modelyard[serve] >=0.1, <2", "index"),
        ("modelyard==0.3.1", "index"),
        (
            "modelyard[serve] @ git+https://git.example.com/t/ml-template.git@v1#subdirectory=core_lib",
            "git",
        ),
        ("modelyard @ git+ssh://git@host/t/ml-template.git#subdirectory=core_lib", "git"),
        (f"modelyard[serve] @ {(REPO / 'core_lib').as_uri()}", "path"),
    ],
)
def test_dependency_mode_names_how_modelyard_is_installed(requirement, mode):
    assert pre.dependency_mode(requirement) == mode


@pytest.mark.parametrize(
    ("requirement", "hint"),
    [
        ("/opt/ml-template/core_lib", "type 'modelyard[serve] @ file:///opt/ml-template/core_lib'"),
        (
            "git@host:t/ml.git",
            "type 'modelyard[serve] @ git+git@host:t/ml.git#subdirectory=core_lib'",
        ),
        ('modelyard @ git+https://x/"y', "is not a requirement for modelyard"),
        ("modelyard @ ftp://host/x", "is not a requirement for modelyard"),
    ],
)
def test_dependency_mode_refuses_other_text_with_the_form_to_type(requirement, hint):
    with pytest.raises(ValueError, match=None) as error:
        pre.dependency_mode(requirement)
    assert hint in str(error.value)


@pytest.mark.parametrize("package", ["sklearn", "tests", "os", "typing"])
def test_a_package_name_that_shadows_a_module_is_refused(package):
    assert "would shadow an existing module" in pre.package_problem(package)


def test_a_local_path_with_ci_and_api_is_refused_twice():
    answers = {**VALID, "modelyard_requirement": f"modelyard @ {(REPO / 'core_lib').as_uri()}"}

    found = pre.problems(answers)

    assert len(found) == 2
    assert "CI runner" in found[0]
    assert "container image" in found[1]


@pytest.mark.parametrize(
    ("changes", "target", "source"),
    [
        ({}, ".github/workflows/ci.yml", "ci/github/ci.yml"),
        ({}, ".github/workflows/monitor.yml", "ci/github/monitor.yml"),
        ({"ci_provider": "gitlab"}, ".gitlab-ci.yml", "ci/gitlab/gitlab-ci.yml"),
        ({"license": "Apache-2.0"}, "LICENSE", "license/Apache-2.0.txt"),
        ({"task": "regression"}, "src/churn_model/model.py", "task/regression/model.py"),
        ({"task": "regression"}, "tests/test_model.py", "task/regression/test_model.py"),
        ({"deploy": "kubernetes"}, "deploy/kubernetes/hpa.yaml", "deploy/kubernetes/hpa.yaml"),
        ({"deploy": "kserve"}, "deploy/README.md", "deploy/kserve/README.md"),
    ],
)
def test_chosen_variants_move_the_answered_file_into_place(changes, target, source):
    moves = post.chosen_variants({**VALID, **changes})

    assert moves[source] == target


def test_an_unknown_deploy_target_is_refused_with_the_choices():
    assert pre.problems({**VALID, "deploy": "aws"}) == [
        "deploy 'aws' is not one of none, kubernetes, kserve: type one of them"
    ]


def test_a_deploy_target_without_the_image_is_refused():
    (found,) = pre.problems({**VALID, "deploy": "kserve", "include_api": "no"})

    assert "include_api=yes, or deploy=none" in found


def test_no_deploy_target_moves_no_manifest():
    moves = post.chosen_variants({**VALID, "deploy": "none"})

    assert not [source for source in moves if source.startswith("deploy/")]


def test_no_ci_provider_moves_no_ci_file():
    moves = post.chosen_variants({**VALID, "ci_provider": "none"})

    assert not [source for source in moves if source.startswith("ci/")]


@pytest.mark.parametrize(("include_api", "excluded"), [("no", 3), ("yes", 0), (False, 3)])
def test_api_files_are_excluded_only_without_the_api(include_api, excluded):
    assert len(post.excluded_files({**VALID, "include_api": include_api})) == excluded


def test_apply_layout_leaves_no_variants_folder(tmp_path):
    for source in post.chosen_variants(VALID):
        (tmp_path / "_variants" / source).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "_variants" / source).write_text(source)
    (tmp_path / "_variants" / "ci" / "gitlab").mkdir()
    (tmp_path / "_variants" / "ci" / "gitlab" / "gitlab-ci.yml").write_text("x")

    post.apply_layout(tmp_path, VALID)

    assert not (tmp_path / "_variants").exists()
    assert (tmp_path / ".github/workflows/ci.yml").read_text() == "ci/github/ci.yml"
    assert not (tmp_path / ".gitlab-ci.yml").exists()


def test_cruft_record_keeps_answers_and_drops_machine_paths():
    answers = {**VALID, "_template": str(REPO), "_output_dir": "/tmp/x", "_repo_dir": "/tmp/y"}

    record = post.cruft_record(answers, "abc123")

    assert record["commit"] == record["context"]["cookiecutter"]["_commit"] == "abc123"
    assert record["template"] == str(REPO)
    assert set(record["context"]["cookiecutter"]) == {*VALID, "_template", "_commit"}
    json.dumps(record)


def test_cruft_record_is_not_written_when_cruft_runs_the_hook(tmp_path):
    post.write_cruft_record(tmp_path, {**VALID, "_commit": "abc123", "_template": "x"})

    assert not (tmp_path / ".cruft.json").exists()


def test_template_commit_is_none_outside_a_git_repository(tmp_path):
    assert post.template_commit(str(tmp_path)) is None
    assert post.template_commit(None) is None


def test_template_commit_is_the_checked_out_commit():
    assert len(post.template_commit(str(Path(REPO)))) == 40


@pytest.mark.parametrize(
    ("remote", "url"),
    [
        (
            "https://git.example.com/t/ml-template.git",
            "git+https://git.example.com/t/ml-template.git",
        ),
        ("git@host:t/ml-template.git", "git+ssh://git@host/t/ml-template.git"),
        ("ssh://git@host/t/ml.git", "git+ssh://git@host/t/ml.git"),
        ("git+file:///srv/ml-template", "git+file:///srv/ml-template"),
        ("/srv/ml-template", "git+file:///srv/ml-template"),
    ],
)
def test_a_git_remote_becomes_the_url_pip_installs_from(remote, url):
    assert post.pip_git_url(remote) == url


def test_a_template_cloned_from_git_gives_its_url_at_the_commit_baked():
    requirement = post.git_requirement("git@host:t/ml.git", "abc123")

    assert (
        requirement == "modelyard[serve] @ git+ssh://git@host/t/ml.git@abc123#subdirectory=core_lib"
    )
    assert pre.dependency_mode(requirement) == "git"


def test_a_wheel_is_required_relative_to_the_project_folder():
    requirement = post.wheel_requirement("modelyard-0.1.0-py3-none-any.whl")

    assert requirement == "modelyard[serve] @ {root:uri}/wheels/modelyard-0.1.0-py3-none-any.whl"


def test_an_answered_requirement_is_kept_as_it_is(tmp_path):
    answers = {**VALID, "_template": str(REPO)}

    assert post.template_requirement(answers, tmp_path) == "modelyard[serve]>=0.1"
    assert not (tmp_path / "wheels").exists()


def test_a_template_of_unknown_origin_is_refused_with_what_to_answer(tmp_path):
    answers = {**VALID, "modelyard_requirement": "template", "_template": "gh:t/x"}

    with pytest.raises(RuntimeError, match="answer modelyard_requirement with a requirement"):
        post.template_requirement({**answers, "_repo_dir": str(tmp_path)}, tmp_path)


def test_write_requirement_puts_a_wheel_in_pyproject_and_the_image(tmp_path):
    (tmp_path / "pyproject.toml").write_text('dependencies = ["template"]\n')
    (tmp_path / "Dockerfile").write_text("COPY src/ src/\nRUN pip install .\n")
    requirement = post.wheel_requirement("modelyard-0.1.0-py3-none-any.whl")

    post.write_requirement(tmp_path, requirement)

    assert (tmp_path / "pyproject.toml").read_text() == f'dependencies = ["{requirement}"]\n'
    assert "COPY src/ src/\nCOPY wheels/ wheels/\nRUN" in (tmp_path / "Dockerfile").read_text()


def test_write_requirement_leaves_the_image_alone_for_a_git_url(tmp_path):
    (tmp_path / "pyproject.toml").write_text('dependencies = ["template"]\n')
    (tmp_path / "Dockerfile").write_text("COPY src/ src/\n")

    post.write_requirement(tmp_path, post.git_requirement("https://h/t.git", "abc"))

    assert (tmp_path / "Dockerfile").read_text() == "COPY src/ src/\n"


def test_the_dev_extra_takes_plots_from_the_same_wheel_as_the_dependency(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        'dependencies = ["template"]\ndev = [\n    "modelyard[plots]",\n    "pytest>=8",\n]\n'
    )
    requirement = post.wheel_requirement("modelyard-0.1.0-py3-none-any.whl")

    post.write_requirement(tmp_path, requirement)

    wheel = requirement.partition("@")[2].strip()
    assert f'    "modelyard[serve,plots] @ {wheel}",\n' in (tmp_path / "pyproject.toml").read_text()


@pytest.mark.parametrize(
    ("requirement", "plots"),
    [
        ("modelyard[serve]>=0.1", "modelyard[plots]"),
        ("modelyard @ git+https://h/t.git@abc", "modelyard[plots] @ git+https://h/t.git@abc"),
        ("modelyard[serve] @ file:///w.whl", "modelyard[serve,plots] @ file:///w.whl"),
    ],
)
def test_plots_come_from_where_modelyard_comes_from(requirement, plots):
    assert post.plots_requirement(requirement) == plots


def test_both_hooks_read_yes_and_no_with_one_shared_function():
    assert pre.read_bool is post.read_bool
    assert pre.read_bool.__module__ == "template_answers"
