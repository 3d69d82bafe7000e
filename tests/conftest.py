"""Fixtures: tiny real fastText models trained in a temporary folder, and apps built on them."""

import functools
import hashlib
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the venv the suite runs in: .venv-dev
GUNICORN = (ROOT / "Procfile").read_text().split("web:", 1)[1].split()
# Importing application builds the module-level app; keep its cache out of the shared temp folder.
os.environ.setdefault("MODEL_CACHE_DIR", tempfile.mkdtemp(prefix="sentiment-test-cache-"))

from sentiment.lexicon import Lexicon  # noqa: E402
from sentiment.model import model_input  # noqa: E402
from sentiment.recipe import train  # noqa: E402
from sentiment.train import entry, write_manifest  # noqa: E402

TINY_TRAIN = {"epoch": 50, "lr": 0.5, "dim": 32, "wordNgrams": 2, "minn": 0, "maxn": 0, "bucket": 1000,
              "loss": "softmax", "thread": 1, "seed": 0, "verbose": 0}
TINY_QUANTIZE = {"qnorm": True, "cutoff": 1000, "retrain": False, "dsub": 2, "thread": 1, "verbose": 0}

WORDS = {
    "en": {
        "positive": "great love excellent happy wonderful amazing best good",
        "negative": "terrible hate awful worst bad horrible sad angry",
        "neutral": "table meeting report tuesday bus schedule today news",
    },
    "fr": {
        "positive": "génial adore excellent heureux merveilleux super bien",
        "negative": "nul déteste horrible pire mauvais triste fâché",
        "neutral": "table réunion rapport mardi bus horaire aujourd'hui",
    },
}
TEMPLATES = {
    "en": ["this is {}", "i think it is {}", "{} {}", "the film was {} !"],
    "fr": ["c'est {}", "je pense que c'est {}", "{} {}", "le film était {} !"],
}


# The tiny English model reads lexicon features and has calibration temperatures, as the shipped ones do.
TINY_LEXICON = "great\t1\nlove\t1\nterrible\t-1\nhate\t-1\n"
TINY_TEMPERATURE = 1.5
TINY_PLAIN_TEMPERATURE = 0.75


def tiny_lines(language):
    """Return fastText training lines for a tiny, easily learnt `language` corpus."""
    lines = []
    for label, words in WORDS[language].items():
        words = words.split()
        for template in TEMPLATES[language]:
            for i, word in enumerate(words):
                lines.append(f"__label__{label} " + template.format(word, words[i - 1]))
    return lines


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory):
    """A model folder with tiny en (with a lexicon) and fr models, the bundled lid.176, and their manifest."""
    out = tmp_path_factory.mktemp("models")
    (out / "en.lexicon.tsv").write_text(TINY_LEXICON, encoding="utf-8")
    models = {}
    for language in WORDS:
        path = out / f"{language}.ftz"
        fields = {}
        lexicon = None
        if language == "en":
            lexicon = Lexicon.load(out / "en.lexicon.tsv", "en")
            fields = {"lexicon": entry(out / "en.lexicon.tsv"), "temperature": TINY_TEMPERATURE,
                      "plain_temperature": TINY_PLAIN_TEMPERATURE}
        lines = [f"{label} {model_input(text, lexicon)}" for label, text in
                 (line.split(" ", 1) for line in tiny_lines(language))]
        train(lines, path, TINY_TRAIN, TINY_QUANTIZE)
        models[language] = entry(path, labels=["negative", "neutral", "positive"], version="test", **fields)
    shutil.copyfile(ROOT / "models" / "lid.176.ftz", out / "lid.176.ftz")
    models["lid"] = entry(out / "lid.176.ftz")
    write_manifest(out, models)
    return out


@pytest.fixture
def make_app(tiny_models, tmp_path):
    """Build the app on the tiny models with a fresh cache; keyword arguments override the config."""
    import application

    def make(**config):
        settings = {"MODEL_SOURCE": str(tiny_models), "MODEL_CACHE_DIR": str(tmp_path / "cache"),
                    "LANGUAGES": "en,fr", "DOWNLOAD_RETRIES": 2, "DOWNLOAD_BACKOFF": 0.0, "DOWNLOAD_TIMEOUT": 2.0}
        settings.update(config)
        return application.create_app(settings)

    return make


@pytest.fixture
def client(make_app):
    """A test client of the app on the tiny en and fr models."""
    return make_app().test_client()


class CountingHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder, counts the GET requests per path, and fails the next `server.failures` of them."""

    def do_GET(self):
        with self.server.lock:
            self.server.counts[self.path] = self.server.counts.get(self.path, 0) + 1
            failing = self.server.failures > 0
            self.server.failures -= failing
        if failing:
            self.send_error(503)
        else:
            super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture
def http_source(tiny_models):
    """A local HTTP server serving a copy of the tiny models; yields (base URL, server)."""
    handler = functools.partial(CountingHandler, directory=str(tiny_models))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.counts, server.lock, server.failures = {}, threading.Lock(), 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", server
    server.shutdown()
    server.server_close()


def resign(source, language, new_bytes):
    """Replace `language`'s model in the folder `source` with `new_bytes` and recompute the manifest, as a
    compromised source would."""
    manifest = json.loads((source / "manifest.json").read_text())
    entry = manifest["models"][language]
    (source / entry["file"]).write_bytes(new_bytes)
    entry["size"], entry["sha256"] = len(new_bytes), hashlib.sha256(new_bytes).hexdigest()
    (source / "manifest.json").write_text(json.dumps(manifest))


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def debian_program(path, package):
    """Return `path`, installing Debian's `package` when it is missing and we can (root, apt-get); else skip."""
    if not os.path.exists(path) and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(f"apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq {package}",
                       shell=True, capture_output=True)
    if not os.path.exists(path):
        pytest.skip(f"{path} is not installed and cannot be installed here (needs root and apt-get)")
    return path


@pytest.fixture(scope="session")
def nginx():
    """Debian's nginx: Elastic Beanstalk's proxy, and our stand-in for the load balancer."""
    return debian_program("/usr/sbin/nginx", "nginx")


NGINX_CONF = """
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
{user}
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    {extra}
    upstream app {{
        {servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://app;
            proxy_set_header Host $host;
            # Inference has no side effect, so a POST may be retried on another instance.
            proxy_next_upstream error timeout http_502 http_503 non_idempotent;
            proxy_connect_timeout 1s;
        }}
    }}
}}
"""


def start_nginx(nginx, folder, port, upstream_ports, extra=""):
    """Start nginx from `folder` on `port` in front of `upstream_ports`, with `extra` http directives; return
    it once it accepts connections."""
    folder.mkdir()
    servers = "\n".join(f"server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;" for p in upstream_ports)
    (folder / "nginx.conf").write_text(NGINX_CONF.format(
        prefix=folder, port=port, servers=servers, extra=extra, user="user root;" if os.geteuid() == 0 else ""))
    proxy = subprocess.Popen([nginx, "-c", str(folder / "nginx.conf"), "-p", str(folder)], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and proxy.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proxy
        except OSError:
            time.sleep(0.05)
    proxy.kill()
    pytest.fail("nginx did not start listening")


def workers(master):
    """The worker pids of a gunicorn master (not the model canaries it runs while starting)."""
    out = subprocess.run(["pgrep", "-P", str(master.pid)], capture_output=True, text=True).stdout
    found = []
    for pid in out.split():
        try:
            if b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(int(pid))
        except (FileNotFoundError, ProcessLookupError):
            pass  # a canary that exited meanwhile (reading an exiting process's cmdline raises the latter)
    return sorted(found)


def launch(tiny_models, cache, port, web_concurrency=2, config=ROOT / "gunicorn.conf.py", **settings):
    """Start gunicorn as the Procfile runs it (with `config` for its settings file), on the tiny en and fr
    models and any other `settings`; return its master at once."""
    env = {**os.environ, "PORT": str(port), "MODEL_SOURCE": str(tiny_models), "LANGUAGES": "en,fr",
           "MODEL_CACHE_DIR": str(cache), "GUNICORN_TIMEOUT": "10", "WEB_CONCURRENCY": str(web_concurrency),
           "PATH": f"{BIN}:{os.environ['PATH']}", **settings}
    command = [str(config) if part == "gunicorn.conf.py" else part for part in GUNICORN]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def start(tiny_models, cache, port, web_concurrency=2, ping=200, **settings):
    """`launch` gunicorn; return its master once all its workers are up and /ping answers `ping`."""
    master = launch(tiny_models, cache, port, web_concurrency, **settings)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if len(workers(master)) == web_concurrency and \
                    requests.get(f"http://127.0.0.1:{port}/ping", timeout=1).status_code == ping:
                return master
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    master.kill()
    pytest.fail("gunicorn did not become ready")


def kill(master):
    """Kill a gunicorn master and its workers at once, as a crashed instance."""
    if master.poll() is None:
        os.killpg(master.pid, signal.SIGKILL)
        master.wait(10)
