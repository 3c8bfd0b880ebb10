"""The server stays responsive under load it should refuse: real servers on real sockets."""

from __future__ import annotations

import http.client
import json
import signal
import socket
import threading
import time

import httpx
import pytest
from serving_support import log_of

from modelyard.cli import main
from modelyard.serving.limits import BIG_BODY_BYTES

#: Seconds a test waits for the server to close a connection (its deadline is one second).
CLOSE_WAIT = 20


def _connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=CLOSE_WAIT)


def _closed_by_server(sock: socket.socket) -> bool:
    """Read until the server closes the connection; True if it did (an answer may come first)."""
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return True


def test_health_answers_while_big_bodies_are_parsed(serve_model, big_body):
    url, _server = serve_model()
    big_answers: list[int] = []

    def send_big_bodies() -> None:
        for _ in range(2):
            answer = httpx.post(
                f"{url}/predict",
                content=big_body,
                headers={"Content-Type": "application/json"},
                timeout=120,
            )
            big_answers.append(answer.status_code)

    senders = [threading.Thread(target=send_big_bodies) for _ in range(2)]
    for sender in senders:
        sender.start()
    health: list[int] = []
    while any(sender.is_alive() for sender in senders):
        health.append(httpx.get(f"{url}/health/live", timeout=30).status_code)
        time.sleep(0.05)
    for sender in senders:
        sender.join()

    assert health and set(health) == {200}
    assert big_answers == [422] * 4  # parsed and refused: more rows than allowed


def test_a_request_over_the_in_flight_limit_gets_503_with_retry_after(serve_one_at_a_time, rows):
    url, _server = serve_one_at_a_time
    many_rows = rows * 40  # over the inline limit: predicted in a thread, the loop stays free
    first = threading.Thread(
        target=lambda: httpx.post(f"{url}/predict", json={"rows": many_rows}, timeout=30)
    )
    first.start()
    time.sleep(0.8)  # the two-second prediction is under way

    refused = httpx.post(f"{url}/predict", json={"rows": rows}, timeout=30)
    first.join()

    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "1"
    assert refused.json()["detail"][0]["type"] == "busy"


def test_health_is_never_refused_by_the_in_flight_limit(serve_one_at_a_time, rows):
    url, _server = serve_one_at_a_time
    many_rows = rows * 40  # over the inline limit: predicted in a thread, the loop stays free
    first = threading.Thread(
        target=lambda: httpx.post(f"{url}/predict", json={"rows": many_rows}, timeout=30)
    )
    first.start()
    time.sleep(0.8)  # the only request allowed in flight is under way

    live = httpx.get(f"{url}/health/live", timeout=30)
    ready = httpx.get(f"{url}/health/ready", timeout=30)
    first.join()

    assert (live.status_code, ready.status_code) == (200, 200)


def test_a_connection_that_never_finishes_its_headers_is_closed(serve_with_deadlines):
    url, _server = serve_with_deadlines()
    sock = _connect(url)
    sock.sendall(b"POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty")

    assert _closed_by_server(sock)
    sock.close()


def test_a_connection_that_never_finishes_its_body_is_closed(serve_with_deadlines):
    url, _server = serve_with_deadlines()
    sock = _connect(url)
    sock.sendall(
        b"POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000\r\n\r\n" + b'{"rows": ['
    )

    assert _closed_by_server(sock)
    sock.close()


def test_a_body_cut_off_by_its_deadline_is_logged_as_499_without_a_traceback(
    serve_with_deadlines,
):
    url, server = serve_with_deadlines()
    sock = _connect(url)
    sock.sendall(
        b"POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000\r\nX-Request-ID: cut-off-1\r\n\r\n" + b'{"rows": ['
    )
    _closed_by_server(sock)
    sock.close()

    server.send_signal(signal.SIGTERM)
    log = log_of(server)

    [entry] = [json.loads(line) for line in log.splitlines() if '"cut-off-1"' in line]
    assert entry["status"] == 499
    assert "Traceback" not in log and "traceback" not in log


def test_a_kept_alive_connection_whose_next_request_stalls_is_closed(serve_with_deadlines):
    url, _server = serve_with_deadlines()
    sock = _connect(url)
    sock.sendall(b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert sock.recv(65536).startswith(b"HTTP/1.1 200")
    time.sleep(2)  # idle past the first request's clocks: the next request starts its own
    sock.sendall(b"POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty")

    assert _closed_by_server(sock)
    sock.close()


def test_an_idle_kept_alive_connection_stays_open_as_long_as_the_keep_alive_setting(
    serve_model,
):
    url, _server = serve_model(MODELYARD_KEEP_ALIVE="30")
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=CLOSE_WAIT)
    connection.request("GET", "/health/live")
    connection.getresponse().read()
    first = connection.sock
    time.sleep(7)  # past uvicorn's own 5 s, far within the 30 s asked for

    connection.request("GET", "/health/live")  # http.client raises if the server closed it
    answer = connection.getresponse()

    assert answer.status == 200 and connection.sock is first
    connection.close()


def test_a_body_deadline_shorter_than_the_header_deadline_is_kept(serve_model):
    url, _server = serve_model(MODELYARD_HEADER_TIMEOUT="60", MODELYARD_BODY_TIMEOUT="1")
    sock = _connect(url)
    sock.settimeout(15)  # far less than the header deadline: only the body's can close it
    sock.sendall(
        b"POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000\r\n\r\n" + b'{"rows": ['
    )

    assert _closed_by_server(sock)
    sock.close()


def test_a_kept_alive_connection_still_serves_requests_within_the_deadlines(serve_with_deadlines):
    url, _server = serve_with_deadlines()
    with httpx.Client(base_url=url, timeout=30) as client:
        answers = [client.get("/health/live").status_code for _ in range(3)]

    assert answers == [200, 200, 200]


def test_a_body_parsed_in_the_parsing_process_gets_the_same_predictions(
    client, binary_data, trained_classifier
):
    rows = binary_data.x.head(2000).to_dict(orient="records")
    body = json.dumps({"rows": rows}).encode()
    assert len(body) > BIG_BODY_BYTES

    answer = client.post("/predict", content=body, headers={"Content-Type": "application/json"})

    assert answer.json()["predictions"] == trained_classifier.predict(rows).tolist()


@pytest.mark.parametrize(
    "setting",
    [
        "MODELYARD_HEADER_TIMEOUT",
        "MODELYARD_BODY_TIMEOUT",
        "MODELYARD_KEEP_ALIVE",
        "MODELYARD_MAX_IN_FLIGHT",
    ],
)
@pytest.mark.parametrize("value", ["soon", "0", "-5"])
def test_serve_refuses_a_limit_that_is_not_positive(
    setting, value, monkeypatch, capsys, fresh_deadlines
):
    monkeypatch.setenv(setting, value)

    status = main(["serve", "models/anything"])

    error = capsys.readouterr().err
    assert status == 1
    assert error.count("\n") == 1 and setting in error
