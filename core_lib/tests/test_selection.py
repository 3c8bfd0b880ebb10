"""Feature selection: permutation importance, RFECV and forward selection."""

from __future__ import annotations

import pytest
from pipelines import penguin_mass_pipeline, penguins_pipeline
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from modelyard import Model
from modelyard.data import Dataset
from modelyard.exceptions import ModelyardError
from modelyard.runlog import list_runs, read_run
from modelyard.store import load_model

SIGNAL = ["signal_a", "signal_b", "signal_c"]
METHODS = ["permutation", "rfecv", "sequential"]


class Columns(Dataset):
    """Some of another dataset's columns, to score what a selection kept."""

    def __init__(self, data: Dataset, columns: list[str]):
        self.source, self.columns = data, columns

    def load_training_data(self):
        return self.source.x[self.columns], self.source.y

    def load_prediction_data(self):
        return self.source.x[self.columns]


@pytest.fixture
def logistic() -> Model:
    return Model(make_pipeline(StandardScaler(), LogisticRegression()), name="noisy")


@pytest.mark.parametrize("method", METHODS)
def test_each_method_keeps_the_informative_features(logistic, noisy_data, method):
    chosen = logistic.select_features(noisy_data, method=method, n_features=3, cv=3)

    assert chosen.selected == SIGNAL
    assert chosen.dropped == ["noise_a", "noise_b", "noise_c"]
    assert list(chosen.scores.index) == list(noisy_data.x.columns)
    assert chosen.scores["selected"].sum() == 3


def test_permutation_without_n_features_keeps_the_features_that_help(noisy_data):
    model = Model(RandomForestClassifier(n_estimators=30, random_state=0))

    chosen = model.select_features(noisy_data, method="permutation")

    assert set(SIGNAL) <= set(chosen.selected)
    helpful = chosen.scores.loc[chosen.selected, "importance"]
    assert (helpful > 0).all()


def test_rfecv_reports_rankings_and_a_cross_validated_score(logistic, noisy_data):
    chosen = logistic.select_features(noisy_data, method="rfecv", cv=3)

    assert set(SIGNAL) <= set(chosen.selected)
    assert (chosen.scores.loc[chosen.selected, "ranking"] == 1).all()
    assert 0.8 < chosen.score <= 1.0


def test_sequential_records_the_order_features_were_added(logistic, noisy_data):
    chosen = logistic.select_features(noisy_data, method="sequential", n_features=2, cv=3)

    assert chosen.scores.loc["signal_a", "step"] == 1
    assert sorted(chosen.scores["step"]) == [0, 0, 0, 0, 1, 2]


def test_the_restricted_model_trains_on_the_full_table_and_reads_only_the_selected(
    logistic, noisy_data
):
    chosen = logistic.select_features(noisy_data, method="sequential", n_features=3, cv=3)

    restricted = chosen.model().train(noisy_data)

    assert restricted.features == chosen.selected
    assert restricted.schema.names == chosen.selected
    assert restricted.estimator[-1].n_features_in_ == 3
    assert len(restricted.predict(noisy_data.x[chosen.selected])) == len(noisy_data.x)


def test_the_restricted_model_saves_and_loads_without_extra_trust(logistic, noisy_data):
    chosen = logistic.select_features(noisy_data, method="permutation", n_features=3)
    restricted = chosen.model().train(noisy_data)

    loaded = load_model(restricted.save("models"))

    rows = noisy_data.x[chosen.selected]
    assert loaded.schema.names == chosen.selected
    assert (loaded.predict(rows) == restricted.predict(rows)).all()


def test_the_choice_is_recorded_in_the_run_log(logistic, noisy_data):
    logistic.select_features(noisy_data, method="permutation", n_features=3, run_dir="runs")

    (record,) = list_runs("runs")
    assert record.kind == "select_features"
    assert record.options["method"] == "permutation"
    assert record.options["selected"] == SIGNAL
    assert "accuracy" in record.metrics


def test_the_plot_has_a_bar_per_feature(logistic, noisy_data):
    chosen = logistic.select_features(noisy_data, method="permutation", n_features=3)

    ax = chosen.plot()

    assert len(ax.patches) == 6
    assert "3 of 6 kept" in ax.get_title()


def test_an_unknown_method_is_refused(logistic, noisy_data):
    with pytest.raises(ModelyardError, match="choose from permutation, rfecv, sequential"):
        logistic.select_features(noisy_data, method="lasso")


@pytest.mark.parametrize("n_features", [0, 6, 2.5])
def test_an_impossible_number_of_features_is_refused(unfittable, noisy_data, n_features):
    with pytest.raises(ModelyardError, match="n_features must be"):
        unfittable.select_features(noisy_data, n_features=n_features)


def test_an_unknown_metric_is_refused_before_fitting(unfittable, noisy_data):
    with pytest.raises(ModelyardError, match="unknown metric"):
        unfittable.select_features(noisy_data, metric="acc")


@pytest.mark.parametrize("metric", ["rmse", "mae"])
@pytest.mark.parametrize("method", ["rfecv", "sequential"])
def test_an_error_metric_is_reported_positive_as_score_reports_it(regression_data, metric, method):
    model = Model(LinearRegression(), name="diabetes")

    chosen = model.select_features(
        regression_data, method=method, n_features=4, metric=metric, cv=3
    )
    kept = Columns(regression_data, chosen.selected)
    scored = Model(LinearRegression()).score(kept, cv=3, metrics=[metric])

    assert chosen.score > 0
    assert chosen.score == pytest.approx(scored.metrics[metric])
    assert read_run(chosen.run_record).metrics[metric] == pytest.approx(chosen.score)


