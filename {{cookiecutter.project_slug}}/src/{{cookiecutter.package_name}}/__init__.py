"""The model package: where its data comes from (data.py) and how it is built (model.py).

A released wheel of this project also carries a trained model (``modelyard
release`` puts the chosen version in it); after ``pip install`` it loads with
:func:`load_model` and serves with ``modelyard serve {{ cookiecutter.package_name }}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from modelyard import Model


def load_model(**options: Any) -> Model:
    """The model this package was released with, checked like any saved model.

    ``options`` go to ``modelyard.load_model`` (for example ``trusted=[...]``).
    """
    from modelyard.packaged import load_packaged_model

    return load_packaged_model(__name__, **options)
