"""The garbage collector is held off while long-lived objects are made, and left as found."""

from __future__ import annotations

import gc
import subprocess
import sys

import pytest

from modelyard.collector import collector_paused


@pytest.fixture
def collecting():
    """The collector on for the test, and on again after it, whatever the test did."""
    gc.enable()
    yield
    gc.enable()


def test_the_collector_is_off_inside_the_block_and_on_again_after(collecting):
    with collector_paused():
        inside = gc.isenabled()

    assert (inside, gc.isenabled()) == (False, True)


def test_a_collector_that_was_off_stays_off_after_the_block(collecting):
    gc.disable()

    with collector_paused():
        pass

    assert not gc.isenabled()


def test_the_collector_is_on_again_after_an_error_in_the_block(collecting):
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("in the block")

    assert gc.isenabled()


@pytest.mark.parametrize("before", ["gc.enable()", "gc.disable()"])
def test_importing_modelyard_leaves_the_collector_as_it_found_it(before):
    code = (
        f"import gc; {before}; was = gc.isenabled(); import modelyard; print(was == gc.isenabled())"
    )

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert done.stdout.strip() == "True"


def test_serve_freezes_the_loaded_model_and_collects_again_before_it_listens(
    saved_penguins, monkeypatch
):
    import uvicorn

    from modelyard.serving.server import serve

    seen: dict[str, object] = {}

    def listen(*args, **kwargs):  # what uvicorn.run would find
        seen.update(frozen=gc.get_freeze_count(), collecting=gc.isenabled())

    monkeypatch.setattr(uvicorn, "run", listen)
    monkeypatch.setenv("MODELYARD_SERVE_MODEL", "")  # serve() writes it for its workers
    monkeypatch.setenv("MODELYARD_TRUST", "")
    try:
        serve(saved_penguins, port=8000)
    finally:
        gc.unfreeze()  # this test process goes on making and dropping objects

    assert seen["frozen"] > 0
    assert seen["collecting"] is True
