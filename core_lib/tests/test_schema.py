from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from modelyard import SchemaError
from modelyard.schema import ContractOptions, Feature, FeatureSchema

TRAINING = pd.DataFrame(
    {"age": [30, 40], "income": [1.5, 2.5], "plan": ["a", "b"], "vip": [True, False]}
)


@pytest.fixture
def schema() -> FeatureSchema:
    return FeatureSchema.from_frame(TRAINING)


def test_kinds_are_learned_from_the_training_dtypes(schema):
    assert [(f.name, f.kind) for f in schema.features] == [
        ("age", "integer"),
        ("income", "number"),
        ("plan", "category"),
        ("vip", "boolean"),
    ]


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


# -- the data contract -------------------------------------------------------


def test_a_feature_with_missing_values_in_training_is_nullable():
    schema = FeatureSchema.from_frame(pd.DataFrame({"a": [1.0, np.nan], "b": ["x", None]}))

    assert [f.nullable for f in schema.features] == [True, True]


def test_a_project_can_declare_a_feature_nullable(schema):
    declared = FeatureSchema.from_frame(TRAINING, ContractOptions(nullable=("age",)))

    assert [f.name for f in declared.features if f.nullable] == ["age"]


def test_categories_seen_in_training_are_recorded_in_order(schema):
    assert schema.features[2].categories == ("a", "b")


def test_too_many_categories_are_not_recorded():
    frame = pd.DataFrame({"id": [f"c{i}" for i in range(101)]})

    assert FeatureSchema.from_frame(frame).features[0].categories is None


def test_a_numbers_range_and_quantiles_are_recorded():
    [feature] = FeatureSchema.from_frame(pd.DataFrame({"x": np.arange(101.0)})).features

    assert (feature.minimum, feature.maximum) == (0.0, 100.0)
    assert feature.quantiles == (5.0, 25.0, 50.0, 75.0, 95.0)


def test_policies_come_from_the_options_per_feature():
    options = ContractOptions(unseen_category={"plan": "reject"}, out_of_range="reject")
    schema = FeatureSchema.from_frame(TRAINING, options)

    assert schema.features[2].unseen_category == "reject"
    assert schema.features[1].out_of_range == "reject"


def test_the_contract_round_trips_through_its_json_form():
    frame = pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": ["x", None, "y"], "c": [1, 2, 3]})
    schema = FeatureSchema.from_frame(frame, ContractOptions(out_of_range="reject"))

    assert FeatureSchema.from_dict(schema.to_dict()) == schema


def test_an_old_card_without_the_contract_still_loads():
    schema = FeatureSchema.from_dict(
        [{"name": "a", "kind": "number"}, {"name": "b", "kind": "string"}]
    )

    assert schema.features == (Feature("a", "number"), Feature("b", "category"))


def test_an_unknown_kind_is_one_error_naming_the_kinds():
    with pytest.raises(SchemaError, match="kind 'float'; the kinds are integer, number"):
        FeatureSchema.from_dict([{"name": "a", "kind": "float"}])


def test_the_contract_table_says_what_training_saw(penguins):
    table = FeatureSchema.from_frame(penguins.x).contract_table()

    assert (
        "island             category  no        3 categories: 'Biscoe', 'Dream', 'Torgersen'"
        in table
    )
    assert "bill_length_mm     number    yes       32.1 to 59.6, median 44.45" in table


def test_a_row_with_none_for_a_number_reads_as_missing():
    schema = FeatureSchema.from_frame(pd.DataFrame({"a": [1.0, np.nan], "b": ["x", "y"]}))

    frame = schema.validate({"a": None, "b": "x"})

    assert frame["a"].dtype == np.float64 and frame["a"].isna().all()
