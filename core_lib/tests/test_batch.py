"""Batch scoring of files: chunked, CSV and Parquet, all or nothing, clear errors."""

from __future__ import annotations

import pandas as pd
import pytest

from modelyard.batch import predict_file
from modelyard.cli import main
from modelyard.exceptions import ConfigError, DataError, SchemaError


@pytest.fixture
def features(binary_data) -> pd.DataFrame:
    frame = binary_data.x.copy()
    frame.insert(0, "customer_id", range(len(frame)))
    return frame


@pytest.fixture
def saved_model(trained_classifier) -> str:
    return str(trained_classifier.save("models"))


@pytest.mark.parametrize(("source", "target"), [("csv", "parquet"), ("parquet", "csv")])
def test_predictions_match_in_memory_ones_across_chunks(
    trained_classifier, features, source, target, workdir
):
    _write(features, workdir / f"in.{source}")

    rows = predict_file(trained_classifier, f"in.{source}", f"out.{target}", chunk_rows=100)

    out = _read(workdir / f"out.{target}")
    assert rows == len(features) == len(out)
    assert (
        out["prediction"].tolist()
        == trained_classifier.predict(features.drop(columns="customer_id")).tolist()
    )
    # passed through; a CSV's other columns are text, so they reach Parquet as text
    assert out["customer_id"].astype(str).tolist() == features["customer_id"].astype(str).tolist()


def test_probabilities_get_one_column_per_class(trained_classifier, features, workdir):
    features.to_csv("in.csv", index=False)

    predict_file(trained_classifier, "in.csv", "out.csv", probabilities=True)

    out = pd.read_csv("out.csv")
    expected = trained_classifier.predict_proba(features.drop(columns="customer_id"))[:, 1]
    assert out["probability_1"].to_numpy() == pytest.approx(expected)


def test_parquet_output_keeps_every_input_value_and_the_probabilities(
    trained_classifier, features, workdir
):
    features.to_parquet("in.parquet", index=False)

    predict_file(trained_classifier, "in.parquet", "out.parquet", chunk_rows=70, probabilities=True)

    out = pd.read_parquet("out.parquet")
    pd.testing.assert_frame_equal(out[list(features.columns)], features)
    expected = trained_classifier.predict_proba(features.drop(columns="customer_id"))[:, 1]
    assert out["probability_1"].to_numpy() == pytest.approx(expected, rel=1e-12)


def test_progress_is_reported_after_every_chunk(trained_classifier, features, workdir):
    features.to_parquet("in.parquet")
    seen = []

    predict_file(
        trained_classifier,
        "in.parquet",
        "out.csv",
        chunk_rows=200,
        progress=lambda done, total: seen.append((done, total)),
    )

    assert seen == [(200, 569), (400, 569), (569, 569)]


def test_a_missing_column_is_named_and_nothing_is_written(trained_classifier, features, workdir):
    features.drop(columns=["mean area"]).to_csv("in.csv", index=False)

    with pytest.raises(SchemaError, match="'mean area'"):
        predict_file(trained_classifier, "in.csv", "out.csv")

    assert list(workdir.glob("*out*")) == []


def test_a_bad_value_names_the_chunk_and_row_and_leaves_no_half_file(
    trained_classifier, features, workdir
):
    features["mean area"] = features["mean area"].astype(object)
    features.loc[450, "mean area"] = "unknown"
    features.to_csv("in.csv", index=False)

    with pytest.raises(SchemaError, match=r"chunk 3 \(rows 401-569\).*'mean area'.*row 451"):
        predict_file(trained_classifier, "in.csv", "out.csv", chunk_rows=200)

    assert sorted(p.name for p in workdir.iterdir() if "out" in p.name) == []


def test_a_file_broken_further_in_is_a_data_error_and_leaves_no_half_file(
    trained_classifier, features, workdir
):
    lines = features.to_csv(index=False).splitlines()
    lines[450] += ",1,2,3"  # more fields than the header names, in the third chunk
    (workdir / "in.csv").write_text("\n".join(lines) + "\n")

    with pytest.raises(DataError, match=r"cannot read in\.csv"):
        predict_file(trained_classifier, "in.csv", "out.csv", chunk_rows=200)

    assert sorted(p.name for p in workdir.iterdir() if "out" in p.name) == []


def test_a_failed_run_keeps_the_previous_output(trained_classifier, features, workdir):
    (workdir / "out.csv").write_text("previous results\n")
    features.drop(columns=["mean area"]).to_csv("in.csv", index=False)

    with pytest.raises(SchemaError):
        predict_file(trained_classifier, "in.csv", "out.csv")

    assert (workdir / "out.csv").read_text() == "previous results\n"


