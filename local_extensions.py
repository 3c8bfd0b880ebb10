"""Jinja filters of this template, loaded by cookiecutter through ``_extensions``.

Cookiecutter imports this module from the template's root while it renders, so
it may use only the standard library and cookiecutter itself.
"""

from __future__ import annotations

import json

from cookiecutter.utils import simple_filter


@simple_filter
def toml_string(value: object) -> str:
    """``value`` as a TOML basic string, valid for any Unicode text.

    JSON's string syntax without ASCII escaping is TOML's, except that TOML
    also forbids a raw DEL (U+007F). Jinja's ``tojson`` will not do: it writes
    characters beyond the BMP (an emoji) as a surrogate pair of ``\\u``
    escapes, which TOML rejects.
    """
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")
