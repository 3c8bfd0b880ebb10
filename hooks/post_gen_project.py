"""Shape the generated project to the answers, then record them so it can be upgraded.

Cookiecutter renders this file with the answers and runs it inside the new
project. Files that exist for one answer only live side by side under
``_variants/`` (one CI file per provider, one license text per license, one
example model per task); this hook moves the chosen ones into place, deletes
the rest and the files the answers exclude, and writes ``.cruft.json`` (the
answers and the template's commit) so that ``cruft update`` can bring the
project up to a newer template later. The answers arrive as JSON text and are
parsed only in :func:`main`, so the tests can import these functions.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ANSWERS_JSON = r"""{{ cookiecutter | tojson }}"""
#: The template's hooks/ folder, where the module both hooks share lives. Cookiecutter runs
#: this script from a temporary copy, so local_extensions.py names the folder as it renders;
#: imported unrendered (the tests), the folder is this file's own.
HOOKS_FOLDER = r"""{{ hooks_folder }}"""
sys.path.insert(0, HOOKS_FOLDER if Path(HOOKS_FOLDER).is_dir() else str(Path(__file__).parent))
from template_answers import read_bool  # noqa: E402

VARIANTS = "_variants"
CI_FILES = {
    "github": ("ci/github/ci.yml", ".github/workflows/ci.yml"),
    "gitlab": ("ci/gitlab/gitlab-ci.yml", ".gitlab-ci.yml"),
}
#: Scheduled workflows beside a provider's CI file (drift monitoring; GitHub Actions only).
SCHEDULED_FILES = {"github": ("ci/github/monitor.yml", ".github/workflows/monitor.yml")}
TASK_FILES = {"data.py": "src/{package}/data.py", "model.py": "src/{package}/model.py"}
TASK_FILES["test_model.py"] = "tests/test_model.py"
#: Manifests for each deploy target: ``_variants/deploy/<target>/<file>`` goes to
#: ``deploy/<target>/<file>``, and the guide to ``deploy/README.md``.
DEPLOY_FILES = {
    "none": (),
    "kubernetes": ("deployment.yaml", "service.yaml", "hpa.yaml"),
    "kserve": ("servingruntime.yaml", "inferenceservice.yaml"),
}
#: Files that exist only to serve the model over HTTP from a container.
API_FILES = ("Dockerfile", ".dockerignore", "tests/test_api.py")
#: Context keys that describe one machine's run of cookiecutter, not the project.
MACHINE_KEYS = ("_output_dir", "_repo_dir")
#: The default answer for modelyard_requirement: resolve modelyard from where the template
#: was baked (see :func:`template_requirement`).
TEMPLATE_REQUIREMENT = "template"
#: The distribution and extras every generated project depends on.
MODELYARD = "modelyard[serve]"
#: What the template's ``dev`` extra names for plots and reports (see plots_requirement).
PLOTS_REQUIREMENT = "modelyard[plots]"
#: Where a wheel built from a local template goes, inside the project (committed with it).
WHEELS = "wheels"
#: The project folder as a file URL, in hatchling's context formatting.
ROOT_URI = "{root:uri}"
_SCP_REMOTE = re.compile(r"(?P<user>[^@/:]+)@(?P<host>[^:/]+):(?P<path>.+)")


def chosen_variants(answers: dict) -> dict[str, str]:
    """Map each variant file the answers choose (under ``_variants/``) to where it goes."""
    moves = {f"license/{answers['license']}.txt": "LICENSE"}
    if answers["ci_provider"] in CI_FILES:
        source, target = CI_FILES[answers["ci_provider"]]
        moves[source] = target
    if answers["ci_provider"] in SCHEDULED_FILES:
        source, target = SCHEDULED_FILES[answers["ci_provider"]]
        moves[source] = target
    for name, target in TASK_FILES.items():
        moves[f"task/{answers['task']}/{name}"] = target.format(package=answers["package_name"])
    deploy = answers.get("deploy", "none")
    for name in DEPLOY_FILES[deploy]:
        moves[f"deploy/{deploy}/{name}"] = f"deploy/{deploy}/{name}"
    if DEPLOY_FILES[deploy]:
        moves[f"deploy/{deploy}/README.md"] = "deploy/README.md"
    return moves


def excluded_files(answers: dict) -> list[str]:
    """Files of the template that the answers leave out of the project."""
    return [] if read_bool(answers["include_api"], "include_api") else list(API_FILES)


def apply_layout(project: Path, answers: dict) -> None:
    """Move the chosen variants into place, then delete the other variants and excluded files."""
    for source, target in chosen_variants(answers).items():
        destination = project / target
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(project / VARIANTS / source), destination)
    shutil.rmtree(project / VARIANTS)
    for name in excluded_files(answers):
        (project / name).unlink()


def caller_path(path: str) -> Path:
    """``path`` as the user meant it: relative paths are relative to where cookiecutter ran.

    The hook runs inside the new project, so a relative template path given on the
    command line (``cookiecutter .``) is resolved against the shell's folder ($PWD).
    """
    given = Path(path).expanduser()
    return given if given.is_absolute() else Path(os.environ.get("PWD", ".")) / given


def template_commit(repo_dir: str | None) -> str | None:
    """The git commit the template was checked out at, or None outside a git repository."""
    if not repo_dir or not caller_path(repo_dir).is_dir():
        return None
    done = subprocess.run(
        ["git", "rev-parse", "HEAD"],
        cwd=caller_path(repo_dir),
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() if done.returncode == 0 else None


def template_location(template: str) -> str:
    """Where the template can be cloned from again: an absolute path for a local folder."""
    folder = caller_path(template)
    return str(folder.resolve()) if folder.is_dir() else template


def pip_git_url(remote: str) -> str:
    """A git remote (URL, ``user@host:path`` or a local folder) as pip's ``git+`` URL."""
    if remote.startswith("git+"):
        return remote
    if "://" in remote:
        return f"git+{remote}"
    scp = _SCP_REMOTE.fullmatch(remote)
    if scp:
        return f"git+ssh://{scp['user']}@{scp['host']}/{scp['path']}"
    return f"git+{caller_path(remote).resolve().as_uri()}"


