"""Reject answers that would generate a broken project, before anything is written.

Cookiecutter renders this file with the answers, then runs it; a non-zero exit
stops generation and removes the project folder. Answers are read as JSON data,
so a quote in an answer cannot break or inject into this script.
"""

from __future__ import annotations

import json
import keyword
import re
import sys

ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")

SLUG = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
PACKAGE = re.compile(r"^[a-z_][a-z0-9_]*$")
RESERVED = {"modelyard", "test", "tests", "src"}


def problems(answers: dict[str, str]) -> list[str]:
    """Return one message per invalid answer, each saying what to type instead."""
    found = []
    slug, package = answers["project_slug"], answers["package_name"]
    if not SLUG.match(slug):
        found.append(
            f"project_slug {slug!r} is not valid: use lowercase letters, digits and single "
            "hyphens, starting with a letter (e.g. churn-model)"
        )
    if not PACKAGE.match(package) or keyword.iskeyword(package):
        found.append(
            f"package_name {package!r} is not a valid Python package name: use lowercase "
            "letters, digits and underscores, starting with a letter (e.g. churn_model)"
        )
    elif package in RESERVED or package in sys.stdlib_module_names:
        found.append(
            f"package_name {package!r} would shadow an existing module; choose another, "
            f"e.g. {package}_model"
        )
    return found


def main() -> int:
    """Print every problem and fail, or succeed silently."""
    found = problems(ANSWERS)
    for message in found:
        print(f"error: {message}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
