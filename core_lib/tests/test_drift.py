"""Reference sketches and drift: what is sketched, how new values are counted, the verdicts."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from modelyard.drift import (
    OTHER,
    SKETCH_ROWS,
    DriftThresholds,
    FeatureSketch,
    ReferenceProfile,
    compare,
    compare_profile,
    psi,
    sketch_frame,
    sketch_predictions,
    training_profile,
)
from modelyard.exceptions import ModelyardError

RNG = np.random.default_rng(21)
INTERIOR = np.linspace(0, 1, 11)[1:-1]


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 20_000
    return pd.DataFrame(
        {
            "normal": rng.normal(10, 2, n),
            "uniform": rng.uniform(-1, 1, n),
            "skewed": rng.lognormal(0, 1.5, n),
            "integer": rng.poisson(1.0, n),
            "colour": rng.choice(["red", "green", "blue"], n, p=[0.5, 0.3, 0.2]),
        }
    )


@pytest.mark.parametrize("column", ["normal", "uniform", "skewed"])
def test_continuous_sketch_edges_are_numpys_deciles(reference, column):
    sketch = sketch_frame(reference)[column]
    assert sketch.kind == "number"
    np.testing.assert_allclose(sketch.edges, np.quantile(reference[column], INTERIOR))
    np.testing.assert_allclose(sketch.shares, 0.1, atol=1e-3)


def test_a_large_frame_is_sketched_from_a_sample_close_to_the_whole():
    values = np.random.default_rng(5).normal(0, 1, SKETCH_ROWS * 5)

    sketch = sketch_frame(pd.DataFrame({"x": values}))["x"]

    assert sketch.n == SKETCH_ROWS
    np.testing.assert_allclose(sketch.edges, np.quantile(values, INTERIOR), atol=0.05)


def test_integer_sketch_has_one_edge_per_distinct_quantile(reference):
    sketch = sketch_frame(reference)["integer"]
    assert sketch.edges == tuple(np.unique(np.quantile(reference["integer"], INTERIOR)))
    expected = np.bincount(np.searchsorted(sketch.edges, reference["integer"], side="left"))
    np.testing.assert_allclose(sketch.shares, expected / len(reference))
    assert sum(sketch.shares) == pytest.approx(1.0)


def test_category_sketch_holds_the_share_of_each_value(reference):
    sketch = sketch_frame(reference)["colour"]
    shares = reference["colour"].value_counts(normalize=True)
    assert sketch.categories == ("red", "green", "blue")
    np.testing.assert_allclose(sketch.shares[:3], shares[list(sketch.categories)])
    assert sketch.shares[-1] == 0.0
    assert sketch.labels[-1] == OTHER


def test_an_unseen_category_is_counted_in_the_other_bin(reference):
    sketch = sketch_frame(reference)["colour"]
    counts = sketch.counts(pd.Series(["red", "purple", None, "blue", "purple"]))
    assert counts.tolist() == [1, 0, 1, 2, 1]


def test_a_category_read_as_a_number_is_found_as_text():
    sketch = sketch_frame(pd.DataFrame({"code": ["1", "2", "2"]}), kinds={"code": "category"})[
        "code"
    ]
    assert sketch.counts(pd.Series([2, 1, 3])).tolist()[:3] == [1, 1, 1]


def test_only_the_most_common_categories_are_named():
    values = pd.Series([f"v{i:03d}" for i in range(150)] * 2 + ["v149"])
    sketch = sketch_frame(pd.DataFrame({"many": values}))["many"]
    assert len(sketch.categories) == 100
    assert sketch.categories[0] == "v149"
    assert sketch.shares[-1] == pytest.approx(50 * 2 / len(values))


def test_the_last_count_is_the_missing_slot():
    sketch = sketch_frame(pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]}))["x"]
    counts = sketch.counts(np.array([np.nan, 1.0, np.nan, 100.0]))
    assert len(counts) == sketch.n_bins + 1
    assert counts.dtype == np.int64
    assert counts[-1] == 2
    assert counts[0] == 1 and counts[-2] == 1


def test_an_all_missing_column_is_sketched_as_missing():
    sketch = sketch_frame(pd.DataFrame({"x": [np.nan] * 5}), kinds={"x": "number"})["x"]
    assert sketch.missing == 1.0
    assert sketch.n_bins == 1
    assert sketch.shares == (0.0,)


def test_a_constant_column_gets_two_bins():
    sketch = sketch_frame(pd.DataFrame({"x": [3] * 50}))["x"]
    assert sketch.edges == (3.0,)
    assert sketch.shares == (1.0, 0.0)


def test_the_missing_rate_is_recorded(reference):
    column = reference["normal"].copy()
    column[: len(column) // 4] = np.nan
    sketch = sketch_frame(pd.DataFrame({"normal": column}))["normal"]
    assert sketch.missing == pytest.approx(0.25)
    assert sum(sketch.shares) == pytest.approx(1.0)


def test_kinds_from_the_data_contract_choose_the_sketch():
    frame = pd.DataFrame({"flag": [True, False, True], "zip": [1000, 2000, 1000]})
    sketches = sketch_frame(frame, kinds={"flag": "boolean", "zip": "category"})
    assert sketches["flag"].kind == "number"
    assert sketches["zip"].categories == ("1000", "2000")


def test_prediction_sketches_are_class_shares_or_quantile_bins():
    classes = sketch_predictions(np.array(["a", "b", "b", "b"]), "classification")
    values = sketch_predictions(RNG.normal(size=1000), "regression")
    assert classes.name == values.name == "prediction"
    assert classes.categories == ("b", "a")
    assert values.n_bins == 10


def test_psi_is_zero_for_the_same_data_and_large_for_shifted_data(reference):
    sketch = sketch_frame(reference)["normal"]
    same = compare(sketch, sketch.counts(reference["normal"]), DriftThresholds())
    shifted = compare(sketch, sketch.counts(reference["normal"] + 2), DriftThresholds())
    assert same.psi == pytest.approx(0.0, abs=1e-9)
    assert same.verdict == "ok"
    assert shifted.psi > 0.5
    assert shifted.p_value < 1e-6
    assert shifted.verdict == "drift"


def test_psi_of_an_empty_bin_is_finite():
    assert np.isfinite(psi(np.array([0.5, 0.5, 0.0]), np.array([0.0, 0.5, 0.5])))


def test_fresh_rows_from_the_reference_distribution_do_not_drift(reference):
    sketches = sketch_frame(reference)
    fresh = np.random.default_rng(99).normal(10, 2, 5000)
    result = compare(sketches["normal"], sketches["normal"].counts(fresh), DriftThresholds())
    assert result.verdict == "ok"
    assert result.psi < 0.01


def test_a_changed_category_mix_drifts(reference):
    sketch = sketch_frame(reference)["colour"]
    current = np.random.default_rng(3).choice(["red", "green", "blue"], 5000, p=[0.1, 0.3, 0.6])
    assert compare(sketch, sketch.counts(current), DriftThresholds()).verdict == "drift"


def test_a_risen_missing_rate_drifts_on_its_own(reference):
    sketch = sketch_frame(reference)["uniform"]
    current = reference["uniform"].iloc[:1000].copy()
    current.iloc[:300] = np.nan
    result = compare(sketch, sketch.counts(current), DriftThresholds())
    assert result.verdict == "drift"
    assert result.missing_current == pytest.approx(0.3)


def test_too_few_rows_get_no_verdict(reference):
    sketch = sketch_frame(reference)["normal"]
    result = compare(sketch, sketch.counts(reference["normal"].iloc[:50] + 5), DriftThresholds())
    assert result.verdict == "too_few_rows"


def test_wrong_number_of_counts_is_refused(reference):
    sketch = sketch_frame(reference)["normal"]
    with pytest.raises(ModelyardError, match="bins"):
        compare(sketch, np.zeros(3, np.int64), DriftThresholds())


def test_thresholds_out_of_order_are_refused():
    with pytest.raises(ModelyardError, match="psi_warn"):
        DriftThresholds(psi_warn=0.3, psi_drift=0.2)


def test_profile_report_names_the_drifted_features(reference):
    profile = ReferenceProfile(sketch_frame(reference))
    current = reference.assign(normal=reference["normal"] + 3)
    counts = {name: sketch.counts(current[name]) for name, sketch in profile.features.items()}
    report = compare_profile(profile, counts, None, DriftThresholds())
    assert report.drifted == ["normal"]
    assert report.verdict == "drift"
    assert json.loads(json.dumps(report.to_dict()))["drifted"] == ["normal"]


def test_profile_round_trips_through_json(reference):
    profile = ReferenceProfile(
        sketch_frame(reference),
        sketch_predictions(reference["colour"], "classification"),
        "holdout",
    )
    again = ReferenceProfile.from_dict(json.loads(json.dumps(profile.to_dict())))
    assert again.features["normal"].edges == profile.features["normal"].edges
    assert again.prediction.categories == profile.prediction.categories
    assert again.prediction_source == "holdout"


def test_a_sketch_is_a_few_kilobytes_at_most():
    many = pd.DataFrame(
        {"x": RNG.normal(size=10_000), "c": [f"value-{i % 400:04d}" for i in range(10_000)]}
    )
    for sketch in sketch_frame(many, bins=20).values():
        assert len(json.dumps(sketch.to_dict())) < 4096


def test_an_invalid_sketch_in_a_card_is_one_error():
    with pytest.raises(ModelyardError, match="train and save the model again"):
        FeatureSketch.from_dict({"name": "x", "kind": "number", "edges": [2, 1], "shares": [1]})


def test_a_saved_card_carries_the_profile_and_loads_it_back(trained_penguins, workdir):
    from modelyard.store import load_model

    ref = trained_penguins.save("models")

    card = json.loads((ref.path / "model.json").read_text())
    loaded = load_model(str(ref))
    assert card["monitoring"] == trained_penguins.monitoring.to_dict()
    assert loaded.monitoring == trained_penguins.monitoring
    assert set(loaded.monitoring.features) == set(trained_penguins.schema.names)


def test_predictions_are_sketched_in_sample_without_a_scoring_run(trained_penguins):
    assert trained_penguins.monitoring.prediction_source == "in-sample"
    assert set(trained_penguins.monitoring.prediction.categories) <= set(trained_penguins.classes)


def test_predictions_are_sketched_from_the_holdout_of_the_scoring_run(classifier, binary_data):
    result = classifier.score(binary_data)

    classifier.train(binary_data)

    assert classifier.monitoring.prediction_source == "holdout"
    assert classifier.monitoring.prediction.n == result.n_test


def test_features_are_sketched_when_the_model_cannot_predict(reference):
    def predict(rows):
        raise RuntimeError("no")

    profile = training_profile(reference, None, "regression", predict)

    assert profile.prediction is None
    assert profile.prediction_source == "unavailable (RuntimeError on predict)"
    assert set(profile.features) == set(reference.columns)


def test_one_value_lands_in_the_slot_that_counts_gives_it(reference):
    sketches = sketch_frame(reference)
    values = {"normal": [7.0, 10.0, 1e9, None, float("nan"), "x"], "colour": ["red", "teal", None]}
    for name, column in values.items():
        sketch = sketches[name]
        slots = np.bincount(
            [sketch.bin_index(value) for value in column], minlength=sketch.n_bins + 1
        )
        assert slots.tolist() == sketch.counts(pd.Series(column, dtype=object)).tolist()
