"""The model store behind an fsspec URL: a real S3-protocol server (moto), and memory://."""

from __future__ import annotations

import uuid
from concurrent.futures import ProcessPoolExecutor

import fsspec
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from modelyard import ArtifactError, Model, load_model
from modelyard.artifact import CARD_FILE, MODEL_FILE
from modelyard.data import demo_dataset
from modelyard.exceptions import StoreWarning
from modelyard.store import ModelStore, ObjectStore


def _save_iris(store: str, options: dict | None) -> int:
    model = Model(LogisticRegression(max_iter=200), name="iris").train(demo_dataset("iris"))
    return model.save(store, storage_options=options).version


def test_a_url_gives_an_object_store(s3_store):
    url, options = s3_store

    assert isinstance(ModelStore(url, options), ObjectStore)


def test_saves_to_s3_are_numbered_and_listed(trained_classifier, s3_store):
    url, options = s3_store

    refs = [trained_classifier.save(url, storage_options=options) for _ in range(2)]

    assert [r.version for r in refs] == [1, 2]
    assert str(refs[1]) == f"{url}/cancer/2"
    store = ModelStore(url, options)
    assert store.names() == ["cancer"]
    assert store.versions("cancer") == [1, 2]


def test_a_model_loaded_from_s3_predicts_what_the_saved_one_did(
    trained_classifier, binary_data, s3_store
):
    url, options = s3_store
    trained_classifier.save(url, storage_options=options)

    loaded = load_model(f"{url}/cancer", storage_options=options)

    np.testing.assert_array_equal(
        loaded.predict_proba(binary_data.x), trained_classifier.predict_proba(binary_data.x)
    )
    assert str(loaded.ref) == f"{url}/cancer/1"


def test_latest_at_and_version_folder_forms_work_on_s3(trained_classifier, s3_store):
    url, options = s3_store
    for _ in range(3):
        trained_classifier.save(url, storage_options=options)

    def version(uri):
        return load_model(uri, storage_options=options).ref.version

    assert version(f"{url}/cancer") == 3
    assert version(f"{url}/cancer@2") == 2
    assert version(f"{url}/cancer/1") == 1


def test_concurrent_saves_to_s3_get_distinct_versions(s3_store):
    url, options = s3_store

    with ProcessPoolExecutor(max_workers=4) as pool:
        versions = list(pool.map(_save_iris, [url] * 4, [options] * 4))

    assert sorted(versions) == [1, 2, 3, 4]
    assert ModelStore(url, options).versions("iris") == [1, 2, 3, 4]


def test_a_version_without_its_card_is_not_listed_and_its_number_is_not_reused(
    trained_classifier, s3_store
):
    url, options = s3_store
    store = ModelStore(url, options)
    # What a save that died after uploading the model file leaves behind.
    store.fs.pipe_file(store._p("cancer", 1, ".claim"), b"{}")
    store.fs.pipe_file(store._p("cancer", 1, MODEL_FILE), b"half a model")

    assert store.versions("cancer") == []
    assert trained_classifier.save(url, storage_options=options).version == 2
    assert store.versions("cancer") == [2]


def test_a_model_file_changed_on_s3_is_refused(trained_classifier, s3_store):
    url, options = s3_store
    ref = trained_classifier.save(url, storage_options=options)
    store = ModelStore(url, options)
    store.fs.pipe_file(store._p("cancer", 1, MODEL_FILE), b"not the model that was saved")

    with pytest.raises(ArtifactError, match="does not match the sha256"):
        load_model(str(ref), storage_options=options)


def test_a_published_card_is_never_overwritten(trained_classifier, s3_store):
    url, options = s3_store
    trained_classifier.save(url, storage_options=options)
    store = ModelStore(url, options)

    assert store._create(store._p("cancer", 1, CARD_FILE), b"{}") is False


def test_a_missing_model_on_s3_names_the_url(s3_store):
    url, options = s3_store

    with pytest.raises(ArtifactError, match=f"no saved model at '{url}/nothing'"):
        load_model(f"{url}/nothing", storage_options=options)


def test_a_missing_version_on_s3_lists_the_saved_ones(trained_classifier, s3_store):
    url, options = s3_store
    trained_classifier.save(url, storage_options=options)

    with pytest.raises(ArtifactError, match=r"no version 9 .*versions: 1"):
        load_model(f"{url}/cancer@9", storage_options=options)


def test_a_memory_store_works_like_any_other(trained_classifier, binary_data):
    url = f"memory://modelyard-{uuid.uuid4().hex[:8]}/models"

    ref = trained_classifier.save(url)
    trained_classifier.save(url)

    assert ModelStore(url).versions("cancer") == [1, 2]
    loaded = load_model(f"{url}/cancer@1")
    assert loaded.ref.version == ref.version == 1
    np.testing.assert_array_equal(
        loaded.predict(binary_data.x), trained_classifier.predict(binary_data.x)
    )


def test_a_url_of_an_unknown_protocol_is_refused(trained_classifier):
    with pytest.raises(ArtifactError, match="cannot open the model store nope://"):
        trained_classifier.save("nope://bucket/models")


@pytest.mark.parametrize("prefix", ["007", "\u00b3", "\u0662"])
def test_a_card_under_a_prefix_that_is_not_a_version_is_ignored_with_a_warning(
    trained_classifier, prefix
):
    url = f"memory://modelyard-{uuid.uuid4().hex[:8]}/models"
    trained_classifier.save(url)
    fs, root = fsspec.core.url_to_fs(url)
    fs.pipe_file(f"{root}/cancer/{prefix}/{CARD_FILE}", b"{}")

    with pytest.warns(StoreWarning, match=f"{prefix} is ignored"):
        assert ModelStore(url).versions("cancer") == [1]
