"""What real training data must satisfy. Missing feature values are allowed: the model
imputes them, and its data contract lets the API take ``null`` for such features."""

from __future__ import annotations

from {{ cookiecutter.package_name }}.data import ProjectData


def test_training_data_has_one_target_value_per_row(data):
    assert len(data.x) == len(data.y) > 0


def test_no_target_value_is_missing(data):
    assert not data.y.isna().any()


def test_the_target_has_at_least_two_values(data):
    assert data.y.nunique() >= 2


def test_feature_names_are_unique_text(data):
    columns = list(data.x.columns)

    assert all(isinstance(name, str) for name in columns)
    assert len(set(columns)) == len(columns)


def test_prediction_data_is_read_with_the_training_columns(data, tmp_path):
    path = tmp_path / "rows.csv"
    data.x.head(3).to_csv(path, index=False)

    assert list(ProjectData().load_prediction_data(path).columns) == list(data.x.columns)
