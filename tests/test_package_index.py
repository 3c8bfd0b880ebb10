"""A model shipped like a package: modelyard and a baked project are released to a real
package index (pypiserver on 127.0.0.1), then installed in a fresh virtual environment
from that index alone, and the installed model predicts and serves.

The team index holds everything an install needs: the released modelyard and model
package, uploaded with twine, and the public dependencies (numpy, scikit-learn, ...),
mirrored into it from a `pip download` wheelhouse, as a team seeds its own index.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest
from index_server import PackageIndex, running_index  # core_lib/tests, on the path from conftest

from conftest import PACKAGE, PROJECT, local_predictions
from support import (
    BASE_IMAGE,
    BUILD_FLAGS,
    REPO,
    build_image,
    container_engine,
    free_port,
    http_json,
    remove_images,
    run,
    tool,
    wait_for_http,
)

PROJECTS = ["classifier-github-api"]  # depends on modelyard[serve] from an index, serves

GIT = ["git", "-c", "user.name=Release Test", "-c", "user.email=release@example.com"]


def git(folder: Path, *args: str) -> str:
    return run([*GIT, *args], cwd=folder)


def isolated_pip_env() -> dict[str, str]:
    """This environment without any pip configuration: no find-links, no extra index."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    return {**env, "PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Iterator[PackageIndex]:
    with running_index(tmp_path_factory.mktemp("team-index")) as running:
        yield running


@pytest.fixture(scope="module")
def upload_env(index) -> dict[str, str]:
    """Twine's credentials come from the environment, as on a CI runner."""
    env = {k: v for k, v in os.environ.items() if k != "PIP_INDEX_URL"}
    return {**env, **index.credentials()}


@pytest.fixture(scope="module")
def released_modelyard(index, upload_env, tmp_path_factory) -> str:
    """Release this repository's modelyard, from a tagged commit, to the index."""
    repo = tmp_path_factory.mktemp("modelyard-repo")
    shutil.copytree(
        REPO / "core_lib",
        repo / "core_lib",
        ignore=shutil.ignore_patterns(".*", "__pycache__", "_build", "*.egg-info", "dist"),
    )
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "modelyard under test")
    git(repo, "tag", "modelyard-v0.1.0")
    code = (
        "import sys; from modelyard.release import release; "
        "print(release(sys.argv[1], repository_url=sys.argv[2]).version)"
    )
    out = run([sys.executable, "-c", code, repo / "core_lib", index.upload_url], env=upload_env)
    return out.strip()


#: What a project's `tox -e release` installs besides the project: build and upload tools,
#: and the build backend of the project (hatchling with its git-tag versioning).
RELEASE_TOOLS = ["build", "twine", "hatchling", "hatch-vcs", "setuptools-scm", "editables"]


@pytest.fixture(scope="module")
def mirrored_dependencies(index, released_modelyard, tmp_path_factory) -> list[str]:
    """Put every public dependency of modelyard[serve], and the release tools, on the team
    index (wheels only)."""
    wheelhouse = tmp_path_factory.mktemp("wheelhouse")
    wheel = next(index.folder.glob("modelyard-*.whl"))
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "-q",
            "--only-binary",
            ":all:",
            "-d",
            wheelhouse,
            f"modelyard[serve] @ {wheel.as_uri()}",
            *RELEASE_TOOLS,
        ]
    )
    mirrored = [w.name for w in wheelhouse.iterdir() if not w.name.startswith("modelyard-")]
    for name in mirrored:
        shutil.copy2(wheelhouse / name, index.folder / name)
    return mirrored


@pytest.fixture(scope="module")
def model_repo(baked, trained, tmp_path_factory) -> Path:
    """The baked project as its own git repository, tagged v0.1.0, with its trained model."""
    repo = tmp_path_factory.mktemp("model-repo") / PROJECT
    shutil.copytree(baked, repo, ignore=shutil.ignore_patterns(".tox", "__pycache__", "*.egg-info"))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "first model")
    git(repo, "tag", "v0.1.0")
    return repo


