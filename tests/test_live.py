"""The service as deployed: gunicorn with the Procfile's settings, hostile requests, killed workers, SIGTERM."""

import errno
import gzip
import importlib.util
import json
import os
import shutil
import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from conftest import ROOT, free_port, kill, launch, resign, start, start_nginx, workers


@pytest.fixture
def server(tiny_models, tmp_path):
    """gunicorn as the Procfile runs it, on the tiny en and fr models; yields (base URL, master process)."""
    port = free_port()
    master = start(tiny_models, tmp_path / "cache", port)
    yield f"http://127.0.0.1:{port}", master
    kill(master)


JSON = {"Content-Type": "application/json"}
HOSTILE = [
    ("invalid UTF-8", b'{"text": "\xc3\x28 bad"}', JSON, 400),
    ("NUL bytes only", json.dumps({"text": "\u0000\u0000"}), JSON, 400),
    ("5,001-byte text", json.dumps({"text": "x" * 5001}), JSON, 400),
    ("100,000-item batch", json.dumps({"texts": ["a"] * 100_000}), JSON, 400),
    ("deeply nested", "[" * 50_000 + "]" * 50_000, JSON, 400),
    ("number for text", json.dumps({"text": 42}), JSON, 400),
    ("list for text", json.dumps({"text": ["good"]}), JSON, 400),
    ("null for text", json.dumps({"text": None}), JSON, 400),
    ("null for texts", json.dumps({"texts": None}), JSON, 400),
    ("object for language", json.dumps({"text": "good", "language": {"x": 1}}), JSON, 400),
    ("duplicate keys", '{"text": "good", "text": "bad"}', JSON, 400),
    ("wrong content type", json.dumps({"text": "good"}), {"Content-Type": "text/plain"}, 415),
    ("missing content type", json.dumps({"text": "good"}), {}, 415),
    ("gzip body", gzip.compress(b'{"text": "good"}' * 1000),
     {**JSON, "Content-Encoding": "gzip"}, 415),
    ("gzip bomb", gzip.compress(b" " * 50_000_000), {**JSON, "Content-Encoding": "gzip"}, 415),
    ("over the body limit", json.dumps({"text": "x" * 1_100_000}), JSON, 413),
]


