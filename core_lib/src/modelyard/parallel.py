"""Where parallel work runs: joblib processes on this machine, or a Dask cluster.

Searches, comparisons and feature selection hand their independent fits to
joblib. With ``n_jobs`` they run in that many local processes; with a Dask
scheduler address (the ``scheduler`` setting, ``MODELYARD_SCHEDULER`` or
``--scheduler`` on the command line) the same joblib calls run on the cluster's
workers through joblib's Dask backend. The work and its order are the same
either way, so results are too.

Dask is optional (``pip install 'modelyard[dask]'``); asking for a scheduler
without it is a :class:`~modelyard.exceptions.ModelyardError` naming that extra.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from modelyard.exceptions import ModelyardError

#: Seconds to wait for a scheduler to answer before giving up.
CONNECT_TIMEOUT = 5.0

DASK_EXTRA = "pip install 'modelyard[dask]'"


def require_distributed() -> Any:
    """Import and return ``distributed``, or say which extra installs it."""
    try:
        import distributed
    except ImportError:
        raise ModelyardError(
            f"a Dask scheduler was asked for, but Dask is not installed; run {DASK_EXTRA}"
        ) from None
    return distributed


def connect(address: str, *, timeout: float = CONNECT_TIMEOUT) -> Any:
    """A ``distributed.Client`` connected to the scheduler at ``address``.

    Raises:
        ModelyardError: Dask is not installed, or no scheduler answers at
            ``address`` within ``timeout`` seconds.
    """
    distributed = require_distributed()
    try:
        return distributed.Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        raise ModelyardError(
            f"no Dask scheduler answered at {address!r} within {timeout:g} s ({error}); "
            "check the address (tcp://HOST:8786) and that the scheduler is running, "
            "or unset `scheduler` to run on this machine"
        ) from None


@contextlib.contextmanager
def workers(n_jobs: int, scheduler: str | None = None) -> Iterator[int]:
    """Run the joblib calls inside on ``scheduler``'s cluster, or locally.

    Yields the ``n_jobs`` to give joblib: ``n_jobs`` itself locally, -1 (every
    worker) on a cluster. The client is connected before the block runs, so an
    unreachable scheduler fails before any model is fitted, and closed after.
    """
    if not scheduler:
        yield n_jobs
        return
    client = connect(scheduler)
    try:
        from joblib import parallel_config

        with parallel_config(
            backend="dask", client=client, wait_for_workers_timeout=CONNECT_TIMEOUT
        ):
            yield -1
    finally:
        client.close()
