from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from modelyard import SchemaError
from modelyard.schema import Feature, FeatureSchema

TRAINING = pd.DataFrame(
    {"age": [30, 40], "income": [1.5, 2.5], "plan": ["a", "b"], "vip": [True, False]}
)


@pytest.fixture
def schema() -> FeatureSchema:
    return FeatureSchema.from_frame(TRAINING)


def test_kinds_are_learned_from_the_training_dtypes(schema):
    assert schema.features == (
        Feature("age", "integer"),
        Feature("income", "number"),
        Feature("plan", "string"),
        Feature("vip", "boolean"),
    )


def test_schema_round_trips_through_its_json_form(schema):
    assert FeatureSchema.from_dict(schema.to_dict()) == schema


def test_validate_accepts_a_list_of_row_mappings(schema):
    rows = [{"plan": "a", "vip": True, "income": 1.0, "age": 3}]

    assert list(schema.validate(rows).columns) == ["age", "income", "plan", "vip"]


def test_validate_accepts_a_2d_array_in_training_order():
    schema = FeatureSchema.from_frame(pd.DataFrame({"a": [1.0], "b": [2.0]}))

    assert schema.validate(np.ones((3, 2))).shape == (3, 2)


def test_validate_names_the_expected_columns_when_an_array_has_the_wrong_width():
    schema = FeatureSchema.from_frame(pd.DataFrame({"a": [1.0], "b": [2.0]}))

    with pytest.raises(SchemaError, match="2 columns in this order: 'a', 'b'"):
        schema.validate(np.ones((3, 5)))


def test_validate_names_a_text_column_where_numbers_were_trained(schema):
    wrong = TRAINING.assign(income=["high", "low"])

    with pytest.raises(SchemaError, match="'income' should be number"):
        schema.validate(wrong)


def test_validate_reports_missing_and_unexpected_columns_together(schema):
    with pytest.raises(SchemaError, match=r"missing 1 feature.*'age'.*1 unexpected column: 'AGE'"):
        schema.validate(TRAINING.rename(columns={"age": "AGE"}))


def test_validate_refuses_an_unsupported_input_type(schema):
    with pytest.raises(SchemaError, match="not str"):
        schema.validate("age=3")
