"""Keeping Python's cyclic garbage collector out of a burst of long-lived objects.

Importing modelyard's stack (scikit-learn, SciPy, pandas) and loading a model
make hundreds of thousands of objects that live as long as the process. While
they are made, the collector runs every few hundred allocations, and each of its
older passes walks everything made so far, to free almost nothing: measured
with ``benchmarks/startup``, about a tenth of a server's cold start.
:func:`collector_paused` holds it off for such a burst; :func:`freeze_survivors`
then moves what survived out of its reach for good, so a server's collections
while it answers walk only what its requests make.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Disable the cyclic garbage collector inside the block; restore its state after.

    A collector that was already disabled (by the caller or an outer block)
    stays disabled. Reference counting still frees what is not in a cycle.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def freeze_survivors() -> None:
    """Move every object alive now out of the collector's reach for the rest of the process.

    For a server, once its model is loaded: those objects live until it stops,
    and a collection that walks them frees nothing. Never call it in a process
    that goes on to make and drop models (a notebook, a test run): what is
    frozen is not collected.
    """
    gc.freeze()
