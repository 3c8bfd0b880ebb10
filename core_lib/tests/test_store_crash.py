"""A save killed midway leaves no half version, on a folder store and on S3."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from sklearn.linear_model import LogisticRegression

from modelyard import ArtifactError, Model, load_model
from modelyard.data import demo_dataset
from modelyard.store import ModelStore

# The saving process writes the artifact, says so, and then hangs inside the save,
# so the kill lands at a known point: files written, version not yet published.
SAVER = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    import modelyard.model
    from modelyard import Model
    from modelyard.data import demo_dataset
    from sklearn.linear_model import LogisticRegression

    store, ready, options = sys.argv[1], Path(sys.argv[2]), json.loads(sys.argv[3])
    write = modelyard.model.write_artifact

    def write_then_hang(*args, **kwargs):
        card = write(*args, **kwargs)
        ready.write_text("written")
        time.sleep(600)
        return card

    modelyard.model.write_artifact = write_then_hang
    model = Model(LogisticRegression(max_iter=500), name="iris").train(demo_dataset("iris"))
    model.save(store, storage_options=options or None)
""")


def _kill_mid_save(workdir, store: str, options: dict | None = None) -> None:
    script, ready = workdir / "saver.py", workdir / "ready"
    script.write_text(SAVER)
    saver = subprocess.Popen(
        [sys.executable, str(script), store, str(ready), json.dumps(options or {})],
        cwd=workdir,
        env={**os.environ, "MODELYARD_RUN_DIR": str(workdir / "runs")},
    )
    try:
        deadline = time.monotonic() + 120
        while not ready.exists():
            assert saver.poll() is None, "the saving process ended before it wrote anything"
            assert time.monotonic() < deadline, "the saving process never reached the write"
            time.sleep(0.05)
        saver.send_signal(signal.SIGKILL)
    finally:
        saver.kill()
        saver.wait(timeout=30)
    assert saver.returncode == -signal.SIGKILL


def _save(store: str, options: dict | None = None) -> int:
    model = Model(LogisticRegression(max_iter=500), name="iris").train(demo_dataset("iris"))
    return model.save(store, storage_options=options).version


def test_a_save_killed_midway_leaves_no_version_in_a_folder_store(workdir):
    _kill_mid_save(workdir, "models")

    store = ModelStore(workdir / "models")
    assert store.names() == [] and store.versions("iris") == []
    assert any((workdir / "models" / ".staging").iterdir())  # the debris is aside, unread
    with pytest.raises(ArtifactError, match="no saved model"):
        load_model("models/iris")


def test_after_a_killed_save_the_next_save_publishes_version_1(workdir):
    _kill_mid_save(workdir, "models")

    assert _save("models") == 1
    assert load_model("models/iris").ref.version == 1


def test_a_save_killed_midway_leaves_no_version_on_s3(workdir, s3_store):
    url, options = s3_store
    _kill_mid_save(workdir, url, options)

    store = ModelStore(url, options)
    assert store.names() == [] and store.versions("iris") == []
    with pytest.raises(ArtifactError, match="no saved model"):
        load_model(f"{url}/iris", storage_options=options)


def test_after_a_killed_save_on_s3_the_next_save_takes_the_next_number(workdir, s3_store):
    url, options = s3_store
    _kill_mid_save(workdir, url, options)

    version = _save(url, options)

    # The dead save's number stays claimed and is never reused or listed.
    assert version == 2
    assert ModelStore(url, options).versions("iris") == [2]
    assert load_model(f"{url}/iris", storage_options=options).ref.version == 2
