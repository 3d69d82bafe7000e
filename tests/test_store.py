"""The model cache: downloads from a folder, HTTP and S3, verification, fallbacks, retries and locking."""

import hashlib
import http.server
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from conftest import ROOT, free_port, resign

from sentiment import canary
from sentiment.store import Store


NAMES = ["en", "fr", "lid"]
MODEL_FILES = ["/en.ftz", "/fr.ftz", "/lid.176.ftz"]


def store(source, cache, **kwargs):
    return Store(source, cache, **{"timeout": 2.0, "retries": 2, "backoff": 0.0, **kwargs})


def copy_source(tiny_models, tmp_path):
    source = tmp_path / "source"
    shutil.copytree(tiny_models, source)
    return source


def source_with_en(tiny_models, tmp_path, **fields):
    """Return a copy of the tiny models whose manifest entry of en has `fields` set."""
    source = copy_source(tiny_models, tmp_path)
    manifest = json.loads((source / "manifest.json").read_text())
    manifest["models"]["en"].update(fields)
    (source / "manifest.json").write_text(json.dumps(manifest))
    return source


def assert_cached(paths, tiny_models):
    assert sorted(paths) == sorted(NAMES)
    for path in paths.values():
        assert path.read_bytes() == (tiny_models / path.name).read_bytes()
    assert not list(path.parent.glob("*.part"))


def test_local_folder_source(tiny_models, tmp_path):
    manifest, paths, errors = store(tiny_models, tmp_path / "cache").sync(NAMES)
    assert errors == {}
    assert manifest["models"]["en"]["version"] == "test"
    assert_cached(paths, tiny_models)


def test_http_source_downloads_once_then_serves_from_cache(http_source, tiny_models, tmp_path):
    url, server = http_source
    _, paths, errors = store(url, tmp_path / "cache").sync(NAMES)
    assert errors == {}
    assert_cached(paths, tiny_models)
    assert all(server.counts[f] == 1 for f in MODEL_FILES)
    store(url, tmp_path / "cache").sync(NAMES)
    assert all(server.counts[f] == 1 for f in MODEL_FILES)
    assert server.counts["/manifest.json"] == 2


def test_s3_source(tiny_models, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="models-bucket")
        for path in tiny_models.iterdir():
            s3.upload_file(str(path), "models-bucket", f"sentiment/v1/{path.name}")
        _, paths, errors = store("s3://models-bucket/sentiment/v1", tmp_path / "cache").sync(NAMES)
        assert errors == {}
        assert_cached(paths, tiny_models)
        _, paths, errors = store("s3://models-bucket/elsewhere", tmp_path / "empty").sync(NAMES)
        assert paths == {} and "NoSuchKey" in errors["en"]


