"""Jinja filters of this template, loaded by cookiecutter through ``_extensions``.

Cookiecutter imports this module from the template's root while it renders, so
it may use only the standard library and Jinja (which cookiecutter brings).
"""

from __future__ import annotations

import json
from pathlib import Path

from jinja2 import Environment
from jinja2.ext import Extension


def toml_string(value: object) -> str:
    """``value`` as a TOML basic string, valid for any Unicode text.

    JSON's string syntax without ASCII escaping is TOML's, except that TOML
    also forbids a raw DEL (U+007F). Jinja's ``tojson`` will not do: it writes
    characters beyond the BMP (an emoji) as a surrogate pair of ``\\u``
    escapes, which TOML rejects.
    """
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")


class TomlExtension(Extension):
    """Adds the ``toml_string`` filter: ``description = {{ text | toml_string }}``."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["toml_string"] = toml_string


class HooksExtension(Extension):
    """Names the template's ``hooks/`` folder to the hooks: ``{{ hooks_folder }}``.

    Cookiecutter runs each hook from a rendered temporary copy, so a hook finds the
    module the two hooks share (``hooks/template_answers.py``) through this name.
    """

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.globals["hooks_folder"] = str(Path(__file__).resolve().parent / "hooks")
