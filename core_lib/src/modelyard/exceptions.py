"""The errors modelyard raises.

Every error is a :class:`ModelyardError`, so a caller (the command line, the
server) can tell a user's mistake from a bug with one ``except``. Messages say
what is wrong and what to do next.
"""

from __future__ import annotations


class ModelyardError(Exception):
    """Base class of every error modelyard raises on purpose."""


class ConfigError(ModelyardError):
    """The project's ``[tool.modelyard]`` configuration is missing or invalid."""


class DataError(ModelyardError):
    """A dataset returned data that cannot be used for training or scoring."""


class NotTrainedError(ModelyardError):
    """The model was asked to predict or be saved before it was trained."""


class SchemaError(ModelyardError):
    """Input features do not match the feature schema learned at training."""


class ArtifactError(ModelyardError):
    """A saved model cannot be found, read or trusted."""


class PlotError(ModelyardError):
    """A plot was asked for data it cannot be drawn from, or for a model it does not fit."""


class ReleaseError(ModelyardError):
    """A release cannot be built or published: a dirty tree, no model, a version already out."""


class FitError(ModelyardError):
    """The estimator refused the training data; the message names the step and the column."""


class RunLogError(ModelyardError):
    """A run record cannot be read: it is not JSON, or a field has the wrong type."""


class UnsafeFileError(ModelyardError, OSError):
    """A file is a link, a device, a FIFO or a folder, or is larger than allowed."""


class RunLogWarning(UserWarning):
    """A run record could not be written; the run itself went on."""


class VersionWarning(UserWarning):
    """A saved model was made with other library versions than the ones loading it."""


class StoreWarning(UserWarning):
    """The model store holds something modelyard did not write; it is ignored."""
