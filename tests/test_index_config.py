"""Dependency confusion: everything the template writes installs from the team's index
only (PIP_INDEX_URL / --index-url), never from an extra index where a same-named public
package could win; and the release path (tox, make) is there and passes only that index."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import pytest
import yaml

from support import run

#: Settings under which pip would also consult a second index or a folder of files.
EXTRA_SOURCES = re.compile(r"extra[-_]index[-_]url|PIP_EXTRA_INDEX_URL|find[-_]links", re.I)
#: Files of the generated project that configure or document how pip installs.
INSTALL_CONFIG = (
    "Dockerfile",
    "README.md",
    "tox.ini",
    "Makefile",
    ".github/workflows/ci.yml",
    ".github/workflows/monitor.yml",
    ".gitlab-ci.yml",
    "docs/usage.rst",
)


@pytest.fixture(params=["github", "gitlab"])
def generated(cookies, request) -> Path:
    result = cookies.bake(extra_context={"ci_provider": request.param, "include_api": "yes"})
    assert result.exception is None, result.exception
    return result.project_path


def commands(path: Path) -> str:
    """What is run: the code blocks of a Markdown or reST file, a Dockerfile's instructions
    (its comments explain why there is no extra index), else the whole file."""
    text = path.read_text()
    if path.name == "Dockerfile":
        return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    if path.suffix == ".md":
        return "\n".join(re.findall(r"```\w*\n(.*?)```", text, re.S))
    if path.suffix == ".rst":
        return "\n".join(re.findall(r"::\n\n((?:    .*\n|\n)+)", text))
    return text


def test_no_install_setting_names_a_second_index(generated):
    for name in INSTALL_CONFIG:
        path = generated / name
        if path.exists():
            assert not EXTRA_SOURCES.search(commands(path)), f"{name} names an extra source"


def test_the_image_build_takes_the_index_url_as_its_only_pip_setting(generated):
    dockerfile = commands(generated / "Dockerfile")
    build_args = set(re.findall(r"^ARG (PIP_\w+)", dockerfile, re.M))
    assert build_args == {"PIP_INDEX_URL"}
    installs = [line for line in dockerfile.splitlines() if "pip install" in line]
    assert installs and not any(re.search(r"\s(-i|-f|--index-url)\b", line) for line in installs)


def test_the_readme_installs_the_model_with_index_url(generated):
    readme = (generated / "README.md").read_text()
    installs = [line for line in readme.splitlines() if line.startswith("pip install --")]
    assert installs == ["pip install --index-url https://your-index/simple/ my-model"]


def test_github_workflows_set_the_index_url_from_the_repository_variable_alone(cookies):
    result = cookies.bake(extra_context={"ci_provider": "github"})
    for name in ("ci.yml", "monitor.yml"):
        text = (result.project_path / ".github/workflows" / name).read_text()
        workflow = yaml.safe_load(text)

        assert set(re.findall(r"\b(PIP_[A-Z_]+)=", text)) == {"PIP_INDEX_URL"}, name
        for job in workflow["jobs"].values():
            steps = job["steps"]
            index_step = next(step for step in steps if "TEAM_INDEX" in step.get("env", {}))
            assert index_step["env"]["TEAM_INDEX"] == "${{ vars.PIP_INDEX_URL }}"


def test_gitlab_ci_sets_no_pip_source(cookies):
    result = cookies.bake(extra_context={"ci_provider": "gitlab"})
    pipeline = yaml.safe_load((result.project_path / ".gitlab-ci.yml").read_text())
    # The index comes from the CI/CD variable PIP_INDEX_URL the team sets, as the file says.
    assert {key for key in pipeline["variables"] if key.startswith("PIP_")} == {"PIP_CACHE_DIR"}
    assert "CI/CD variable PIP_INDEX_URL" in (result.project_path / ".gitlab-ci.yml").read_text()


def test_tox_names_no_pip_setting_but_the_index_url(generated):
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(generated / "tox.ini")
    for env in ("testenv:release", "testenv:image"):
        passed = {item.strip() for item in re.split(r"[,\n]", tox[env]["pass_env"]) if item.strip()}
        assert {p for p in passed if p.startswith("PIP_")} == {"PIP_INDEX_URL"}, env
    assert tox["testenv:release"]["commands"].strip() == "modelyard release {posargs}"


def test_make_release_ships_the_chosen_model(generated):
    planned = run(["make", "-n", "release", "MODEL=models/my-model/3"], cwd=generated)
    assert "tox -e release -- --model models/my-model/3" in planned


def test_the_released_model_folder_is_packed_but_not_committed(generated):
    pyproject = (generated / "pyproject.toml").read_text()
    assert 'artifacts = ["src/my_model/trained_model"]' in pyproject
    assert "src/my_model/trained_model/" in (generated / ".gitignore").read_text()
