from __future__ import annotations

from {{ cookiecutter.package_name }}.data import ProjectData


def test_training_data_has_one_target_value_per_row(data):
    assert len(data.x) == len(data.y) > 0


def test_training_data_has_no_missing_values(data):
    assert not data.x.isna().any().any()


def test_prediction_data_is_read_with_the_training_columns(data, tmp_path):
    path = tmp_path / "rows.csv"
    data.x.head(3).to_csv(path, index=False)

    assert list(ProjectData().load_prediction_data(path).columns) == list(data.x.columns)
