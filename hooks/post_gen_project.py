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
import shutil
import subprocess
import sys
from pathlib import Path

ANSWERS_JSON = r"""{{ cookiecutter | tojson }}"""

VARIANTS = "_variants"
CI_FILES = {
    "github": ("ci/github/ci.yml", ".github/workflows/ci.yml"),
    "gitlab": ("ci/gitlab/gitlab-ci.yml", ".gitlab-ci.yml"),
}
TASK_FILES = {"data.py": "src/{package}/data.py", "model.py": "src/{package}/model.py"}
TASK_FILES["test_model.py"] = "tests/test_model.py"
#: Files that exist only to serve the model over HTTP from a container.
API_FILES = ("Dockerfile", ".dockerignore", "tests/test_api.py")
#: Context keys that describe one machine's run of cookiecutter, not the project.
MACHINE_KEYS = ("_output_dir", "_repo_dir")
_TRUE = {"1", "true", "t", "yes", "y", "on"}
_FALSE = {"0", "false", "f", "no", "n", "off"}


def read_bool(value: object, name: str = "answer") -> bool:
    """Read a yes/no answer, whether it arrived as a boolean or as text ("no", "False", "0")."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{name} {value!r} is not yes or no: type yes or no")


def chosen_variants(answers: dict) -> dict[str, str]:
    """Map each variant file the answers choose (under ``_variants/``) to where it goes."""
    moves = {f"license/{answers['license']}.txt": "LICENSE"}
    if answers["ci_provider"] in CI_FILES:
        source, target = CI_FILES[answers["ci_provider"]]
        moves[source] = target
    for name, target in TASK_FILES.items():
        moves[f"task/{answers['task']}/{name}"] = target.format(package=answers["package_name"])
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
    write_cruft_record(project, answers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
