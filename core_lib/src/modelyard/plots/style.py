"""The house style: one place that loads matplotlib, makes Axes and titles them.

matplotlib is imported here, on the first plot, never by ``import modelyard``.
When no display is available and the user has not chosen a backend, the
non-interactive Agg backend is selected, so plotting works on servers and in CI.
"""

from __future__ import annotations

import io
import math
import os
import sys
import textwrap
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from modelyard.exceptions import PlotError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text

#: Colours of successive series (colour-blind safe, Okabe-Ito).
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
)
#: Colour of reference lines (chance level, perfect prediction, zero residual).
REFERENCE = "#888888"
#: Size of a figure made by a plot function, in inches.
FIGSIZE = (6.4, 4.8)


def _headless() -> bool:
    """Whether no display is there to show windows on (Linux/BSD without X11 or Wayland)."""
    if sys.platform in ("win32", "darwin"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def require_matplotlib() -> None:
    """Raise :class:`~modelyard.exceptions.PlotError` naming the extra if matplotlib is missing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise PlotError(
            "plots need matplotlib, which is not installed: "
            "pip install 'modelyard[plots]' (a serving image leaves it out)"
        ) from None


def _load_matplotlib() -> Any:
    require_matplotlib()
    import matplotlib

    # Read rcParams["backend"] without resolving it: the sentinel means nobody chose one.
    unset = getattr(matplotlib.rcsetup, "_auto_backend_sentinel", None)
    chosen = "MPLBACKEND" in os.environ or (
        dict.__getitem__(matplotlib.rcParams, "backend") is not unset
    )
    if not chosen and _headless() and "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    return matplotlib


def pyplot() -> Any:
    """``matplotlib.pyplot``, imported on first use with a backend that works here."""
    _load_matplotlib()
    import matplotlib.pyplot as plt

    return plt


def new_axes(ax: Axes | None) -> Axes:
    """``ax`` itself, or the Axes of a new pyplot figure when ``ax`` is None.

    Figures made here go through pyplot, so notebooks show them; draw on an
    Axes of your own (``ax=``) to place a plot in a larger figure.
    """
    if ax is not None:
        return ax
    _, new = pyplot().subplots(figsize=FIGSIZE, layout="constrained")
    return new


def finish(ax: Axes, title: str, xlabel: str, ylabel: str, *, legend: bool = False) -> Axes:
    """Title, label and style ``ax`` the house way, with a legend when asked.

    Every plot function ends here, so every plot looks the same whether it was
    drawn on a new figure or on an Axes the caller made.
    """
    ax.set_title(title, fontsize="large", fontweight="bold")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if legend and ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best", frameon=False, fontsize="small")
    return ax


def colour(index: int) -> str:
    """The house colour of the ``index``-th series."""
    return PALETTE[index % len(PALETTE)]


def page_figure(draw: Callable[[Axes], object]) -> Figure:
    """A bare figure (not pyplot's: nothing is left open) with what ``draw`` plots on its Axes.

    Its margins come from :func:`fit_margins`: the figures of modelyard's HTML pages.
    """
    _load_matplotlib()
    from matplotlib.figure import Figure

    figure = Figure(figsize=FIGSIZE)
    ax = figure.subplots()
    draw(ax)
    fit_margins(figure, ax)
    return figure


def png(draw: Callable[[Axes], object], *, dpi: int = 100) -> bytes:
    """The PNG image of :func:`page_figure`, for an HTML page."""
    buffer = io.BytesIO()
    page_figure(draw).savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


#: The width of a character in ems, for :func:`fit_margins` (DejaVu Sans' digits and lower
#: case are 0.55 to 0.64 em wide).
CHAR_EM = 0.62
#: The height of a line of text in ems.
LINE_EM = 1.35
#: Inches left between the figure's edge and its texts.
EDGE = 0.12
#: Inches the ticks take, with their pads, between an axis and its tick labels.
TICKS = 0.1


def fit_margins(figure: Figure, ax: Axes) -> None:
    """Leave room around ``ax`` for its titles and tick labels, from the lengths of their texts.

    Constrained layout measures every text by drawing the figure once more, a
    third of a report's drawing time; the margins are estimated from the
    number of characters instead. A title or axis label too long for the
    figure is wrapped onto more lines.
    """
    import matplotlib

    width, height = figure.get_size_inches()
    em = matplotlib.rcParams["font.size"] / 72
    ylabel = _wrap(ax.yaxis.label, height - 2 * EDGE, em) * em
    left = min(EDGE + ylabel + TICKS + _extent(ax.get_yticklabels(), em, across=True), 0.6 * width)
    right = min(EDGE + 0.5 * CHAR_EM * em * _longest(ax.get_xticklabels()), 0.2 * width)
    # The title and the x label are centred on the Axes, not on the figure.
    centre = (left + width - right) / 2
    room = 2 * min(centre, width - centre) - 2 * EDGE
    title = _wrap(ax.title, room, 1.2 * em) * 1.2 * em
    xlabel = _wrap(ax.xaxis.label, room, em) * em
    bottom = EDGE + xlabel + TICKS + _extent(ax.get_xticklabels(), em, across=False)
    top = EDGE + title + TICKS
    figure.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        bottom=min(bottom / height, 0.5),
        top=1 - min(top / height, 0.4),
    )


def _wrap(text: Text, room: float, em: float) -> float:
    """Wrap ``text`` to ``room`` inches at ``em`` inches a character; its height in ems."""
    content = text.get_text()
    if not content:
        return 0
    columns = max(int(room / (CHAR_EM * em)), 10)
    if len(content) > columns:
        content = textwrap.fill(content, columns)
        text.set_text(content)
    return LINE_EM * (content.count("\n") + 1)


def _longest(labels: Iterable[Text]) -> int:
    return max((len(label.get_text()) for label in labels if label.get_visible()), default=0)


def _extent(labels: Iterable[Text], em: float, *, across: bool) -> float:
    """Inches the tick labels take from the axis outwards (``across``: y labels, side by side)."""
    labels = [label for label in labels if label.get_visible() and label.get_text()]
    if not labels:
        return 0
    turn = math.radians(labels[0].get_rotation())
    long = CHAR_EM * em * _longest(labels)
    tall = LINE_EM * em
    if across:
        return abs(long * math.cos(turn)) + abs(tall * math.sin(turn))
    return abs(long * math.sin(turn)) + abs(tall * math.cos(turn))
