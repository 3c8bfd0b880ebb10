"""matplotlib is the extra ``modelyard[plots]``: without it, plots say which extra to install,
and serving never needs it."""

from __future__ import annotations

import pickle
import subprocess
import sys

#: Makes ``import matplotlib`` fail in the child, as in an install without the extra.
WITHOUT_MATPLOTLIB = "import sys; sys.modules['matplotlib'] = None; "


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def test_a_plot_without_matplotlib_names_the_extra_to_install():
    code = WITHOUT_MATPLOTLIB + (
        "from modelyard.exceptions import PlotError\n"
        "from modelyard.plots import plot_residuals\n"
        "try:\n    plot_residuals([1, 2], [1, 3])\n"
        "except PlotError as error:\n    print(error)"
    )

    message = _python(code).stdout.strip()

    assert "pip install 'modelyard[plots]'" in message
    assert "\n" not in message


def test_a_report_without_matplotlib_is_written_and_names_the_extra(binary_result, tmp_path):
    report = tmp_path / "report.html"
    code = WITHOUT_MATPLOTLIB + (
        "import pickle\n"
        "from modelyard.report import write_report\n"
        f"write_report(pickle.load(sys.stdin.buffer), {str(report)!r})"
    )

    done = subprocess.run(
        [sys.executable, "-c", code], input=pickle.dumps(binary_result), capture_output=True
    )

    assert done.returncode == 0, done.stderr
    assert b"pip install 'modelyard[plots]'" in done.stderr  # the warning
    assert "pip install &#x27;modelyard[plots]&#x27;" in report.read_text()  # its plots table


def test_serving_imports_no_matplotlib():
    code = "import sys, modelyard.serving; print('matplotlib' in sys.modules)"

    assert _python(code).stdout.strip() == "False"
