"""Models shipped as Python packages: a saved version inside a project's wheel.

A project's release (``modelyard release``) copies the chosen version of its
model into its package, as ``<package>/trained_model/`` (the model file and its
card), and builds the wheel with it. After ``pip install churn-model``::

    import churn_model
    model = churn_model.load_model()      # the released version, checked like any load

and ``modelyard serve churn_model`` serves it: :func:`modelyard.store.locate`
accepts the name of an installed package that holds a model (found by
:mod:`modelyard.shipped`). The release steps are :mod:`modelyard.packaging`'s.
"""

from __future__ import annotations

from typing import Any

from modelyard.loading import load_model
from modelyard.model import Model

# The release steps moved to modelyard.packaging and the lookup to modelyard.shipped;
# their names stay importable from here for one release.
from modelyard.packaging import embed_model as embed_model
from modelyard.packaging import package_dir as package_dir
from modelyard.packaging import release_model_package as release_model_package
from modelyard.packaging import remove_embedded as remove_embedded
from modelyard.packaging import require_model_in_wheel as require_model_in_wheel
from modelyard.shipped import PACKAGED_FOLDER as PACKAGED_FOLDER
from modelyard.shipped import find_packaged_model as find_packaged_model
from modelyard.shipped import packaged_model_path as packaged_model_path


def load_packaged_model(package: str, **options: Any) -> Model:
    """Load the model released inside ``package``, with every check of ``load_model``.

    Args:
        package: the import name of the model's package (``churn_model``).
        options: passed to :func:`modelyard.loading.load_model` (``trusted=``, ...).
    """
    return load_model(packaged_model_path(package), **options)
