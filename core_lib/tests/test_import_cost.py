from __future__ import annotations

import os
import subprocess
import sys

HEAVY = ["matplotlib", "fastapi", "uvicorn", "starlette", "dask", "distributed", "sqlalchemy"]


def test_importing_modelyard_leaves_plotting_serving_and_cluster_libraries_unimported():
    code = f"import sys, modelyard; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"

    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert loaded.stdout.strip() == ""


def run_python(code: str, **env: str) -> str:
    clean = {
        k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "MPLBACKEND")
    }
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**clean, **env},
    )
    return done.stdout.strip()


def test_importing_the_plots_and_reaching_a_results_plots_leaves_matplotlib_unimported():
    code = (
        "import sys, modelyard.plots, modelyard.report, modelyard.plots.accessors;"
        "print('matplotlib' in sys.modules)"
    )

    assert run_python(code) == "False"


def test_the_first_plot_without_a_display_uses_the_agg_backend():
    code = (
        "import matplotlib; from modelyard.plots import plot_residuals;"
        "plot_residuals([1, 2], [1, 3]); print(matplotlib.get_backend())"
    )

    assert run_python(code).lower() == "agg"


def test_a_backend_the_user_chose_is_kept():
    code = (
        "import matplotlib; from modelyard.plots import plot_residuals;"
        "plot_residuals([1, 2], [1, 3]); print(matplotlib.get_backend())"
    )

    assert run_python(code, MPLBACKEND="svg").lower() == "svg"
