"""The house style: one place that loads matplotlib, makes Axes and titles them.

matplotlib is imported here, on the first plot, never by ``import modelyard``.
When no display is available and the user has not chosen a backend, the
non-interactive Agg backend is selected, so plotting works on servers and in CI.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

from modelyard.exceptions import PlotError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

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
