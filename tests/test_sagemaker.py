"""SageMaker's container contract (`serve` on 8080 or SAGEMAKER_BIND_TO_PORT, its content types, the
Dockerfile), and `python application.py` as a development server."""

import json
import os
import socket
import subprocess
import sys
import time

import pytest
import requests
from conftest import BIN, ROOT, free_port, kill


def launch(command, port, tiny_models, tmp_path, **env):
    """Run `command` from the project folder on the tiny models; return the process once /ping on `port` is 200."""
    process = subprocess.Popen(
        command, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "MODEL_SOURCE": str(tiny_models),
             "LANGUAGES": "en,fr", "MODEL_CACHE_DIR": str(tmp_path / "cache"), **env})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if requests.get(f"http://127.0.0.1:{port}/ping", timeout=1).status_code == 200:
                return process
        except requests.ConnectionError:
            time.sleep(0.1)
    kill(process)
    pytest.fail(f"{command} did not serve on {port} (exit status {process.poll()})")


def start_serve(tiny_models, tmp_path, **env):
    """Run `./serve` as SageMaker would (no Docker), on the tiny models; return the process once /ping is 200."""
    return launch(["./serve"], env.get("SAGEMAKER_BIND_TO_PORT", "8080"), tiny_models, tmp_path, **env)


def test_serve_answers_every_content_type_in_the_type_accept_asks_for(tiny_models, tmp_path):
    port = free_port()
    process = start_serve(tiny_models, tmp_path, SAGEMAKER_BIND_TO_PORT=str(port))
    url = f"http://127.0.0.1:{port}/invocations"
    try:
        # The README's curl: two CSV lines in, two JSON lines out.
        lines = requests.post(url, data="I love it\nI hate it\n".encode(), timeout=5, headers={
            "Content-Type": "text/csv", "Accept": "application/jsonlines"})
        assert lines.headers["Content-Type"].startswith("application/jsonlines")
        assert [json.loads(line)["Sentiment"] for line in lines.text.splitlines()] == ["POSITIVE", "NEGATIVE"]
        rows = requests.post(url, data='{"source": "I love it"}\n{"text": "I hate it"}\n', timeout=5, headers={
            "Content-Type": "application/jsonlines", "Accept": "text/csv"})
        assert [row.split(",")[0] for row in rows.text.splitlines()] == ["POSITIVE", "NEGATIVE"]
        same = requests.post(url, data="I love it\n", headers={"Content-Type": "text/csv"}, timeout=5)
        assert same.headers["Content-Type"].startswith("text/csv") and same.text.startswith("POSITIVE,")
        one = requests.post(url, json={"text": "I love it"}, timeout=5)
        assert one.json()["Sentiment"] == "POSITIVE" and one.json()["LanguageDetected"] is True
        refused = requests.post(url, json={"text": "I love it"}, headers={"Accept": "application/xml"}, timeout=5)
        assert refused.status_code == 406 and refused.json()["error"]["code"] == "not_acceptable"
    finally:
        kill(process)


def test_serve_listens_on_8080_by_default(tiny_models, tmp_path):
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 8080)) == 0:
            pytest.skip("port 8080 is taken on this machine")
    process = start_serve(tiny_models, tmp_path)
    kill(process)


def test_dockerfile_passes_hadolint_and_copies_what_the_service_imports():
    lint = subprocess.run([str(BIN / "hadolint"), "Dockerfile"], cwd=ROOT, capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    copied = set()
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY "):
            copied.update(source.rstrip("/") for source in line.split()[1:-1])
    assert {"application.py", "gunicorn.conf.py", "openapi.yaml", "serve", "sentiment", "models", "templates",
            "static", "requirements.txt"} <= copied
    assert "build-essential" not in (ROOT / "Dockerfile").read_text() and "gcc" not in (ROOT / "Dockerfile").read_text()


def test_python_application_py_runs_a_development_server_on_port(tiny_models, tmp_path):
    port = free_port()
    kill(launch([sys.executable, "application.py"], port, tiny_models, tmp_path, PORT=str(port)))
