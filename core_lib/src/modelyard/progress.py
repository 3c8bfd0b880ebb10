"""Progress of long work (scoring, training, searches, batch scoring) on stderr.

On a terminal it is a progress bar (tqdm) rewritten in place. Anywhere else (a
CI log, a file, a pipe) it is plain lines, at most one every ``interval``
seconds, so a long job leaves a bounded trail and a short one leaves none.
``quiet=True`` shows nothing. Work made of a few long steps (one fit of a
minute) passes ``ticking=True``: the elapsed time then keeps moving between
updates, on the bar and in the plain lines, so a long fit is never silent.

>>> from modelyard.progress import Progress
>>> with Progress("scored", total=1_000, unit="rows", quiet=True) as shown:
...     shown.update(500)
...     shown.update(500, status="done")
>>> shown.done
1000

tqdm is imported only when a bar is drawn.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import IO, Any

__all__ = ["INTERVAL", "Progress"]

#: Seconds between two plain lines when the output is not a terminal.
INTERVAL = 5.0


#: The bar's text: tqdm's bar with counts as whole numbers (``2/2 candidates``, ``1.2M/2.0M rows``).
_BAR = "{l_bar}{bar}| {counts}{unit} [{elapsed}<{remaining}, {speed}{postfix}]"
#: The same without a known total.
_OPEN_BAR = "{desc}: {counts}{unit} [{elapsed}, {speed}{postfix}]"


class Progress:
    """Work done so far out of ``total`` (None when unknown), shown on ``stream``.

    Args:
        description: what is being counted, shown first (``"scored"``, ``"grid search"``).
        total: how many units there are, if known.
        unit: the unit's name (``"rows"``, ``"candidates"``).
        quiet: show nothing.
        stream: where to show it; stderr by default.
        interval: the least number of seconds between two plain lines (no
            terminal; default :data:`INTERVAL`); the first comes after
            ``interval`` seconds, so a short job prints nothing, and the last
            when the work ends.
        ticking: show the time going by between updates too (a thread redraws
            the bar each second, or writes a plain line each ``interval``),
            for work whose steps are few and long.
    """

    def __init__(
        self,
        description: str,
        total: int | None = None,
        *,
        unit: str = "rows",
        quiet: bool = False,
        stream: IO[str] | None = None,
        interval: float | None = None,
        ticking: bool = False,
    ) -> None:
        self.description, self.total, self.unit = description, total, unit
        self.stream = sys.stderr if stream is None else stream
        self.interval = INTERVAL if interval is None else interval
        self.done = 0
        self.status: str | None = None
        self.lines = 0
        self._shown = 0
        self._quiet = quiet
        self._bar: Any = None
        self._started = self._last = time.monotonic()
        self._lock = threading.Lock()  # the ticking thread and the worker write alike
        self._stop = threading.Event()
        isatty = getattr(self.stream, "isatty", None)
        if not quiet and callable(isatty) and isatty():
            self._bar = _counting_bar(total, description, unit, self.stream)
        if ticking and not quiet:
            threading.Thread(target=self._tick, name="modelyard-progress", daemon=True).start()

    def update(self, count: int = 1, *, status: str | None = None) -> None:
        """Count ``count`` more units done; ``status`` (the best score so far, say) follows."""
        with self._lock:
            self.done += count
            if status is not None:
                self.status = status
            if self._bar is not None:
                if status is not None:
                    self._bar.set_postfix_str(status, refresh=False)
                self._bar.update(count)
            elif not self._quiet and time.monotonic() - self._last >= self.interval:
                self._line()

    def __call__(self, done: int, total: int | None = None) -> None:
        """Set the units done to ``done`` (and the total, once known): a progress callback."""
        if total is not None and total != self.total:
            self.total = total
            if self._bar is not None:
                self._bar.total = total
                self._bar.bar_format = _BAR if total else _OPEN_BAR
        self.update(done - self.done)

    def close(self) -> None:
        """End the display: the bar's last state stays, and plain lines end with the final count."""
        self._stop.set()
        with self._lock:
            if self._bar is not None:
                self._bar.close()
                self._bar = None
            elif self.lines and not self._quiet and self.done != self._shown:
                self._line()

    def _tick(self) -> None:
        """Show the time going by until :meth:`close`: the bar each second, a line per interval."""
        while not self._stop.wait(min(1.0, self.interval) or 0.05):
            with self._lock:
                if self._stop.is_set():
                    return
                if self._bar is not None:
                    self._bar.refresh()
                elif time.monotonic() - self._last >= self.interval:
                    self._line()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _line(self) -> None:
        share = f" of {self.total:,} ({self.done / self.total:.0%})" if self.total else ""
        status = f", {self.status}" if self.status else ""
        elapsed = time.monotonic() - self._started
        print(
            f"{self.description}: {self.done:,}{share} {self.unit}{status} [{elapsed:.0f} s]",
            file=self.stream,
            flush=True,
        )
        self.lines += 1
        self._shown = self.done
        self._last = time.monotonic()


def _count(number: float) -> str:
    """A count as shown: whole below 1,000 (``2``), above with a prefix (``12.3k``, ``1.2M``)."""
    if abs(number) < 999.5:
        return f"{number:.0f}"
    for prefix in "kMGTPE":
        number /= 1000
        if abs(number) < 999.5:
            return f"{number:.1f}{prefix}" if abs(number) < 99.95 else f"{number:.0f}{prefix}"
    return f"{number:.0f}E"


def _counting_bar(total: int | None, description: str, unit: str, stream: IO[str]) -> Any:
    """A tqdm bar whose counts read as counts.

    tqdm's ``unit_scale`` writes small counts with two decimals (``2.00/2.00``),
    and without it large ones in full with a rate of two decimals; the bar's
    ``format_dict`` (what tqdm formats ``bar_format`` with) gains ``counts``
    and ``speed`` written by :func:`_count` instead.
    """
    from tqdm.auto import tqdm

    class CountingBar(tqdm):  # type: ignore[misc, valid-type]
        @property
        def format_dict(self) -> dict[str, Any]:
            found = super().format_dict
            done, known = found["n"], found["total"]
            found["counts"] = f"{_count(done)}/{_count(known)}" if known else _count(done)
            rate = found.get("rate")
            if not rate and found["elapsed"]:  # as tqdm does: the mean rate until it has one
                rate = (done - found.get("initial", 0)) / found["elapsed"]
            if not rate:
                found["speed"] = f"?{found['unit']}/s"
            elif rate < 10:
                found["speed"] = f"{rate:.1f}{found['unit']}/s"
            else:
                found["speed"] = f"{_count(rate)}{found['unit']}/s"
            return found

    return CountingBar(
        total=total,
        desc=description,
        unit=f" {unit}",
        file=stream,
        bar_format=_BAR if total else _OPEN_BAR,
    )
