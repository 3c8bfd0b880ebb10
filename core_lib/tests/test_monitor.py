"""`modelyard monitor`: production rows against the card's sketches, its report and exit status."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from modelyard.artifact import CARD_FILE, card_digest
from modelyard.cli import main
from modelyard.monitor import monitor_file


@pytest.fixture
def saved_penguins(trained_penguins) -> str:
    return str(trained_penguins.save("models"))


@pytest.fixture
def drifted(penguins) -> pd.DataFrame:
    """The penguins with longer bills and every bird moved to one island."""
    frame = penguins.x.copy()
    frame["bill_length_mm"] = frame["bill_length_mm"] + 15
    frame["island"] = "Torgersen"
    return frame


def _write(frame: pd.DataFrame, name: str) -> str:
    if name.endswith(".csv"):
        frame.to_csv(name, index=False)
    else:
        frame.to_parquet(name, index=False)
    return name


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_drift_fails_the_command_with_fail_on_drift(saved_penguins, drifted, suffix, capsys):
    current = _write(drifted, f"today.{suffix}")

    status = main(["monitor", saved_penguins, "--current", current, "--fail-on-drift"])

    out = capsys.readouterr().out
    assert status == 1
    assert "verdict: drift (drift in island, bill_length_mm, prediction)" in out


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_the_training_rows_do_not_drift(saved_penguins, penguins, suffix, capsys):
    current = _write(penguins.x, f"today.{suffix}")

    status = main(["monitor", saved_penguins, "--current", current, "--fail-on-drift"])

    assert status == 0
    assert "verdict: ok" in capsys.readouterr().out


def test_drift_without_fail_on_drift_exits_zero(saved_penguins, drifted):
    assert main(["monitor", saved_penguins, "--current", _write(drifted, "today.csv")]) == 0


def test_chunks_add_up_to_the_whole_file(saved_penguins, drifted):
    current = _write(drifted, "today.parquet")

    whole = monitor_file(saved_penguins, current).to_dict()
    chunked = monitor_file(saved_penguins, current, chunk_rows=7).to_dict()

    assert chunked == whole


def test_the_html_report_has_a_plot_per_feature_and_the_predictions(
    saved_penguins, drifted, penguins, workdir
):
    current = _write(drifted, "today.csv")

    main(["monitor", saved_penguins, "--current", current, "--output", "drift.html"])

    page = (workdir / "drift.html").read_text()
    assert page.count("<figure>") == len(penguins.x.columns) + 1
    assert "data:image/png;base64," in page
    assert not list(workdir.glob(".drift.html.*"))


def test_the_json_report_names_the_drifted_features(saved_penguins, drifted, workdir):
    current = _write(drifted, "today.csv")

    main(["monitor", saved_penguins, "--current", current, "--json", "drift.json"])

    report = json.loads((workdir / "drift.json").read_text())
    assert {"bill_length_mm", "island"} <= set(report["drifted"])
    assert report["prediction"]["verdict"] in ("ok", "warn", "drift")


def test_without_predictions_only_the_card_is_read(saved_penguins, drifted, workdir):
    (workdir / saved_penguins / "model.skops").unlink()  # proof the model file is not opened

    report = monitor_file(saved_penguins, _write(drifted, "today.csv"), predictions=False)

    assert report.prediction is None
    assert "bill_length_mm" in report.drifted


def test_a_file_without_a_feature_is_one_error_line(saved_penguins, penguins, capsys):
    current = _write(penguins.x.drop(columns="island"), "today.csv")

    status = main(["monitor", saved_penguins, "--current", current])

    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1
    assert "'island'" in err


@pytest.mark.parametrize("name", ["missing.csv", "today.txt"])
def test_an_unreadable_file_is_one_error_line(saved_penguins, name, capsys, workdir):
    (workdir / "today.txt").write_text("a,b\n")

    status = main(["monitor", saved_penguins, "--current", name])

    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("modelyard: error: ") and err.count("\n") == 1


def test_a_card_without_sketches_asks_to_train_again(saved_penguins, penguins, workdir, capsys):
    card_path = workdir / saved_penguins / CARD_FILE
    card = json.loads(card_path.read_text())
    del card["monitoring"]  # as an earlier modelyard wrote it
    card["card_sha256"] = card_digest(card)
    card_path.write_text(json.dumps(card))

    status = main(["monitor", saved_penguins, "--current", _write(penguins.x, "today.csv")])

    assert status == 2
    assert "train and save the model again" in capsys.readouterr().err


def test_thresholds_come_from_the_project(saved_penguins, penguins, workdir, capsys):
    (workdir / "pyproject.toml").write_text("[tool.modelyard.monitoring]\nmin_rows = 1000\n")

    main(
        [
            "monitor",
            saved_penguins,
            "--current",
            _write(penguins.x, "today.csv"),
            "--json",
            "r.json",
        ]
    )

    report = json.loads((workdir / "r.json").read_text())
    assert report["verdict"] == "too_few_rows"


def test_models_show_prints_the_sketches(trained_penguins, capsys):
    trained_penguins.save("models")

    assert main(["models", "show", "penguins", "--store", "models", "--monitoring"]) == 0

    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == [
        "feature",
        "kind",
        "bins",
        "missing",
        "rows",
        "largest",
        "bins",
    ]
    assert "island" in out and "prediction" in out
    assert "predictions sketched from: in-sample" in out
