from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from modelyard import Model, ModelyardError, NotTrainedError, SchemaError
from modelyard.config import Settings
from modelyard.data import Dataset


class MajorityClassifier:
    """A compatible estimator that owes nothing to scikit-learn."""

    def fit(self, X, y):
        values, counts = np.unique(y, return_counts=True)
        self.classes_ = values
        self.share_ = counts / counts.sum()
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[np.argmax(self.share_)])

    def predict_proba(self, X):
        return np.tile(self.share_, (len(X), 1))


class MixedData(Dataset):
    def load_training_data(self):
        rng = np.random.default_rng(0)
        x = pd.DataFrame({"age": rng.integers(18, 80, 200), "plan": rng.choice(["a", "b"], 200)})
        return x, (x["age"] > 50).astype(int)

    def load_prediction_data(self):
        return self.x.head()


def _holdout(data, test_size=0.25, random_state=42, stratify=True):
    return train_test_split(
        data.x,
        data.y,
        test_size=test_size,
        random_state=random_state,
        stratify=data.y if stratify else None,
    )


def test_score_reports_accuracy_roc_auc_and_f1_for_a_classifier(classifier, binary_data):
    result = classifier.score(binary_data)

    assert list(result.metrics) == ["accuracy", "roc_auc", "f1"]


def test_classifier_metrics_equal_scikit_learn_on_the_same_split(classifier, binary_data):
    x_train, x_test, y_train, y_test = _holdout(binary_data)
    reference = clone(classifier.estimator).fit(x_train, y_train)

    result = classifier.score(binary_data)

    assert result.metrics["accuracy"] == pytest.approx(reference.score(x_test, y_test))
    assert result.metrics["roc_auc"] == pytest.approx(
        metrics.roc_auc_score(y_test, reference.predict_proba(x_test)[:, 1])
    )
    assert result.metrics["f1"] == pytest.approx(
        metrics.f1_score(y_test, reference.predict(x_test))
    )
    assert (result.n_train, result.n_test) == (len(x_train), len(x_test))


def test_regressor_metrics_equal_scikit_learn_on_the_same_split(regressor, regression_data):
    x_train, x_test, y_train, y_test = _holdout(regression_data, stratify=False)
    predicted = clone(regressor.estimator).fit(x_train, y_train).predict(x_test)

    result = regressor.score(regression_data)

    assert result.metrics == pytest.approx(
        {
            "r2": metrics.r2_score(y_test, predicted),
            "rmse": metrics.root_mean_squared_error(y_test, predicted),
            "mae": metrics.mean_absolute_error(y_test, predicted),
        }
    )


def test_multiclass_scoring_uses_one_vs_rest_auc_and_macro_f1(multiclass_data):
    model = Model(LogisticRegression(max_iter=1000))
    x_train, x_test, y_train, y_test = _holdout(multiclass_data)
    reference = LogisticRegression(max_iter=1000).fit(x_train, y_train)

    result = model.score(multiclass_data)

    assert result.metrics["roc_auc"] == pytest.approx(
        metrics.roc_auc_score(y_test, reference.predict_proba(x_test), multi_class="ovr")
    )
    assert result.metrics["f1"] == pytest.approx(
        metrics.f1_score(y_test, reference.predict(x_test), average="macro")
    )


def test_train_fits_on_every_row(classifier, binary_data):
    classifier.train(binary_data)

    assert classifier.estimator[-1].n_features_in_ == binary_data.x.shape[1]
    assert classifier.is_trained
    assert classifier.classes == [0, 1]


def test_predict_before_training_says_to_train_first(classifier, binary_data):
    with pytest.raises(NotTrainedError, match="train"):
        classifier.predict(binary_data.x)


def test_predict_puts_columns_in_training_order(trained_classifier, binary_data):
    shuffled = binary_data.x[binary_data.x.columns[::-1]]

    assert (trained_classifier.predict(shuffled) == trained_classifier.predict(binary_data.x)).all()


def test_predict_names_a_missing_feature(trained_classifier, binary_data):
    with pytest.raises(SchemaError, match=r"missing 1 feature.*'mean radius'"):
        trained_classifier.predict(binary_data.x.drop(columns="mean radius"))


def test_predict_names_an_unexpected_column(trained_classifier, binary_data):
    with pytest.raises(SchemaError, match="1 unexpected column: 'colour'"):
        trained_classifier.predict(binary_data.x.assign(colour="red"))


