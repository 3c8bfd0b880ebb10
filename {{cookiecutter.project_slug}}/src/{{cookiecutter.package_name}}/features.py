"""How raw columns become model inputs: numbers and strings chosen by dtype, gaps filled.

Real tables have missing values and text columns. The preprocessing below
picks numeric and string columns by their dtype (no list of names to keep in
step with the data), fills missing values the way training saw them, and
one-hot encodes strings, ignoring a category it never saw. The model saved
with it carries its data contract (see ``modelyard models show NAME --contract``):
a feature with missing values in training takes ``null`` at the API.
"""

from __future__ import annotations

from sklearn.compose import ColumnTransformer, make_column_selector, make_column_transformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

#: Columns of numbers, and columns of text (object or string dtype).
NUMBERS = make_column_selector(dtype_include="number")
STRINGS = make_column_selector(dtype_include=["object", "string"])


def preprocessing() -> ColumnTransformer:
    """Impute and scale numbers; impute and one-hot encode strings."""
    numbers = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    strings = make_pipeline(
        SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")
    )
    return make_column_transformer((numbers, NUMBERS), (strings, STRINGS))
