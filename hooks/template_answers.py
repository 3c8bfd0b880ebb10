"""What both hooks read from the answers, defined once.

Cookiecutter runs only ``pre_gen_project.py`` and ``post_gen_project.py`` of this folder,
each rendered into a temporary file; they import this module from the template's
``hooks/`` folder, which the Jinja extension in ``local_extensions.py`` names to them
(``{{ hooks_folder }}``). Standard library only.
"""

from __future__ import annotations

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
