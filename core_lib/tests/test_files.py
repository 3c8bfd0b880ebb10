from __future__ import annotations

import pandas as pd
import pytest

from modelyard import DataError
from modelyard.data import FileDataset


@pytest.fixture
def customers() -> pd.DataFrame:
    return pd.DataFrame(
        {"age": [25, 40, 61, 33], "plan": ["a", "b", "a", "c"], "churned": [0, 1, 1, 0]}
    )


@pytest.mark.parametrize("name", ["customers.csv", "customers.csv.gz", "customers.parquet"])
def test_a_file_gives_its_target_column_as_y_and_the_rest_as_x(customers, workdir, name):
    path = workdir / name
    if name.endswith(".parquet"):
        customers.to_parquet(path)
    else:
        customers.to_csv(path, index=False)

    data = FileDataset(path, target="churned")

    assert list(data.x.columns) == ["age", "plan"]
    assert data.y.tolist() == [0, 1, 1, 0]


def test_the_file_is_read_on_first_use_not_when_the_dataset_is_made(customers, workdir):
    data = FileDataset(workdir / "later.csv", target="churned")
    customers.to_csv(workdir / "later.csv", index=False)

    assert len(data.x) == 4


def test_prediction_data_is_the_features_without_the_target(customers, workdir):
    customers.to_csv(workdir / "c.csv", index=False)

    rows = FileDataset(workdir / "c.csv", target="churned").load_prediction_data(2)

    assert list(rows.columns) == ["age", "plan"] and len(rows) == 2


def test_a_missing_target_column_is_named_with_the_columns_there(customers, workdir):
    customers.to_csv(workdir / "c.csv", index=False)

    with pytest.raises(DataError, match=r"no target column 'churn'; its columns are: age, plan"):
        _ = FileDataset(workdir / "c.csv", target="churn").x


def test_a_missing_file_is_named():
    with pytest.raises(DataError, match=r"no such file: 'nowhere.csv'"):
        _ = FileDataset("nowhere.csv", target="y").x


def test_an_empty_file_is_refused(workdir):
    (workdir / "empty.csv").write_text("")

    with pytest.raises(DataError, match="is empty"):
        _ = FileDataset(workdir / "empty.csv", target="y").x


def test_a_file_with_a_header_but_no_rows_is_refused(workdir):
    (workdir / "header.csv").write_text("age,churned\n")

    with pytest.raises(DataError, match="has no rows"):
        _ = FileDataset(workdir / "header.csv", target="churned").x


def test_an_unreadable_parquet_file_is_refused_with_the_reason(workdir):
    (workdir / "broken.parquet").write_bytes(b"this is not parquet at all")

    with pytest.raises(DataError, match=r"cannot read '.*broken.parquet' as PARQUET"):
        _ = FileDataset(workdir / "broken.parquet", target="y").x


def test_a_csv_that_is_not_text_is_refused(workdir):
    (workdir / "binary.csv").write_bytes(bytes(range(256)) * 4)

    with pytest.raises(DataError, match=r"cannot read '.*binary.csv' as CSV"):
        _ = FileDataset(workdir / "binary.csv", target="y").x


def test_an_unknown_extension_is_refused_when_the_dataset_is_made():
    with pytest.raises(DataError, match=r"cannot tell the format of 'data.xlsx'.*\.csv, "):
        FileDataset("data.xlsx", target="y")


def test_a_folder_instead_of_a_file_is_refused(workdir):
    (workdir / "folder.csv").mkdir()

    with pytest.raises(DataError, match=r"folder.csv"):
        _ = FileDataset(workdir / "folder.csv", target="y").x


def test_a_file_holding_only_the_target_has_no_features(workdir):
    pd.DataFrame({"y": [0, 1]}).to_csv(workdir / "only.csv", index=False)

    with pytest.raises(DataError, match="only the target column 'y'"):
        _ = FileDataset(workdir / "only.csv", target="y").x


def test_a_target_with_missing_values_is_refused_with_the_count(workdir):
    (workdir / "gaps.csv").write_text("age,y\n1,0\n2,\n3,1\n")

    with pytest.raises(DataError, match="'y' has 1 missing values"):
        _ = FileDataset(workdir / "gaps.csv", target="y").x


@pytest.mark.parametrize("target", ["", None, 3])
def test_a_target_that_is_not_a_column_name_is_refused(target):
    with pytest.raises(DataError, match="target must be the name of a column"):
        FileDataset("x.csv", target=target)
