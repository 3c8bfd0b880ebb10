from __future__ import annotations

import subprocess
import sys

HEAVY = ["matplotlib", "fastapi", "uvicorn", "starlette", "dask", "distributed", "sqlalchemy"]


def test_importing_modelyard_leaves_plotting_serving_and_cluster_libraries_unimported():
    code = f"import sys, modelyard; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"

    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert loaded.stdout.strip() == ""