@pytest.mark.parametrize(
    ("source", "target", "error"),
    [
        ("in.json", "out.csv", ConfigError),
        ("in.csv", "out.xlsx", ConfigError),
        ("missing.csv", "out.csv", DataError),
    ],
)
def test_unusable_file_names_are_clear_errors(
    trained_classifier, features, source, target, error, workdir
):
    features.to_csv("in.csv", index=False)
    (workdir / "in.json").write_text("{}")

    with pytest.raises(error):
        predict_file(trained_classifier, source, target)


def test_the_predict_command_scores_a_file(saved_model, features, workdir, capsys):
    features.to_parquet("in.parquet")

    status = main(["predict", saved_model, "--input", "in.parquet", "--output", "out.parquet"])

    assert status == 0
    assert "wrote 569 predictions" in capsys.readouterr().out
    assert len(pd.read_parquet("out.parquet")) == 569


def test_the_predict_command_reports_a_missing_column_in_one_line(saved_model, features, capsys):
    features.drop(columns=["mean area"]).to_csv("in.csv", index=False)

    status = main(["predict", saved_model, "--input", "in.csv", "--output", "out.csv"])

    assert status == 1
    assert "'mean area'" in capsys.readouterr().err


def _write(frame: pd.DataFrame, path) -> None:
    frame.to_csv(path, index=False) if path.suffix == ".csv" else frame.to_parquet(path)


def _read(path) -> pd.DataFrame:
    return pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path)


# -- nothing lost: the input, the ids, an existing column -------------------------


@pytest.mark.parametrize("output", ["in.csv", "./in.csv", "link.csv"])
def test_an_output_that_is_the_input_is_refused_before_reading(
    trained_classifier, features, workdir, output
):
    _write(features, workdir / "in.csv")
    (workdir / "link.csv").symlink_to(workdir / "in.csv")
    before = (workdir / "in.csv").read_bytes()

    with pytest.raises(ConfigError, match="is the input file"):
        predict_file(trained_classifier, "in.csv", output)
    assert (workdir / "in.csv").read_bytes() == before


def test_ids_with_leading_zeros_come_out_as_they_went_in(trained_classifier, features, workdir):
    features["customer_id"] = [f"{i:07d}" for i in range(len(features))]
    _write(features, workdir / "in.csv")

    predict_file(trained_classifier, "in.csv", "out.csv")

    out = pd.read_csv(workdir / "out.csv", dtype=str)
    assert out["customer_id"].tolist() == features["customer_id"].tolist()
    assert out["customer_id"][0] == "0000000"


def test_an_input_with_the_prediction_column_is_refused(trained_classifier, features, workdir):
    features["prediction"] = "theirs"
    _write(features, workdir / "in.csv")

    with pytest.raises(SchemaError, match="already has a column 'prediction'"):
        predict_file(trained_classifier, "in.csv", "out.csv")
    assert not (workdir / "out.csv").exists()


def test_the_prediction_column_can_be_named(trained_classifier, features, workdir):
    features["prediction"] = "theirs"
    _write(features, workdir / "in.csv")

    predict_file(trained_classifier, "in.csv", "out.csv", prediction_column="score")

    out = pd.read_csv(workdir / "out.csv")
    assert set(out["prediction"]) == {"theirs"} and "score" in out


def test_a_missing_output_folder_is_one_line_at_the_command_line(
    saved_model, features, workdir, capsys
):
    _write(features, workdir / "in.csv")

    status = main(["predict", saved_model, "--input", "in.csv", "--output", "nowhere/out.csv"])

    error = capsys.readouterr().err
    assert status != 0
    assert "the output folder nowhere does not exist" in error and "Traceback" not in error


def test_rows_with_missing_values_score_as_in_memory(trained_penguins, penguins, workdir):
    frame = penguins.x.copy()
    frame.insert(0, "id", [f"{i:04d}" for i in range(len(frame))])
    _write(frame, workdir / "in.csv")

    predict_file(trained_penguins, "in.csv", "out.csv", chunk_rows=50)

    out = pd.read_csv(workdir / "out.csv", dtype={"id": str})
    assert out["prediction"].tolist() == trained_penguins.predict(penguins.x).tolist()
    assert out["id"].tolist() == frame["id"].tolist()


def test_the_predict_command_takes_a_prediction_column_name(saved_model, features, workdir):
    features["prediction"] = "theirs"
    _write(features, workdir / "in.csv")

    status = main(
        ["predict", saved_model, "--input", "in.csv", "--output", "out.csv",
         "--prediction-column", "score"]
    )  # fmt: skip

    assert status == 0
    assert "score" in pd.read_csv(workdir / "out.csv")


def test_parquet_pass_through_columns_keep_their_types(trained_classifier, features, workdir):
    features["customer_id"] = [f"{i:07d}" for i in range(len(features))]
    features["joined"] = pd.Timestamp("2024-01-31")
    _write(features, workdir / "in.parquet")

    predict_file(trained_classifier, "in.parquet", "out.parquet")

    out = pd.read_parquet(workdir / "out.parquet")
    assert out["customer_id"].tolist() == features["customer_id"].tolist()
    assert out["joined"].dtype == features["joined"].dtype