def test_predict_proba_gives_one_column_per_class(trained_classifier, binary_data):
    probabilities = trained_classifier.predict_proba(binary_data.x.head(4))

    assert probabilities.shape == (4, 2)
    assert np.allclose(probabilities.sum(axis=1), 1)


def test_predict_proba_on_a_regressor_says_it_has_none(regressor, regression_data):
    regressor.train(regression_data)

    with pytest.raises(ModelyardError, match="no predict_proba"):
        regressor.predict_proba(regression_data.x)


def test_an_estimator_outside_scikit_learn_is_scored_and_predicts(binary_data):
    model = Model(MajorityClassifier())

    result = model.score(binary_data)

    assert model.task == "classification"
    assert result.metrics["roc_auc"] == pytest.approx(0.5)
    assert set(model.predict(binary_data.x.head())) == {1}


def test_a_column_transformer_pipeline_handles_text_and_number_columns():
    features = ColumnTransformer(
        [("num", StandardScaler(), ["age"]), ("cat", OneHotEncoder(), ["plan"])]
    )
    model = Model(Pipeline([("features", features), ("clf", LogisticRegression())]))

    model.score(MixedData())

    assert [f.kind for f in model.schema.features] == ["integer", "category"]
    assert len(model.predict(MixedData().load_prediction_data())) == 5


def test_an_object_without_fit_is_refused_with_the_reason():
    with pytest.raises(ModelyardError, match="no fit or predict method"):
        Model(object())


def test_an_estimator_of_unknown_kind_asks_for_the_task():
    class Bare:
        def fit(self, X, y):
            return self

        def predict(self, X):
            return np.zeros(len(X))

    with pytest.raises(ModelyardError, match="task='regression'"):
        Model(Bare())
    assert Model(Bare(), task="regression").task == "regression"


def test_an_unknown_metric_is_refused_before_anything_is_fitted(classifier, binary_data):
    with pytest.raises(ModelyardError, match="unknown metric 'acuracy'; choose from accuracy"):
        classifier.score(binary_data, metrics=("acuracy",))

    assert not classifier.is_trained


def test_cross_validation_reports_mean_and_std_over_the_folds(classifier, binary_data):
    from sklearn.model_selection import StratifiedKFold, cross_validate

    folds = StratifiedKFold(n_splits=4, shuffle=True, random_state=42)
    reference = cross_validate(
        classifier.estimator, binary_data.x, binary_data.y, cv=folds, scoring="accuracy"
    )["test_score"]

    result = classifier.score(binary_data, cv=4, metrics=("accuracy", "roc_auc"))

    assert result.cv == 4
    assert result.metrics["accuracy"] == pytest.approx(reference.mean())
    assert result.std["accuracy"] == pytest.approx(reference.std())
    assert set(result.std) == {"accuracy", "roc_auc"}
    assert len(result.predictions.y_pred) == len(binary_data.x)


def test_cross_validation_leaves_the_wrapped_estimator_untouched(classifier, binary_data):
    classifier.score(binary_data, cv=3)

    assert not classifier.is_trained


def test_cross_validation_in_parallel_gives_the_same_numbers(regressor, regression_data):
    serial = regressor.score(regression_data, cv=3, n_jobs=1)
    parallel = regressor.score(regression_data, cv=3, n_jobs=2)

    assert parallel.metrics == pytest.approx(serial.metrics)


def test_cv_comes_from_the_settings_passed_in(classifier, binary_data):
    assert classifier.score(binary_data, settings=Settings(cv=3)).cv == 3


def test_score_ignores_a_pyproject_in_the_folder(classifier, binary_data, workdir):
    (workdir / "pyproject.toml").write_text("[tool.modelyard]\ncv = 3\n")

    assert classifier.score(binary_data).cv == 0


@pytest.mark.parametrize("cv", [1, -2, 2.5, True])
def test_a_bad_number_of_folds_is_refused(classifier, binary_data, cv):
    with pytest.raises(ModelyardError, match=r"cv must be 0 .* or a number of folds"):
        classifier.score(binary_data, cv=cv)


def test_more_folds_than_rows_of_a_class_is_a_data_error(binary_data):
    from modelyard import DataError

    tiny = MixedData()
    with pytest.raises(DataError, match="cannot make 500 folds of 200 rows"):
        Model(LogisticRegression()).score(tiny, cv=500)


