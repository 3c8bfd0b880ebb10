"""What every model of this project does, whatever its task: a saved version predicts
exactly what the trained model did."""

from __future__ import annotations

from modelyard import load_model


def test_saved_model_loads_and_predicts_the_same(trained_model, data, tmp_path):
    ref = trained_model.save(tmp_path / "store")

    loaded = load_model(str(ref))

    assert loaded.predict(data.x).tolist() == trained_model.predict(data.x).tolist()
