"""The server's own bookkeeping: request ids and the access log's lines."""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing

import pytest

from modelyard.serving.observability import AccessLog, JsonFormatter, iso_time, new_request_id


class _Lines(logging.Handler):
    """Keeps what the JSON formatter makes of each record."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(self.format(record))


@pytest.fixture
def access_lines():
    """What reaches a handler of ``modelyard.access`` while the test runs."""
    logger = logging.getLogger("modelyard.access")
    handler, level = _Lines(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler.records
    logger.removeHandler(handler)
    logger.setLevel(level)


def _fields(request_id: str) -> dict:
    return {"request_id": request_id, "method": "POST", "path": "/predict", "status": 200}


def _child_request_id(queue) -> None:
    queue.put(new_request_id())


def test_new_request_ids_are_unique():
    ids = {new_request_id() for _ in range(10_000)}

    assert len(ids) == 10_000


def test_a_forked_worker_makes_request_ids_of_its_own():
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    mine = new_request_id()
    child = context.Process(target=_child_request_id, args=(queue,))
    child.start()
    theirs = queue.get(timeout=30)
    child.join(30)

    assert theirs[:20] != mine[:20]


def test_lines_noted_in_one_loop_turn_are_written_after_it_one_json_object_each(access_lines):
    log = AccessLog()

    async def requests() -> int:
        for n in range(3):
            log.add(_fields(f"r-{n}"))
        written_during_the_turn = len(access_lines)
        await asyncio.sleep(0)
        return written_during_the_turn

    assert asyncio.run(requests()) == 0
    [record] = access_lines
    lines = [json.loads(line) for line in record.splitlines()]
    assert [line["request_id"] for line in lines] == ["r-0", "r-1", "r-2"]
    assert {line["logger"] for line in lines} == {"modelyard.access"}


def test_a_line_noted_outside_an_event_loop_is_written_at_once(access_lines):
    AccessLog().add(_fields("r-9"))

    assert json.loads(access_lines[0])["request_id"] == "r-9"


def test_an_access_line_cuts_a_huge_path(access_lines):
    AccessLog().add({**_fields("r-1"), "path": "/" + "x" * 100_000})

    assert len(json.loads(access_lines[0])["path"]) < 3_000


def test_times_are_utc_iso_with_milliseconds():
    assert iso_time(1_700_000_000.25) == "2023-11-14T22:13:20.250Z"