# -- real tables: a ColumnTransformer pipeline over strings and missing values ----


@pytest.mark.parametrize("method", METHODS)
def test_each_method_selects_input_columns_of_a_column_transformer_classifier(penguins, method):
    model = Model(penguins_pipeline(), name="penguins")

    chosen = model.select_features(
        penguins, method=method, n_features=3, cv=3, n_repeats=3, quiet=True
    )

    assert list(chosen.scores.index) == list(penguins.x.columns)  # island, not island_Biscoe
    assert len(chosen.selected) == 3
    assert set(chosen.selected) <= set(penguins.x.columns)
    assert chosen.score > 0.8


@pytest.mark.parametrize("method", METHODS)
def test_each_methods_selection_trains_and_predicts_on_the_selected_columns(penguins, method):
    model = Model(penguins_pipeline(), name="penguins")
    chosen = model.select_features(
        penguins, method=method, n_features=2, cv=3, n_repeats=3, quiet=True
    )

    trained = model.with_features(chosen.selected).train(penguins)

    assert trained.schema.names == chosen.selected
    predicted = trained.predict(penguins.x[chosen.selected])
    assert set(predicted) <= set(penguins.y)


@pytest.mark.parametrize("method", METHODS)
def test_each_method_selects_input_columns_of_a_column_transformer_regressor(penguin_mass, method):
    model = Model(penguin_mass_pipeline(), name="mass")

    chosen = model.select_features(
        penguin_mass, method=method, n_features=3, metric="rmse", cv=3, quiet=True
    )
    trained = chosen.model().train(penguin_mass)

    assert set(chosen.selected) <= set(penguin_mass.x.columns)
    assert "species" in chosen.selected or "flipper_length_mm" in chosen.selected
    assert 0 < chosen.score < penguin_mass.y.std()  # better than predicting the mean
    assert trained.schema.names == chosen.selected
    assert len(trained.predict(penguin_mass.x[chosen.selected])) == len(penguin_mass.x)


def test_rfecv_without_a_number_keeps_the_best_cross_validated_set(penguin_mass):
    model = Model(penguin_mass_pipeline(), name="mass")

    chosen = model.select_features(penguin_mass, method="rfecv", metric="rmse", cv=3, quiet=True)
    kept = Model(penguin_mass_pipeline()).with_features(chosen.selected)
    scored = kept.score(penguin_mass, cv=3, metrics=["rmse"])

    ranking = chosen.scores["ranking"]
    assert (ranking[chosen.selected] == 1).all()
    assert sorted(ranking[chosen.dropped]) == list(range(2, len(chosen.dropped) + 2))
    assert chosen.score == pytest.approx(scored.metrics["rmse"])


def test_a_selection_of_a_restricted_model_chooses_among_its_columns(penguins):
    model = Model(penguins_pipeline()).with_features(["island", "bill_length_mm", "sex"])

    chosen = model.select_features(penguins, method="sequential", n_features=2, cv=3, quiet=True)

    assert list(chosen.scores.index) == ["island", "bill_length_mm", "sex"]


def test_with_features_refuses_an_unknown_column_naming_the_valid_ones(penguins):
    model = Model(penguins_pipeline())

    with pytest.raises(ModelyardError, match=r"unknown column 'beak'.*'island', 'bill_length_mm'"):
        model.with_features(["island", "beak"], all_columns=penguins.x.columns)


def test_training_on_data_without_a_selected_column_is_refused(penguins):
    model = Model(penguins_pipeline()).with_features(["island", "beak"])

    with pytest.raises(ModelyardError, match="unknown column 'beak'"):
        model.train(penguins)


def test_progress_counts_the_fits_on_stderr(penguins, monkeypatch, capsys):
    import functools

    from modelyard import selection
    from modelyard.progress import Progress

    monkeypatch.setattr(selection, "Progress", functools.partial(Progress, interval=0))
    model = Model(penguins_pipeline())

    model.select_features(penguins, method="rfecv", n_features=5, cv=2)

    lines = capsys.readouterr().err.splitlines()
    # 3 sets (7, 6 and 5 columns) of 2 folds: one line per fit, no more.
    assert len(lines) == 6
    assert lines[-1].startswith("rfecv selection: 6 of 6 (100%) fits, 5 columns")


def test_quiet_selection_shows_no_progress(penguins, monkeypatch, capsys):
    import functools

    from modelyard import selection
    from modelyard.progress import Progress

    monkeypatch.setattr(selection, "Progress", functools.partial(Progress, interval=0))

    Model(penguins_pipeline()).select_features(
        penguins, method="sequential", n_features=1, cv=2, quiet=True
    )

    assert capsys.readouterr().err == ""


def test_a_restricted_model_scores_on_a_holdout_split_of_the_full_table(penguin_mass):
    model = Model(penguin_mass_pipeline()).with_features(["species", "sex"])

    result = model.score(penguin_mass, metrics=["rmse"])

    assert model.schema.names == ["species", "sex"]
    assert 0 < result.metrics["rmse"] < penguin_mass.y.std()


def test_a_search_of_a_restricted_model_keeps_its_columns(penguin_mass):
    model = Model(penguin_mass_pipeline()).with_features(["species", "sex"])

    best, _ = model.gridsearch(penguin_mass, {"ridge__alpha": [0.1, 10.0]}, cv=2)

    assert best.features == ["species", "sex"]
    assert best.schema.names == ["species", "sex"]