@pytest.mark.parametrize("name, body, headers, status", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_requests_get_a_json_4xx_quickly(server, name, body, headers, status):
    url, _ = server
    started = time.monotonic()
    response = requests.post(f"{url}/invocations", data=body, headers=headers, timeout=10)
    assert time.monotonic() - started < 5
    assert response.status_code == status, response.text[:300]
    assert response.json()["error"]["code"]
    assert requests.get(f"{url}/ping", timeout=5).status_code == 200


def test_huge_headers_are_refused_and_the_server_stays_up(server):
    url, _ = server
    response = requests.post(f"{url}/invocations", json={"text": "good"}, headers={"X-Big": "x" * 100_000},
                             timeout=10)
    assert 400 <= response.status_code < 500  # gunicorn refuses it before the app (plain text, not JSON)
    assert requests.get(f"{url}/ping", timeout=5).status_code == 200


def test_slow_clients_do_not_block_the_others(server):
    url, _ = server
    host, port = url.removeprefix("http://").split(":")
    stalled = []
    for _ in range(3):
        sock = socket.create_connection((host, int(port)))
        sock.sendall(b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000\r\n\r\n{\"text\": ")
        stalled.append(sock)
    started = time.monotonic()
    reply = requests.post(f"{url}/invocations", json={"text": "This is great!", "language": "en"}, timeout=10)
    assert reply.status_code == 200 and time.monotonic() - started < 2
    for sock in stalled:
        sock.close()


def _stall(port, data):
    """A connection that sends `data` and then nothing more."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(data)
    return sock


def _reply(sock):
    """All that the server sends until it closes the connection (socket.timeout after 10 s of silence)."""
    reply = b""
    while chunk := sock.recv(65536):
        reply += chunk
    sock.close()
    return reply


STALLED_BODY = (b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 1000\r\n\r\n{\"text\": ")


def test_clients_that_stop_mid_request_are_dropped_after_client_timeout(tiny_models, tmp_path):
    port = free_port()
    master = start(tiny_models, tmp_path / "cache", port, CLIENT_TIMEOUT="1")
    try:
        threads = 2 * 4  # WEB_CONCURRENCY x GUNICORN_THREADS: without a timeout, these would hold every thread
        bodies = [_stall(port, STALLED_BODY) for _ in range(threads // 2)]
        headers = [_stall(port, b"POST /invocations HTTP/1.1\r\nHost: x\r\n") for _ in range(threads // 2)]
        time.sleep(0.2)
        reply = requests.post(f"http://127.0.0.1:{port}/invocations", json={"text": "good", "language": "en"},
                              timeout=10)
        assert reply.status_code == 200
        # Read at once: gunicorn closes connections one at a time, each waiting up to 2 s for its client to close.
        with ThreadPoolExecutor(len(bodies + headers)) as pool:
            answers = list(pool.map(_reply, bodies + headers))
        for answer in answers[: len(bodies)]:
            assert answer.startswith(b"HTTP/1.1 400"), answer[:100]
            assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["error"]["code"] == "incomplete_body"
        assert answers[len(bodies) :] == [b""] * len(headers)  # no request to answer: the connection is closed
    finally:
        kill(master)


def test_a_body_declared_too_large_is_refused_without_waiting_for_it(server):
    url, _ = server
    sock = _stall(int(url.rsplit(":", 1)[1]), STALLED_BODY.replace(b"1000", b"99999999"))
    assert sock.recv(65536).startswith(b"HTTP/1.1 413")  # at once, not after CLIENT_TIMEOUT's 30 s
    sock.close()


def hammer(url, stop, outcomes):
    """POST the workshop payload until `stop` is set; count statuses (and 'error: <exception>' for failed
    connections)."""
    session = requests.Session()
    while not stop.is_set():
        try:
            status = session.post(f"{url}/invocations", json={"text": "This is great!", "language": "en"},
                                  timeout=10).status_code
        except requests.RequestException as error:
            status = f"error: {type(error).__name__}"
            session = requests.Session()
        outcomes[status] = outcomes.get(status, 0) + 1


def test_a_killed_worker_is_replaced_and_the_service_keeps_answering(server):
    url, master = server
    before = workers(master)
    stop, outcomes = threading.Event(), {}
    clients = [threading.Thread(target=hammer, args=(url, stop, outcomes)) for _ in range(4)]
    for client in clients:
        client.start()
    time.sleep(1)
    os.kill(before[0], signal.SIGKILL)
    time.sleep(2)
    stop.set()
    for client in clients:
        client.join(15)
    after = workers(master)
    assert len(after) == len(before) and before[0] not in after
    assert outcomes.get(200, 0) > 100
    # Only the requests that the killed worker had in hand can fail: at most one per client thread.
    assert sum(count for status, count in outcomes.items() if str(status).startswith("error")) <= len(clients), \
        outcomes
    assert requests.get(f"{url}/ping", timeout=5).status_code == 200


def test_sigterm_lets_in_flight_requests_finish_then_exits_cleanly(server):
    url, master = server
    host, port = url.removeprefix("http://").split(":")
    body = json.dumps({"text": "This is great!", "language": "en"}).encode()
    in_flight = socket.create_connection((host, int(port)), timeout=30)
    in_flight.sendall(b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body[:10])
    time.sleep(0.5)  # the worker has the request and waits for the rest of its body
    master.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    in_flight.sendall(body[10:])
    reply = b""
    while chunk := in_flight.recv(65536):
        reply += chunk
    in_flight.close()
    assert reply.startswith(b"HTTP/1.1 200"), reply[:200]
    assert b'"Sentiment": "POSITIVE"' in reply
    assert master.wait(30) == 0
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/ping", timeout=2)


def test_sigterm_just_after_a_worker_is_forked_still_stops_it(tiny_models, tmp_path):
    """A worker runs the master's inherited signal handlers until it installs its own: a stop sent then must
    not be lost (the worker would serve on until graceful_timeout)."""
    settings = tmp_path / "slow_fork.conf.py"
    # The Procfile's settings, each worker held 2 s between its fork and its own handlers: a window that
    # is otherwise a few milliseconds wide.
    settings.write_text(f"exec(open({str(ROOT / 'gunicorn.conf.py')!r}).read())\n"
                        "import time\n_post_fork = post_fork\n\n\n"
                        "def post_fork(server, worker):\n    _post_fork(server, worker)\n    time.sleep(2)\n")
    master = launch(tiny_models, tmp_path / "cache", free_port(), config=settings, GUNICORN_TIMEOUT="30")
    try:
        deadline = time.monotonic() + 60
        while len(workers(master)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(workers(master)) == 2
        master.send_signal(signal.SIGTERM)
        assert master.wait(15) == 0  # the workers wake after 2 s and stop; a lost signal takes 30 s
    finally:
        kill(master)


def test_an_instance_killed_behind_the_load_balancer_loses_at_most_its_half_sent_answers(nginx, tiny_models,
                                                                                         tmp_path):
    ports = [free_port() for _ in range(3)]
    instances = [start(tiny_models, tmp_path / f"cache{i}", port, web_concurrency=1) for i, port in enumerate(ports)]
    port = free_port()
    balancer = start_nginx(nginx, tmp_path / "nginx", port, ports)
    url = f"http://127.0.0.1:{port}"
    stop, outcomes = threading.Event(), {}
    clients = [threading.Thread(target=hammer, args=(url, stop, outcomes)) for _ in range(4)]
    try:
        for client in clients:
            client.start()
        time.sleep(1)
        kill(instances[0])
        time.sleep(1)
        instances[0] = start(tiny_models, tmp_path / "cache0", ports[0], web_concurrency=1)
        time.sleep(1)
        stop.set()
        for client in clients:
            client.join(15)
    finally:
        stop.set()
        balancer.terminate()
        balancer.wait(10)
        for master in instances:
            kill(master)
    assert outcomes.get(200, 0) > 100, outcomes
    # nginx retries every request the killed instance refused or dropped on another one, except an answer
    # whose headers it had already passed on (gunicorn sends them before the body): at most one per client.
    failed = {status: count for status, count in outcomes.items() if status != 200}
    assert all(str(status).startswith("error") for status in failed) and sum(failed.values()) <= len(clients), \
        outcomes


def test_gunicorn_verifies_boto3_signatures_and_keeps_secrets_out_of_ping(tiny_models, tmp_path):
    port = free_port()
    master = start(tiny_models, tmp_path / "cache", port, SIGV4_CREDENTIALS="AKIDLIVE:live-secret-value")
    try:
        url = f"http://127.0.0.1:{port}"

        def client(secret):
            return boto3.client("comprehend", endpoint_url=url, region_name="eu-west-1",
                                aws_access_key_id="AKIDLIVE", aws_secret_access_key=secret)

        assert client("live-secret-value").detect_sentiment(Text="great", LanguageCode="en")["Sentiment"] == "POSITIVE"
        with pytest.raises(ClientError) as refused:
            client("guessed").detect_sentiment(Text="great", LanguageCode="en")
        assert refused.value.response["Error"]["Code"] == "InvalidSignatureException"
        assert "live-secret-value" not in requests.get(f"{url}/ping", timeout=5).text
    finally:
        kill(master)


def test_gunicorn_refuses_a_model_that_crashes_fasttext_and_serves_the_others(tiny_models, tmp_path):
    source = tmp_path / "source"
    shutil.copytree(tiny_models, source)
    resign(source, "en", (tiny_models / "en.ftz").read_bytes()[:8])
    port = free_port()
    master = start(source, tmp_path / "cache", port, ping=503)
    try:
        url = f"http://127.0.0.1:{port}"
        ping = requests.get(f"{url}/ping", timeout=5).json()
        assert list(ping["errors"]) == ["en"] and ping["errors"]["en"].startswith("en.ftz ")
        french = requests.post(f"{url}/invocations", json={"text": "c'est génial"}, timeout=5)
        assert french.status_code == 200 and french.json()["LanguageCode"] == "fr"
        english = requests.post(f"{url}/invocations", json={"text": "great", "language": "en"}, timeout=5)
        assert english.status_code == 503 and english.json()["error"]["code"] == "model_unavailable"
        assert len(workers(master)) == 2 and master.poll() is None
    finally:
        kill(master)


def test_hostile_batches_are_answered_and_ping_keeps_answering_behind_nginx(server, nginx, tmp_path):
    url, _ = server
    port = free_port()
    proxy = start_nginx(nginx, tmp_path / "nginx", port, [int(url.rsplit(":", 1)[1])])
    try:
        front = f"http://127.0.0.1:{port}"
        texts = ["<b>" + "<a " * 1665, "x<" * 2500, "\\ud83d\\ude00" * 416, "<![ >" * 1000, "\\ud83d" * 833]
        body = json.dumps({"texts": [texts[i % len(texts)] for i in range(150)], "language": "en"})
        statuses, pings = [], []

        def attack():
            for _ in range(3):
                reply = requests.post(f"{front}/invocations", data=body, headers=JSON, timeout=30)
                answer = reply.json()
                statuses.append((reply.status_code, len(answer["ResultList"]),
                                 {error["ErrorCode"] for error in answer["ErrorList"]}))

        attackers = [threading.Thread(target=attack) for _ in range(4)]
        for thread in attackers:
            thread.start()
        while any(thread.is_alive() for thread in attackers):
            pings.append(requests.get(f"{front}/ping", timeout=5).status_code)
            time.sleep(0.05)
        for thread in attackers:
            thread.join()
        # Lone surrogates and markup decode to nothing: those texts are each an EMPTY_TEXT entry.
        assert statuses == [(200, 90, {"EMPTY_TEXT"})] * 12
        assert pings and set(pings) == {200}
    finally:
        proxy.terminate()
        proxy.wait(10)


def _sockets(pid):
    """The number of sockets process `pid` holds open."""
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            count += os.readlink(fd).startswith("socket:")
        except FileNotFoundError:
            pass  # closed meanwhile
    return count


def _held(port, count, before):
    """Open `count` kept-alive connections to `port` at once, one request each; return them and how many
    connections each worker holds beyond `before` (pid -> its sockets beforehand)."""
    connections = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
    for connection in connections:
        connection.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
    for connection in connections:
        assert connection.recv(65536).startswith(b"HTTP/1.1 200")
    return connections, [_sockets(pid) - sockets for pid, sockets in before.items()]


def test_kept_alive_connections_are_spread_over_the_workers(server):
    """gunicorn.conf.py's BalancedThreadWorker: no worker accepts more than one connection beyond the others,
    in a burst, and just after one (when gthread's own count would still be stale)."""
    url, master = server
    port = int(url.rsplit(":", 1)[1])
    before = {pid: _sockets(pid) for pid in workers(master)}
    burst, held = _held(port, 16, before)
    for connection in burst:
        connection.close()
    assert sum(held) == 16 and max(held) - min(held) <= 2, held
    deadline = time.monotonic() + 5
    while sum(_sockets(pid) for pid in before) > sum(before.values()) and time.monotonic() < deadline:
        time.sleep(0.05)
    pair, held = _held(port, 2, before)
    for connection in pair:
        connection.close()
    assert held == [1, 1]


def _worker(conf, server):
    """A BalancedThreadWorker as the master forks it (its slot), without gthread's set-up."""
    worker = object.__new__(conf.BalancedThreadWorker)
    conf.pre_fork(server, worker)
    worker.worker_connections = 1000
    worker.nr_conns = 0
    return worker


def _settings():
    """A fresh copy of gunicorn.conf.py as a module: its own shared counts."""
    spec = importlib.util.spec_from_file_location("gunicorn_settings", ROOT / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    return conf


def test_a_worker_takes_no_more_than_its_share_while_the_others_are_forked():
    """The master forks the workers one after the other: the first must not take a whole early burst."""
    conf = _settings()
    server = SimpleNamespace(num_workers=2, WORKERS={})
    conf.when_ready(server)
    first = _worker(conf, server)
    assert first.worker_connections == 1  # the second worker, not forked yet, counts as holding none
    second = _worker(conf, server)
    first.nr_conns = second.nr_conns = 1
    assert first.worker_connections == second.worker_connections == 2
    server.WORKERS = {1: first}
    conf.child_exit(server, second)  # a worker died: its replacement is coming
    assert first.worker_connections == 1
    third = _worker(conf, server)
    assert third.slot == second.slot
    server.num_workers = 1
    conf.child_exit(server, third)  # fewer workers asked: nobody replaces it
    assert first.worker_connections == 1000


def test_a_client_silent_for_client_timeout_reads_as_a_reset(monkeypatch):
    """gunicorn logs a timed-out read as an error with its traceback, but drops a reset quietly."""
    conf = _settings()
    monkeypatch.setattr(conf, "CLIENT_TIMEOUT", 0.05)
    ours, theirs = socket.socketpair()
    client = conf.ClientSocket(ours.family, ours.type, ours.proto, ours.detach())
    client.setblocking(True)  # as gthread sets it before each request
    with pytest.raises(ConnectionResetError) as error:
        client.recv(10)
    assert error.value.errno == errno.ECONNRESET
    theirs.sendall(b"more")
    assert client.recv(10) == b"more"
    client.close()
    theirs.close()
