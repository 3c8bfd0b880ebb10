"""An estimator restricted to some input columns: ColumnTransformers forget the others."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from modelyard.columns import restrict
from modelyard.exceptions import ModelyardError

COLUMNS = ["a", "b", "colour", "d"]


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "a": rng.normal(size=40),
            "b": rng.normal(size=40),
            "colour": ["red", "blue"] * 20,
            "d": rng.normal(size=40),
        }
    )


def pipeline(numbers, strings) -> object:
    columns = ColumnTransformer(
        [("numbers", StandardScaler(), numbers), ("strings", OneHotEncoder(), strings)]
    )
    return make_pipeline(columns, LogisticRegression())


def specs(estimator) -> dict:
    return {name: spec for name, _, spec in estimator[0].transformers}


def test_named_columns_are_cut_to_the_kept_ones_and_it_fits_on_them(frame):
    restricted = restrict(pipeline(["a", "b", "d"], ["colour"]), ["a", "colour"], COLUMNS)

    restricted.fit(frame[["a", "colour"]], [0, 1] * 20)

    assert specs(restricted) == {"numbers": ["a"], "strings": ["colour"]}


@pytest.mark.parametrize(
    "numbers", [[0, 1, 3], slice(0, 2), [True, True, False, False], slice("a", "b")]
)
def test_positions_masks_and_slices_become_names(numbers):
    restricted = restrict(pipeline(numbers, [2]), ["b", "colour"], COLUMNS)

    assert specs(restricted) == {"numbers": ["b"], "strings": ["colour"]}


def test_a_part_left_without_columns_is_removed():
    restricted = restrict(pipeline(["a", "b"], ["colour"]), ["a", "b"], COLUMNS)

    assert specs(restricted) == {"numbers": ["a", "b"]}


def test_a_single_column_part_keeps_its_one_name():
    restricted = restrict(pipeline(["a"], "colour"), ["a", "colour"], COLUMNS)

    assert specs(restricted)["strings"] == "colour"


def test_a_column_selector_selects_from_what_remains(frame):
    selector = make_column_selector(dtype_include="number")
    restricted = restrict(pipeline(selector, ["colour"]), ["b", "colour"], COLUMNS)

    restricted.fit(frame[["b", "colour"]], [0, 1] * 20)

    assert specs(restricted)["numbers"] is not selector  # a copy, left as it was
    assert list(restricted[0].transformers_[0][2]) == ["b"]


def test_a_pipeline_without_a_column_transformer_is_unchanged(frame):
    plain = make_pipeline(StandardScaler(), LogisticRegression(C=0.5))

    restricted = restrict(plain, ["a", "d"], COLUMNS).fit(frame[["a", "d"]], [0, 1] * 20)

    assert restricted[-1].C == 0.5
    assert restricted[-1].n_features_in_ == 2


def test_a_nested_pipeline_first_step_is_restricted_too():
    nested = make_pipeline(pipeline(["a", "b"], ["colour"])[:1], LogisticRegression())

    restricted = restrict(nested, ["b"], COLUMNS)

    assert specs(restricted[0]) == {"numbers": ["b"]}


def test_the_original_estimator_is_left_as_it_was():
    original = pipeline(["a", "b"], ["colour"])

    restrict(original, ["a"], COLUMNS)

    assert specs(original) == {"numbers": ["a", "b"], "strings": ["colour"]}


def test_a_callable_column_choice_is_refused():
    with pytest.raises(ModelyardError, match="part 'numbers' are chosen by <lambda>"):
        restrict(pipeline(lambda x: ["a"], ["colour"]), ["a"], COLUMNS)


def test_keeping_only_columns_the_transformer_never_reads_is_refused():
    with pytest.raises(ModelyardError, match="none of the columns 'd' is read"):
        restrict(pipeline(["a"], ["colour"]), ["d"], COLUMNS)


def test_positions_without_the_datas_columns_are_refused():
    with pytest.raises(ModelyardError, match="chooses columns by position"):
        restrict(pipeline([0, 1], ["colour"]), ["a"])


def test_an_unknown_column_is_refused_naming_the_valid_ones():
    with pytest.raises(ModelyardError, match="unknown column 'e'; the data's columns are 'a'"):
        restrict(pipeline(["a"], ["colour"]), ["a", "e"], COLUMNS)