def release_model(
    repo: Path, index: PackageIndex, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """`modelyard release` in the project, as its tox environment runs it."""
    return subprocess.run(
        [
            tool("modelyard"),
            "release",
            "--model",
            f"models/{PROJECT}",
            "--repository-url",
            index.upload_url,
            "--index-url",
            index.simple_url,
        ],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def released_model(model_repo, index, mirrored_dependencies) -> str:
    """`make release MODEL=...` in the project, as its README says: tox -e release, whose
    environment installs from the team index alone."""
    env = {
        **isolated_pip_env(),
        **index.credentials(),
        "PIP_INDEX_URL": index.simple_url,
        "TWINE_REPOSITORY_URL": index.upload_url,
        "PATH": f"{Path(tool('tox')).parent}{os.pathsep}{os.environ['PATH']}",
    }
    model = f"MODEL=models/{PROJECT}/1"
    return run(["make", "release", model], cwd=model_repo, env=env, timeout=1200)


@pytest.fixture(scope="module")
def installed(index, released_model, mirrored_dependencies, tmp_path_factory) -> Path:
    """A fresh venv with the model package installed from the team index and nothing else."""
    env_dir = tmp_path_factory.mktemp("consumer")
    venv.create(env_dir, with_pip=True)
    run(
        [
            env_dir / "bin" / "python",
            "-m",
            "pip",
            "install",
            "--no-cache-dir",
            "--index-url",
            index.simple_url,
            PROJECT,
        ],
        env=isolated_pip_env(),
    )
    return env_dir / "bin"


def test_modelyard_is_released_with_the_version_of_its_tag(released_modelyard, index):
    assert released_modelyard == "0.1.0"
    assert {p.name for p in index.folder.glob("modelyard-*")} == {
        "modelyard-0.1.0.tar.gz",
        "modelyard-0.1.0-py3-none-any.whl",
    }


def test_the_model_package_is_released_with_its_tag_and_its_model(released_model, index):
    assert f"built {PROJECT} 0.1.0 with model '{PROJECT}' version 1" in released_model
    assert (index.folder / f"{PACKAGE}-0.1.0-py3-none-any.whl").is_file()


def test_the_fresh_environment_got_everything_from_the_team_index(installed):
    frozen = run([installed / "python", "-m", "pip", "freeze"], env=isolated_pip_env())
    assert f"{PROJECT}==0.1.0" in frozen
    assert "modelyard==0.1.0" in frozen


def test_the_installed_model_predicts_as_the_saved_one(installed, baked, project_env, rows):
    code = (
        f"import json, sys, {PACKAGE}; model = {PACKAGE}.load_model(); "
        "print(json.dumps(model.predict(json.load(sys.stdin)).tolist()))"
    )
    # Run outside the project, so nothing but the installed package can be imported.
    shipped = json.loads(
        run([installed / "python", "-c", code], cwd=installed, input=json.dumps(rows))
    )
    assert shipped == local_predictions(baked, project_env, rows)


def test_modelyard_serve_serves_the_installed_package(installed, rows, baked, project_env):
    port = free_port()
    server = subprocess.Popen(
        [installed / "modelyard", "serve", PACKAGE, "--port", str(port)],
        cwd=installed,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health")
        status, answer = http_json(f"http://127.0.0.1:{port}/predict", {"rows": rows})
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert status == 200
    assert answer["predictions"] == local_predictions(baked, project_env, rows)


def test_releasing_the_same_version_again_is_refused(model_repo, index, upload_env, released_model):
    done = release_model(model_repo, index, upload_env)
    assert done.returncode == 1
    assert f"{PROJECT} 0.1.0 is already on {index.simple_url}" in done.stderr
    assert "Tag a new version" in done.stderr


def test_releasing_from_a_dirty_tree_is_refused(model_repo, index, upload_env, released_model):
    readme = model_repo / "README.md"
    original = readme.read_text()
    readme.write_text(original + "\nan uncommitted line\n")
    try:
        done = release_model(model_repo, index, upload_env)
    finally:
        readme.write_text(original)
    assert done.returncode == 1
    assert "uncommitted changes (README.md); commit or stash them" in done.stderr


def test_releasing_without_a_trained_model_is_refused(model_repo, index, upload_env, tmp_path):
    untrained = tmp_path / PROJECT
    shutil.copytree(model_repo, untrained, ignore=shutil.ignore_patterns("models", ".tox", "dist"))
    done = release_model(untrained, index, upload_env)
    assert done.returncode == 1
    assert "no trained model to put in the package" in done.stderr
    assert "Run `modelyard train` first" in done.stderr
    assert not any(index.folder.glob(f"{PACKAGE}-*.dev*"))


@pytest.fixture(scope="module")
def packaged_image(model_repo, index, released_model, mirrored_dependencies) -> Iterator[str]:
    """The `packaged` image target: the model package installed from the team index alone."""
    engine = container_engine()
    tag = f"localhost/{PROJECT}-issue9-packaged-{os.getpid()}:latest"
    args = [engine, "build", "--network", "host", "--target", "packaged", "-t", tag]
    args += ["--build-arg", f"MODEL_PACKAGE={PROJECT}==0.1.0"]
    args += ["--build-arg", f"PIP_INDEX_URL={index.simple_url}"]
    if os.environ.get(BASE_IMAGE):
        args += ["--build-arg", f"BASE_IMAGE={os.environ[BASE_IMAGE]}"]
    args += shlex.split(os.environ.get(BUILD_FLAGS, ""))
    build_image([*args, "."], cwd=model_repo)
    yield engine, tag
    remove_images(engine, tag)


def test_the_packaged_image_serves_the_model_installed_from_the_index(
    packaged_image, rows, baked, project_env
):
    engine, tag = packaged_image
    port, name = free_port(), f"{PROJECT}-issue9-packaged-{os.getpid()}"
    address = ["-e", "MODELYARD_HOST=127.0.0.1", "-e", f"MODELYARD_PORT={port}"]
    run([engine, "run", "-d", "--name", name, "--network", "host", *address, tag])
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health/ready")
        status, answer = http_json(f"http://127.0.0.1:{port}/predict", {"rows": rows})
    finally:
        subprocess.run([engine, "rm", "-f", "-t", "5", name], capture_output=True, check=False)
    assert status == 200
    assert (answer["model"], answer["version"]) == (PROJECT, 1)
    assert answer["predictions"] == local_predictions(baked, project_env, rows)
