"""Reject answers that would generate a broken project, before anything is written.

Cookiecutter renders this file with the answers, then runs it; a non-zero exit
stops generation and removes the project folder. The answers arrive as JSON text
in ``ANSWERS_JSON`` and are parsed only in :func:`main`, so a quote in an answer
cannot break or inject into this script, and the tests can import the checks
from the unrendered file.
"""

from __future__ import annotations

import json
import keyword
import re
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

ANSWERS_JSON = r"""{{ cookiecutter | tojson }}"""

SUPPORTED_PYTHON = ("3.10", "3.11", "3.12", "3.13")
SLUG = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
PACKAGE = re.compile(r"[a-z_][a-z0-9_]*")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
# Names a project package would shadow: modelyard itself, what the project imports, test folders.
RESERVED = {"modelyard", "sklearn", "numpy", "pandas", "scipy", "skops", "fastapi", "test", "tests"}
RESERVED |= {"src", "docs"}
_EXTRAS = r"(\[[a-z0-9_,\s-]+\])?"
_VERSION = r"(===?|~=|!=|>=|<=|<|>)\s*[A-Za-z0-9.*+!_-]+"
INDEX_REQUIREMENT = re.compile(rf"modelyard\s*{_EXTRAS}\s*({_VERSION}(\s*,\s*{_VERSION})*)?")
URL_REQUIREMENT = re.compile(rf"modelyard\s*{_EXTRAS}\s*@\s*(?P<url>[^\s\"'\\]+)")
#: The default answer: modelyard comes from the template the project was baked from.
TEMPLATE_REQUIREMENT = "template"
#: Where the generated project can ship manifests for (see post_gen_project.DEPLOY_FILES).
DEPLOY_TARGETS = ("none", "kubernetes", "kserve")
GIT_SCHEMES = ("git+https://", "git+ssh://", "git+http://", "git+file://")
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


def slug_problem(slug: str) -> str | None:
    """Why ``slug`` cannot name the repository and distribution, or None."""
    if not SLUG.fullmatch(slug):
        return (
            f"project_slug {slug!r} is not valid: use lowercase letters, digits and single "
            "hyphens, starting with a letter (e.g. churn-model)"
        )
    if slug == "modelyard":
        return (
            "project_slug 'modelyard' is the core library's own name; "
            "choose another, e.g. churn-model"
        )
    return None


def package_problem(package: str) -> str | None:
    """Why ``package`` cannot be the project's import name, or None."""
    if not PACKAGE.fullmatch(package) or keyword.iskeyword(package):
        return (
            f"package_name {package!r} is not a valid Python package name: use lowercase "
            "letters, digits and underscores, starting with a letter (e.g. churn_model)"
        )
    if package in RESERVED or package in sys.stdlib_module_names:
        return (
            f"package_name {package!r} would shadow an existing module; choose another, "
            f"e.g. {package}_model"
        )
    return None


def email_problem(email: str) -> str | None:
    """Why ``email`` is not an email address, or None."""
    if EMAIL.fullmatch(email):
        return None
    return f"author_email {email!r} is not an email address: type one like you@example.com"


def python_problem(version: str) -> str | None:
    """Why ``version`` is not a Python version the template supports, or None."""
    if version in SUPPORTED_PYTHON:
        return None
    return f"python_version {version!r} is not supported: type one of {', '.join(SUPPORTED_PYTHON)}"


def dependency_mode(requirement: str) -> str:
    """Return how ``requirement`` installs modelyard: ``template``, ``index``, ``git`` or ``path``.

    ``template`` (the default answer) means: from where the template was baked, which the
    post-generation hook resolves (a wheel in the project, or the template's git URL).
    Raises ValueError with the requirement to type instead when it is none of those.
    """
    text = requirement.strip()
    if text == TEMPLATE_REQUIREMENT:
        return "template"
    if INDEX_REQUIREMENT.fullmatch(text):
        return "index"
    match = URL_REQUIREMENT.fullmatch(text)
    if match is None:
        raise ValueError(_requirement_hint(text))
    url = match["url"]
    if url.startswith(GIT_SCHEMES):
        return "git"
    if url.startswith("file://"):
        folder = Path(unquote(urlparse(url).path))
        if not (folder / "pyproject.toml").is_file():
            raise ValueError(
                f"modelyard_requirement points at {folder}, which is not modelyard's source "
                "folder (no pyproject.toml); give the path of core_lib/ in a clone of the template"
            )
        return "path"
    raise ValueError(_requirement_hint(url))


def _requirement_hint(text: str) -> str:
    """The message for a requirement we cannot read, with the form to type instead."""
    start = f"modelyard_requirement {text!r} is not"
    if text.startswith(("git+", "https://", "ssh://", "git@")) or text.endswith(".git"):
        url = text if text.startswith("git+") else f"git+{text}"
        return f"{start} a requirement; type 'modelyard[serve] @ {url}#subdirectory=core_lib'"
    if text.startswith(("/", ".", "~")):
        path = Path(text).expanduser().absolute()
        return f"{start} a requirement; type 'modelyard[serve] @ {path.as_uri()}'"
    return (
        f"{start} a requirement for modelyard; type e.g. 'template', 'modelyard[serve]>=0.1', "
        "'modelyard[serve] @ git+https://host/team/ml-template.git#subdirectory=core_lib' "
        "or 'modelyard[serve] @ file:///path/to/core_lib'"
    )


def deploy_problem(deploy: str) -> str | None:
    """Refuse a deploy target the template has no manifests for."""
    if deploy not in DEPLOY_TARGETS:
        return f"deploy {deploy!r} is not one of {', '.join(DEPLOY_TARGETS)}: type one of them"
    return None


def contradictions(answers: dict, mode: str) -> list[str]:
    """Answers that cannot hold together: a local path seen by no CI runner and no image build."""
    found = []
    if mode == "path" and answers["ci_provider"] != "none":
        found.append(
            f"a local path for modelyard cannot be installed on a {answers['ci_provider']} CI "
            "runner; answer ci_provider=none, or depend on a version or a git URL"
        )
    if mode == "path" and read_bool(answers["include_api"], "include_api"):
        found.append(
            "a local path for modelyard cannot be installed inside the container image; "
            "answer include_api=no, or depend on a version or a git URL"
        )
    deploy = answers.get("deploy", "none")
    if deploy != "none" and not read_bool(answers["include_api"], "include_api"):
        found.append(
            f"deploy={deploy} runs the project's image, which include_api=no does not build; "
            "answer include_api=yes, or deploy=none"
        )
    return found


def problems(answers: dict) -> list[str]:
    """Return one message per invalid answer, each saying what to type instead."""
    checks = [
        slug_problem(answers["project_slug"]),
        package_problem(answers["package_name"]),
        email_problem(answers["author_email"]),
        python_problem(answers["python_version"]),
        deploy_problem(answers.get("deploy", "none")),
    ]
    found = [message for message in checks if message]
    try:
        read_bool(answers["include_api"], "include_api")
        mode = dependency_mode(answers["modelyard_requirement"])
    except ValueError as error:
        return [*found, str(error)]
    return found + contradictions(answers, mode)


def main() -> int:
    """Print every problem and fail, or succeed silently."""
    found = problems(json.loads(ANSWERS_JSON))
    for message in found:
        print(f"error: {message}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
