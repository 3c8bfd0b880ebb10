"""Helpers of the serving tests that are not fixtures."""

from __future__ import annotations

import subprocess
import time


def log_of(process: subprocess.Popen, timeout: float = 30) -> str:
    """Everything a server started by ``start_server`` printed, once it has exited."""
    process.wait(timeout=timeout)
    time.sleep(0.2)  # let the drain thread take the last lines
    return "".join(process.output)  # type: ignore[attr-defined]
