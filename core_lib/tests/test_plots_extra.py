"""matplotlib is the extra ``modelyard[plots]``: without it, plots say which extra to install,
and serving never needs it."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

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


def texts_outside(figure) -> list[str]:
    """The texts of ``figure`` that reach past its edges, once it is drawn."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()  # where the labels go is settled when the figure is drawn
    renderer, box = canvas.get_renderer(), figure.bbox
    (ax,) = figure.axes
    texts = [ax.title, ax.xaxis.label, ax.yaxis.label]
    for axis in (ax.xaxis, ax.yaxis):  # the labels of ticks in view; the others are not drawn
        low, high = sorted(axis.get_view_interval())
        shown = zip(axis.get_majorticklocs(), axis.get_majorticklabels(), strict=True)
        texts += [label for place, label in shown if low <= place <= high]
    outside = []
    for text in texts:
        extent = text.get_window_extent(renderer)
        inside = box.x0 <= extent.x0 and extent.x1 <= box.x1 + 1
        if text.get_text() and not (inside and box.y0 <= extent.y0 and extent.y1 <= box.y1):
            outside.append(text.get_text())
    return outside


def test_a_long_title_and_labels_are_wrapped_inside_the_image():
    """The margins come from the texts' lengths: nothing is cut at the image's edge."""
    from modelyard.plots import style

    def draw(ax):
        ax.barh([0, 1], [1, 2])
        ax.set_yticks([0, 1], ["a feature with a long name", "x"])
        style.finish(ax, "A title " * 12, "an axis label " * 12, "share")

    figure = style.page_figure(draw)

    assert texts_outside(figure) == []
    assert "\n" in figure.axes[0].title.get_text()


@pytest.mark.parametrize("result_name", ["binary_result", "multiclass_result", "regression_result"])
def test_every_text_of_every_report_plot_lies_inside_its_image(result_name, request):
    from modelyard.plots import registry, style
    from modelyard.report import plot_options

    result = request.getfixturevalue(result_name)
    fitting = [name for name in registry.PLOTS if registry.why_not(result, name) is None]
    for name in fitting:
        options = plot_options(name, max_rows=200)
        figure = style.page_figure(lambda ax: result.plot.draw(name, ax=ax, **options))  # noqa: B023
        assert texts_outside(figure) == [], name
