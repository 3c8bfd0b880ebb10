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

    assert [f.kind for f in model.schema.features] == ["integer", "string"]
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