def git_requirement(remote: str, commit: str) -> str:
    """The requirement on modelyard at ``commit`` of the template's git repository."""
    return f"{MODELYARD} @ {pip_git_url(remote)}@{commit}#subdirectory=core_lib"


def wheel_requirement(wheel: str) -> str:
    """The requirement on a modelyard wheel kept in the project's ``wheels/`` folder.

    ``{root:uri}`` is the project folder, filled in by the build backend (hatchling), so
    the same line works on a laptop, a CI runner and inside the image build.
    """
    return f"{MODELYARD} @ {ROOT_URI}/{WHEELS}/{wheel}"


def template_remote(repo_dir: str | None) -> str | None:
    """The URL the template's git checkout was cloned from (its ``origin``), or None."""
    if not repo_dir or not caller_path(repo_dir).is_dir():
        return None
    done = subprocess.run(
        ["git", "remote", "get-url", "origin"],
        cwd=caller_path(repo_dir),
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or None if done.returncode == 0 else None


def build_wheel(core_lib: Path, project: Path) -> str:
    """Build modelyard's wheel from ``core_lib`` into the project's ``wheels/``; its file name."""
    folder = project / WHEELS
    folder.mkdir(exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(folder), str(core_lib)],
        capture_output=True,
        text=True,
        check=False,
    )
    wheels = sorted(folder.glob("modelyard-*.whl"))
    if done.returncode != 0 or not wheels:
        raise RuntimeError(
            f"could not build modelyard's wheel from {core_lib}: {done.stderr.strip()[-800:]}\n"
            "answer modelyard_requirement with your team index's requirement instead, "
            "e.g. modelyard[serve]>=0.1"
        )
    return wheels[-1].name