def test_a_compatible_estimator_outside_scikit_learn_is_cross_validated(binary_data):
    result = Model(MajorityClassifier()).score(binary_data, cv=3)

    assert result.metrics["roc_auc"] == pytest.approx(0.5)
    assert result.std["roc_auc"] == pytest.approx(0.0)


def test_any_scikit_learn_scorer_name_is_a_metric(classifier, binary_data):
    x_train, x_test, y_train, y_test = _holdout(binary_data)
    reference = clone(classifier.estimator).fit(x_train, y_train)

    result = classifier.score(binary_data, metrics=("balanced_accuracy", "neg_log_loss"))

    assert result.metrics["balanced_accuracy"] == pytest.approx(
        metrics.balanced_accuracy_score(y_test, reference.predict(x_test))
    )
    assert result.metrics["neg_log_loss"] == pytest.approx(
        -metrics.log_loss(y_test, reference.predict_proba(x_test))
    )


def test_metrics_come_from_the_settings_passed_in(regressor, regression_data):
    settings = Settings(metrics=("neg_max_error",))

    assert list(regressor.score(regression_data, settings=settings).metrics) == ["neg_max_error"]


def test_a_threshold_moves_the_cut_between_the_two_classes(trained_classifier, binary_data):
    probability = trained_classifier.predict_proba(binary_data.x)[:, 1]

    low = trained_classifier.predict(binary_data.x, threshold=0.1)
    high = trained_classifier.predict(binary_data.x, threshold=0.9)

    assert (low == (probability >= 0.1)).all()
    assert (high == (probability >= 0.9)).all()
    assert low.sum() > high.sum()


def test_a_threshold_of_one_half_matches_predict(trained_classifier, binary_data):
    assert (
        trained_classifier.predict(binary_data.x, threshold=0.5)
        == trained_classifier.predict(binary_data.x)
    ).mean() > 0.99


def test_a_threshold_for_a_multiclass_model_is_refused(multiclass_data):
    model = Model(LogisticRegression(max_iter=1000)).train(multiclass_data)

    with pytest.raises(ModelyardError, match="binary classifiers; this model has 3 classes"):
        model.predict(multiclass_data.x, threshold=0.5)


def test_a_threshold_for_a_regressor_is_refused(regressor, regression_data):
    regressor.train(regression_data)

    with pytest.raises(ModelyardError, match="binary classifiers; this model is a regressor"):
        regressor.predict(regression_data.x, threshold=0.5)


@pytest.mark.parametrize("threshold", [-0.1, 1.5, "high", None.__class__])
def test_a_threshold_outside_zero_to_one_is_refused(trained_classifier, binary_data, threshold):
    with pytest.raises(ModelyardError, match="threshold must be"):
        trained_classifier.predict(binary_data.x, threshold=threshold)


def _mixed_model() -> Model:
    features = ColumnTransformer(
        [("num", StandardScaler(), ["age"]), ("cat", OneHotEncoder(), ["plan"])]
    )
    return Model(Pipeline([("features", features), ("clf", LogisticRegression())]))


def test_a_text_where_a_number_was_trained_is_named(binary_data):
    model = _mixed_model().train(MixedData())
    rows = pd.DataFrame({"age": ["old", "young"], "plan": ["a", "b"]})

    with pytest.raises(SchemaError, match="'age' should be integer but is "):
        model.predict(rows)
    with pytest.raises(SchemaError, match="'age' should be integer"):
        model.predict_proba(rows)


def test_missing_and_extra_columns_are_named_together_for_predict_proba():
    model = _mixed_model().train(MixedData())
    rows = pd.DataFrame({"age": [30], "colour": ["red"]})

    with pytest.raises(
        SchemaError, match=r"missing 1 feature.*'plan'; 1 unexpected column: 'colour'"
    ):
        model.predict_proba(rows)


def test_a_column_transformer_pipeline_is_cross_validated():
    result = _mixed_model().score(MixedData(), cv=3)

    assert 0 <= result.metrics["accuracy"] <= 1


def test_no_rows_in_gives_no_predictions_out(trained_classifier, binary_data):
    empty = binary_data.x.head(0)

    assert trained_classifier.predict(empty).shape == (0,)
    assert trained_classifier.predict_proba(empty).shape == (0, 2)


def test_rows_the_estimator_rejects_are_a_schema_error_naming_it(trained_classifier, binary_data):
    rows = binary_data.x.head(2).assign(**{"mean radius": np.nan})

    with pytest.raises(SchemaError, match=r"Pipeline.predict rejected X: .*NaN"):
        trained_classifier.predict(rows)
