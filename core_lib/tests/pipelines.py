"""The pipelines real tables need, shared by fixtures, tests and the test projects.

A plain module, not conftest.py: tests and the projects they write import from it by
name, and ``conftest`` is ambiguous (``tests/serving`` has its own).
"""

from __future__ import annotations

from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def penguins_pipeline():
    """Impute and scale numbers, impute and one-hot encode strings, then a classifier."""
    from sklearn.compose import make_column_selector, make_column_transformer
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import OneHotEncoder

    numbers = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    strings = make_pipeline(
        SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")
    )
    columns = make_column_transformer(
        (numbers, make_column_selector(dtype_include="number")),
        (strings, make_column_selector(dtype_include=["object", "string"])),
    )
    return make_pipeline(columns, LogisticRegression(max_iter=1000))


def penguin_mass_pipeline():
    """A regression pipeline whose ColumnTransformer names its columns: Ridge on them."""
    from sklearn.compose import make_column_transformer
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import OneHotEncoder

    numbers = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    strings = make_pipeline(
        SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")
    )
    columns = make_column_transformer(
        (numbers, ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "year"]),
        (strings, ["species", "island", "sex"]),
    )
    return make_pipeline(columns, Ridge())