def template_requirement(answers: dict, project: Path) -> str:
    """The requirement on modelyard that the answers mean, resolved for the default answer.

    Baked from a local folder, the project gets a wheel built from the folder's
    ``core_lib`` (in ``wheels/``, committed with the project, so CI and the image build
    install it too); baked from a git URL, it depends on that URL at the commit baked.
    Any other answer is already a requirement and is returned as it is.
    """
    given = str(answers["modelyard_requirement"]).strip()
    if given != TEMPLATE_REQUIREMENT:
        return given
    template = caller_path(answers.get("_template") or ".")
    if template.is_dir():
        return wheel_requirement(build_wheel(template / "core_lib", project))
    repo_dir = answers.get("_repo_dir")
    remote, commit = template_remote(repo_dir), template_commit(repo_dir)
    if remote is None or commit is None:
        raise RuntimeError(
            f"cannot tell where the template {answers.get('_template')!r} came from; answer "
            "modelyard_requirement with a requirement, e.g. modelyard[serve]>=0.1"
        )
    return git_requirement(remote, commit)


def plots_requirement(requirement: str) -> str:
    """The requirement the ``dev`` extra names for modelyard's plots.

    An index requirement becomes plain ``modelyard[plots]``. A direct reference (a
    wheel, a git URL) cannot be found on an index, so the extra is added to the
    same reference: ``modelyard[serve] @ URL`` becomes ``modelyard[serve,plots] @ URL``.
    """
    name, at, where = requirement.partition("@")
    if not at:
        return PLOTS_REQUIREMENT
    name = name.strip()
    if name.endswith("]"):
        return f"{name[:-1]},plots] @ {where.strip()}"
    return f"{name}[plots] @ {where.strip()}"


def write_requirement(project: Path, requirement: str) -> None:
    """Put ``requirement`` in the project's dependencies; a wheel is copied into the image."""
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    line = f"dependencies = [{json.dumps(TEMPLATE_REQUIREMENT)}]"
    text = text.replace(line, f"dependencies = [{json.dumps(requirement)}]")
    plots = f"    {json.dumps(PLOTS_REQUIREMENT)},\n"
    pyproject.write_text(
        text.replace(plots, f"    {json.dumps(plots_requirement(requirement))},\n", 1),
        encoding="utf-8",
    )
    dockerfile = project / "Dockerfile"
    if ROOT_URI in requirement and dockerfile.exists():
        text = dockerfile.read_text(encoding="utf-8")
        copy = "COPY src/ src/\n"
        dockerfile.write_text(
            text.replace(copy, f"{copy}COPY {WHEELS}/ {WHEELS}/\n", 1), encoding="utf-8"
        )


def cruft_record(answers: dict, commit: str | None) -> dict:
    """The ``.cruft.json`` content that cruft itself would write for this project."""
    context = {k: v for k, v in answers.items() if k not in MACHINE_KEYS}
    context["_template"] = template_location(answers.get("_template", ""))
    context["_commit"] = commit
    return {
        "template": context["_template"],
        "commit": commit,
        "checkout": answers.get("_checkout"),
        "context": {"cookiecutter": context},
        "directory": None,
    }


def write_cruft_record(project: Path, answers: dict) -> None:
    """Write ``.cruft.json``, unless cruft is running this hook (it writes its own)."""
    if "_commit" in answers:
        return
    record = cruft_record(answers, template_commit(answers.get("_repo_dir")))
    if record["commit"] is None:
        print(
            "note: the template is not a git checkout, so .cruft.json records no commit; "
            "`cruft update` needs one (run `cruft link` with the template's URL)",
            file=sys.stderr,
        )
    text = json.dumps(record, indent=2, ensure_ascii=False)
    (project / ".cruft.json").write_text(text + "\n", encoding="utf-8")


def main() -> int:
    """Lay out the project in the current folder for the answers, and record them."""
    answers = json.loads(ANSWERS_JSON)
    project = Path.cwd()
    apply_layout(project, answers)
    try:
        write_requirement(project, template_requirement(answers, project))
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    write_cruft_record(project, answers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
