"""Progress on stderr: a bar on a terminal, a bounded trail of plain lines elsewhere."""

from __future__ import annotations

import io
import re

import pytest

from modelyard.progress import Progress


def lines(stream: io.StringIO) -> list[str]:
    """The plain lines written, without their elapsed seconds."""
    return [re.sub(r" \[\d+ s\]$", "", line) for line in stream.getvalue().splitlines()]


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as a console does."""

    def isatty(self) -> bool:
        return True


def test_a_short_job_off_a_terminal_prints_nothing():
    stream = io.StringIO()

    with Progress("scored", 100, stream=stream) as shown:
        shown.update(100)

    assert stream.getvalue() == ""


def test_off_a_terminal_each_update_after_the_interval_is_one_plain_line():
    stream = io.StringIO()

    with Progress("scored", 10, stream=stream, interval=0) as shown:
        shown.update(4)
        shown.update(6, status="best rmse 0.5")

    assert lines(stream) == [
        "scored: 4 of 10 (40%) rows",
        "scored: 10 of 10 (100%) rows, best rmse 0.5",
    ]


def test_off_a_terminal_lines_are_at_most_one_per_interval():
    stream = io.StringIO()

    with Progress("scored", stream=stream, interval=3600) as shown:
        for _ in range(1000):
            shown.update(1)

    assert stream.getvalue() == ""


def test_on_a_terminal_a_bar_is_drawn_without_newlines_per_update():
    stream = Terminal()

    with Progress("scored", 1000, unit="rows", stream=stream) as shown:
        for _ in range(10):
            shown.update(100)

    text = stream.getvalue()
    assert "\r" in text
    assert "100%" in text
    assert text.count("\n") <= 1


def test_quiet_shows_nothing_even_on_a_terminal():
    stream = Terminal()

    with Progress("scored", 10, stream=stream, quiet=True, interval=0) as shown:
        shown.update(10)

    assert stream.getvalue() == ""
    assert shown.done == 10


def test_as_a_callback_it_takes_the_rows_done_and_the_total():
    stream = io.StringIO()
    shown = Progress("scored", stream=stream, interval=0)

    shown(50, 200)
    shown(200, 200)
    shown.close()

    assert lines(stream)[-1] == "scored: 200 of 200 (100%) rows"


def test_on_a_terminal_small_counts_are_whole_numbers():
    stream = Terminal()

    with Progress("grid search", 2, unit="candidates", stream=stream) as shown:
        shown.update(1)
        shown.update(1)

    final = stream.getvalue().split("\r")[-1]
    assert "2/2 candidates" in final
    assert "2.00" not in stream.getvalue()


@pytest.mark.parametrize(("done", "shown"), [(1_200_000, "1.2M/2.0M rows"), (5, "5/2.0M rows")])
def test_on_a_terminal_large_row_counts_are_scaled_and_small_ones_are_not(done, shown):
    stream = Terminal()

    with Progress("scored", 2_000_000, unit="rows", stream=stream) as bar:
        bar.update(done)

    assert shown in stream.getvalue().split("\r")[-1]


def test_on_a_terminal_an_unknown_total_shows_the_count_alone():
    stream = Terminal()

    with Progress("scored", unit="rows", stream=stream) as shown:
        shown.update(3)

    final = stream.getvalue().split("\r")[-1]
    assert final.startswith("scored: 3 rows")