def test_checksum_failure_is_never_cached_or_loaded(make_app, tiny_models, tmp_path):
    source = copy_source(tiny_models, tmp_path)
    data = bytearray((source / "en.ftz").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (source / "en.ftz").write_bytes(bytes(data))
    _, paths, errors = store(source, tmp_path / "cache").sync(NAMES)
    assert "en" not in paths and "sha256" in errors["en"]
    assert not (tmp_path / "cache" / "en.ftz").exists() and not (tmp_path / "cache" / "en.ftz.part").exists()
    ping = make_app(MODEL_SOURCE=str(source), MODEL_CACHE_DIR=str(tmp_path / "app-cache")).test_client().get("/ping")
    assert ping.status_code == 503 and "sha256" in ping.get_json()["errors"]["en"]


def test_a_tampered_lexicon_is_refused_with_its_model(make_app, tiny_models, tmp_path):
    source = copy_source(tiny_models, tmp_path)
    (source / "en.lexicon.tsv").write_text("great\t-1\nlove\t-1\n", encoding="utf-8")
    _, paths, errors = store(source, tmp_path / "cache").sync(NAMES)
    assert "en" not in paths and "en.lexicon.tsv" in errors["en"] and "fr" in paths
    ping = make_app(MODEL_SOURCE=str(source), MODEL_CACHE_DIR=str(tmp_path / "app-cache")).test_client().get("/ping")
    assert ping.status_code == 503 and "en.lexicon.tsv" in ping.get_json()["errors"]["en"]


@pytest.mark.parametrize("field, temperature", [*(("temperature", t) for t in (0, -1.5, "2", None, True)),
                                                *(("plain_temperature", t) for t in (0, "2", None))])
def test_a_bad_temperature_is_refused_with_its_reason(make_app, tiny_models, tmp_path, field, temperature):
    source = source_with_en(tiny_models, tmp_path, **{field: temperature})
    client = make_app(MODEL_SOURCE=str(source)).test_client()
    ping = client.get("/ping")
    assert ping.status_code == 503 and "temperature" in ping.get_json()["errors"]["en"]
    assert client.post("/invocations", json={"text": "c'est génial", "language": "fr"}).status_code == 200


@pytest.mark.parametrize("value", [-0.1, 0.5, "0.1", None, True, float("nan")])
def test_a_bad_smoothing_is_refused_with_its_reason(make_app, tiny_models, tmp_path, value):
    source = source_with_en(tiny_models, tmp_path, smoothing=value)
    ping = make_app(MODEL_SOURCE=str(source)).test_client().get("/ping")
    assert ping.status_code == 503 and "smoothing" in ping.get_json()["errors"]["en"]


@pytest.mark.parametrize("value", [1, "true", None])
def test_a_bad_plain_lower_case_is_refused_with_its_reason(make_app, tiny_models, tmp_path, value):
    source = source_with_en(tiny_models, tmp_path, plain_lower_case=value)
    ping = make_app(MODEL_SOURCE=str(source)).test_client().get("/ping")
    assert ping.status_code == 503 and "plain_lower_case" in ping.get_json()["errors"]["en"]


def test_a_model_that_reads_lower_case_as_plain_scores_it_as_the_capitalised_text(make_app, tiny_models, tmp_path):
    client = make_app(MODEL_SOURCE=str(source_with_en(tiny_models, tmp_path, plain_lower_case=True))).test_client()
    post = lambda text: client.post("/invocations", json={"text": text, "language": "en"}).get_json()["SentimentScore"]
    # The same tokens; without the setting, "i love it!" takes the tweets' temperature (test_api).
    assert post("i love it!") == post("I love it!")


@pytest.mark.parametrize("field, value", [*(("weight", weight) for weight in (0, 11, 2.5, "3", None, True)),
                                          *(("drop_negated", flag) for flag in (1, "true", None)),
                                          *(("stop_words", words) for words in ("the", ["the", ""], ["a b"], [1]))])
def test_a_bad_lexicon_setting_is_refused_with_its_reason(make_app, tiny_models, tmp_path, field, value):
    source = copy_source(tiny_models, tmp_path)
    manifest = json.loads((source / "manifest.json").read_text())
    manifest["models"]["en"]["lexicon"][field] = value
    (source / "manifest.json").write_text(json.dumps(manifest))
    ping = make_app(MODEL_SOURCE=str(source)).test_client().get("/ping")
    assert ping.status_code == 503 and f"lexicon {field}" in ping.get_json()["errors"]["en"]


@pytest.mark.parametrize("field", ["bias", "plain_bias"])
@pytest.mark.parametrize("bias", [{"neutral": 6}, {"neutral": "1"}, {"neutral": True}, {"mixed": 0.5}, [0.5]])
def test_a_bad_class_bias_is_refused_with_its_reason(make_app, tiny_models, tmp_path, field, bias):
    source = copy_source(tiny_models, tmp_path)
    manifest = json.loads((source / "manifest.json").read_text())
    manifest["models"]["en"][field] = bias
    (source / "manifest.json").write_text(json.dumps(manifest))
    ping = make_app(MODEL_SOURCE=str(source)).test_client().get("/ping")
    assert ping.status_code == 503 and "bias" in ping.get_json()["errors"]["en"]


def test_truncated_file_fails_on_size(tiny_models, tmp_path):
    source = copy_source(tiny_models, tmp_path)
    (source / "fr.ftz").write_bytes((tiny_models / "fr.ftz").read_bytes()[:1000])
    _, paths, errors = store(source, tmp_path / "cache").sync(NAMES)
    assert "fr" not in paths and "1000 bytes" in errors["fr"]


def test_corrupt_cached_copy_is_replaced(tiny_models, tmp_path):
    cache = tmp_path / "cache"
    store(tiny_models, cache).sync(NAMES)
    (cache / "en.ftz").write_bytes(b"garbage")
    _, paths, errors = store(tiny_models, cache).sync(NAMES)
    assert errors == {}
    assert_cached(paths, tiny_models)


def test_unreachable_source_uses_the_verified_cache(http_source, tiny_models, tmp_path, caplog):
    url, server = http_source
    store(url, tmp_path / "cache").sync(NAMES)
    server.shutdown()
    server.server_close()
    with caplog.at_level(logging.WARNING, logger="sentiment.store"):
        _, paths, errors = store(url, tmp_path / "cache").sync(NAMES)
    assert errors == {}
    assert_cached(paths, tiny_models)
    assert any(r.getMessage() == "using the cached manifest" for r in caplog.records)


def test_unreachable_source_without_cache_is_not_ready(make_app, tmp_path):
    app = make_app(MODEL_SOURCE=f"http://127.0.0.1:{free_port()}/models")
    response = app.test_client().get("/ping")
    assert response.status_code == 503
    assert set(response.get_json()["errors"]) == {"en", "fr", "lid"}
    reply = app.test_client().post("/invocations", json={"text": "good", "language": "en"})
    assert reply.status_code == 503 and reply.get_json()["error"]["code"] == "model_unavailable"


def test_source_that_never_answers_times_out(tmp_path):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        started = time.monotonic()
        _, paths, errors = store(f"http://127.0.0.1:{silent.getsockname()[1]}", tmp_path / "cache",
                                 timeout=0.3, retries=2).sync(NAMES)
    assert paths == {} and "no manifest" in errors["en"]
    assert time.monotonic() - started < 5


def test_transient_failures_are_retried(http_source, tiny_models, tmp_path):
    url, server = http_source
    server.failures = 2
    _, paths, errors = store(url, tmp_path / "cache", retries=3).sync(NAMES)
    assert errors == {} and server.failures == 0
    assert_cached(paths, tiny_models)


def test_a_bad_manifest_is_not_used(tiny_models, tmp_path):
    source = copy_source(tiny_models, tmp_path)
    (source / "manifest.json").write_text(json.dumps({"models": {"en": {"file": "en.ftz"}}}))
    _, paths, errors = store(source, tmp_path / "cache").sync(NAMES)
    assert paths == {} and "lacks a plain file name (no path), size or sha256" in errors["en"]


SYNC_IN_A_PROCESS = """
import sys
from sentiment import canary
from sentiment.store import Store
_, paths, errors = Store(sys.argv[1], sys.argv[2], timeout=5, retries=1).sync(["en", "fr", "lid"])
print(len(paths), len(errors))
"""


def test_concurrent_first_start_downloads_each_file_once(http_source, tiny_models, tmp_path):
    url, server = http_source
    cache = tmp_path / "cache"
    workers = [
        subprocess.Popen([sys.executable, "-c", SYNC_IN_A_PROCESS, url, str(cache)], stdout=subprocess.PIPE,
                         text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        for _ in range(4)
    ]
    outputs = [worker.communicate(timeout=60)[0].strip() for worker in workers]
    assert outputs == ["3 0"] * 4
    assert [server.counts[f] for f in MODEL_FILES] == [1, 1, 1]
    assert_cached({name: cache / f.lstrip("/") for name, f in zip(NAMES, MODEL_FILES)}, tiny_models)


class DeniedHandler(http.server.BaseHTTPRequestHandler):
    """An S3 endpoint that refuses every request as S3 does without permission."""

    def do_GET(self):
        body = b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied</Code>" \
               b"<Message>Access Denied</Message></Error>"
        self.send_response(403)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_s3_access_denied_is_reported_and_the_cache_still_serves(tiny_models, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    store(tiny_models, cache).sync(NAMES)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), DeniedHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    try:
        _, paths, errors = store("s3://private-bucket/models", tmp_path / "empty").sync(NAMES)
        assert paths == {} and "AccessDenied" in errors["en"]
        _, paths, errors = store("s3://private-bucket/models", cache).sync(NAMES)
        assert errors == {}
        assert_cached(paths, tiny_models)
    finally:
        server.shutdown()


FULL_DISK = """
import json, resource, signal, sys
from sentiment import canary
from sentiment.store import Store
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails with EFBIG, as on a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))
_, paths, errors = Store(sys.argv[1], sys.argv[2], timeout=5, retries=1).sync(["en", "fr", "lid"])
print(json.dumps({"paths": sorted(paths), "errors": errors}))
"""


def test_disk_full_while_caching_leaves_no_partial_file(tiny_models, tmp_path):
    cache = tmp_path / "cache"
    run = subprocess.run([sys.executable, "-c", FULL_DISK, str(tiny_models), str(cache)], capture_output=True,
                         text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    result = json.loads(run.stdout)
    assert result["paths"] == ["en", "fr"]  # the tiny models fit; lid.176.ftz (938 KB) does not
    assert "lid" in result["errors"]
    assert sorted(p.name for p in cache.iterdir()) == [".lock", "en.ftz", "en.lexicon.tsv", "fr.ftz", "manifest.json"]


def test_a_pinned_manifest_refuses_a_resigned_source(make_app, tiny_models, tmp_path):
    pin = hashlib.sha256((tiny_models / "manifest.json").read_bytes()).hexdigest()
    source = copy_source(tiny_models, tmp_path)
    resign(source, "en", (tiny_models / "fr.ftz").read_bytes())
    _, paths, errors = store(source, tmp_path / "fresh", manifest_sha256=pin).sync(NAMES)
    assert paths == {} and "not the one MODEL_MANIFEST_SHA256 pins" in errors["en"]
    ping = make_app(MODEL_SOURCE=str(source), MODEL_MANIFEST_SHA256=pin).test_client().get("/ping")
    assert ping.status_code == 503 and "MODEL_MANIFEST_SHA256" in ping.get_json()["errors"]["en"]
    # With the pinned manifest and its files already cached, the service keeps serving them.
    cache = tmp_path / "cache"
    store(tiny_models, cache, manifest_sha256=pin).sync(NAMES)
    _, paths, errors = store(source, cache, manifest_sha256=pin.upper()).sync(NAMES)
    assert errors == {}
    assert_cached(paths, tiny_models)
    assert (cache / "manifest.json").read_bytes() == (tiny_models / "manifest.json").read_bytes()


def test_a_file_larger_than_its_entry_is_cut_off(http_source, tiny_models, tmp_path):
    url, _ = http_source
    real = (tiny_models / "fr.ftz").read_bytes()
    manifest = json.loads((tiny_models / "manifest.json").read_text())
    manifest["models"]["fr"]["size"] = 1000
    (tmp_path / "source").mkdir()
    (tmp_path / "source" / "manifest.json").write_text(json.dumps(manifest))
    (tmp_path / "source" / "fr.ftz").write_bytes(real * 50)
    _, paths, errors = store(tmp_path / "source", tmp_path / "cache").sync(["fr"])
    assert "fr" not in paths and "over the 1000 bytes expected" in errors["fr"]
    assert not list((tmp_path / "cache").glob("fr.ftz*"))


class Drip(http.server.BaseHTTPRequestHandler):
    """Answers every GET with a body that arrives one byte every 0.2 s, forever."""

    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        try:
            while True:
                self.wfile.write(b"{")
                self.wfile.flush()
                time.sleep(0.2)
        except OSError:
            pass

    def log_message(self, *args):
        pass


def test_a_dripping_source_meets_the_overall_deadline(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Drip)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    started = time.monotonic()
    _, paths, errors = store(f"http://127.0.0.1:{server.server_address[1]}", tmp_path / "cache", timeout=2.0,
                             deadline=1.0).sync(NAMES)
    assert paths == {} and "deadline" in errors["en"]
    assert time.monotonic() - started < 5
    server.shutdown()


@pytest.mark.parametrize("name", ["../../private/x", "/etc/passwd", "sub/en.ftz", "..", "manifest.json", "en.ftz\n"])
def test_file_names_with_path_components_are_refused(tiny_models, tmp_path, name):
    source = copy_source(tiny_models, tmp_path)
    manifest = json.loads((source / "manifest.json").read_text())
    manifest["models"]["en"]["file"] = name
    (source / "manifest.json").write_text(json.dumps(manifest))
    _, paths, errors = store(source, tmp_path / "cache").sync(NAMES)
    assert paths == {} and "lacks a plain file name" in errors["en"]


def test_the_cache_never_follows_symbolic_links(tiny_models, tmp_path):
    cache, outside = tmp_path / "cache", tmp_path / "outside.txt"
    outside.write_text("someone else's file")
    cache.mkdir()
    for name in ("en.ftz", "fr.ftz.part", "manifest.json.part", ".lock"):
        (cache / name).symlink_to(outside)
    _, paths, errors = store(tiny_models, cache).sync(NAMES)
    assert errors == {}
    assert_cached(paths, tiny_models)
    assert outside.read_text() == "someone else's file"
    assert not (cache / "en.ftz").is_symlink()


@pytest.mark.parametrize("size", [8, 100])
def test_a_relisted_broken_model_is_refused_and_the_others_serve(make_app, tiny_models, tmp_path, size):
    source = copy_source(tiny_models, tmp_path)
    resign(source, "en", (tiny_models / "en.ftz").read_bytes()[:size])
    client = make_app(MODEL_SOURCE=str(source)).test_client()
    ping = client.get("/ping")
    assert ping.status_code == 503 and list(ping.get_json()["errors"]) == ["en"]
    # How it fails depends on the fastText build and on what the heap held: the 8-byte file leaves the sizes it
    # reads uninitialised (a division by zero, a MemoryError, a std::length_error).
    error = ping.get_json()["errors"]["en"]
    assert error == "en.ftz crashed fastText (SIGFPE) on a test text" or \
        error.startswith(("en.ftz failed on a test text: MemoryError", "en.ftz failed on a test text: ValueError"))
    assert client.post("/invocations", json={"text": "c'est génial", "language": "fr"}).status_code == 200
    assert client.post("/invocations", json={"text": "great", "language": "en"}).status_code == 503


def test_a_model_that_does_not_answer_in_time_is_refused(make_app, monkeypatch):
    monkeypatch.setattr(canary, "TIMEOUT", 0.001)
    errors = make_app().test_client().get("/ping").get_json()["errors"]
    assert errors == {name: f"{file} did not answer a test text within 0.001 s"
                      for name, file in [("en", "en.ftz"), ("fr", "fr.ftz"), ("lid", "lid.176.ftz")]}


def test_a_crash_is_reported_with_its_signal():
    assert canary._reason(Path("en.ftz"), -8, b"") == "en.ftz crashed fastText (SIGFPE) on a test text"


def test_credentials_in_the_source_never_reach_ping_or_the_logs(make_app, caplog):
    source = f"http://reader:hunter2@127.0.0.1:{free_port()}/models?X-Amz-Signature=abcdef0123456789"
    with caplog.at_level(logging.DEBUG):
        ping = make_app(MODEL_SOURCE=source).test_client().get("/ping")
    assert ping.status_code == 503 and "127.0.0.1" in ping.get_data(as_text=True)
    shown = ping.get_data(as_text=True) + "".join(json.dumps(vars(r), default=str) for r in caplog.records)
    assert "hunter2" not in shown and "abcdef0123456789" not in shown
