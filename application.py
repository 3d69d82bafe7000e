"""The sentiment-analysis web service: fastText models behind `/`, `/ping` and `/invocations`."""

import gc
import hmac
import json
import logging
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from flask import Flask, current_app, redirect, render_template, request
from flask.sessions import NullSession, SessionInterface
from werkzeug.exceptions import ClientDisconnected, HTTPException

from sentiment import comprehend, formats, languages, sigv4
from sentiment.service import ApiError, Service

ROOT = Path(__file__).resolve().parent

# Configuration: every environment variable the service reads, with its default and unit (README table).
PORT = int(os.environ.get("PORT", 8000))  # TCP port of `python application.py` (gunicorn.conf.py reads it too)
MODEL_SOURCE = os.environ.get("MODEL_SOURCE", str(ROOT / "models"))  # folder, s3://bucket/prefix or http(s) URL
MODEL_CACHE_DIR = os.environ.get("MODEL_CACHE_DIR", os.path.join(tempfile.gettempdir(), "sentiment-models"))
LANGUAGES = os.environ.get("LANGUAGES", "en,fr,de,it,es,pt,ar,hi")  # comma-separated ISO 639-1 codes
MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 1024 * 1024))  # bytes per request body
MAX_BATCH_SIZE = int(os.environ.get("MAX_BATCH_SIZE", 1000))  # texts per request
MAX_TEXT_BYTES = int(os.environ.get("MAX_TEXT_BYTES", 5000))  # UTF-8 bytes per text, as Comprehend
DOWNLOAD_TIMEOUT = float(os.environ.get("DOWNLOAD_TIMEOUT", 10))  # seconds per connect or read
DOWNLOAD_RETRIES = int(os.environ.get("DOWNLOAD_RETRIES", 3))  # attempts per file
DOWNLOAD_BACKOFF = float(os.environ.get("DOWNLOAD_BACKOFF", 0.5))  # seconds before the 2nd attempt, doubling
DOWNLOAD_DEADLINE = float(os.environ.get("DOWNLOAD_DEADLINE", 300))  # seconds for all of start-up's downloads
# Hex sha256 of the only manifest to trust (cached or fetched); empty: any manifest the source serves.
MODEL_MANIFEST_SHA256 = os.environ.get("MODEL_MANIFEST_SHA256", "")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
API_KEYS = os.environ.get("API_KEYS", "")  # comma-separated; empty: no authentication
# ACCESS_KEY_ID:SECRET_ACCESS_KEY pairs, comma-separated, whose SigV4 signatures the Comprehend endpoint accepts.
SIGV4_CREDENTIALS = os.environ.get("SIGV4_CREDENTIALS", "")
# "true": redirect what the load balancer received over plain HTTP (X-Forwarded-Proto: http) to HTTPS.
HTTPS_REDIRECT = os.environ.get("HTTPS_REDIRECT", "false").lower() == "true"

DRAIN_LIMIT = 16 * 1024 * 1024  # bytes of a refused body read and dropped at most
# The welcome page's examples to click, one per language, shown for the languages served.
EXAMPLES = [("en", "I love this film, it is wonderful"), ("fr", "Je déteste les lundis"),
            ("de", "Das Essen war kalt und viel zu teuer."), ("es", "El tren sale a las ocho."),
            ("it", "Che bella giornata!")]
# A client's X-Request-Id is kept only when short and plain: it is echoed in a header and written to the log.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
REQUEST_ID_KEY = "sentiment.request_id"  # where the WSGI environ carries it
REQUEST_KEYS = frozenset(("text", "texts", "language"))  # what an /invocations JSON object may hold

log = logging.getLogger("sentiment")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any `extra` fields."""

    _standard = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}

    def format(self, record):
        line = {"time": round(record.created, 3), "level": record.levelname, "logger": record.name,
                "message": record.getMessage()}
        line.update((k, v) for k, v in vars(record).items() if k not in self._standard)
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def _plain(value):
    """True when `value` is a JSON string's content as it is: printable ASCII with no quote or backslash."""
    return value.isascii() and value.isprintable() and '"' not in value and "\\" not in value


# The JSON strings of the methods and paths most requests log, written once: checking each costs more.
_QUOTED = {value: f'"{value}"' for value in ("GET", "HEAD", "POST", "/", "/ping", "/invocations")}


class AccessLog:
    """WSGI middleware: the request id and one JSON access-log line per request, outside Flask's
    per-request hooks, which cost more than the inference."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        request_id = environ.get("HTTP_X_REQUEST_ID", "")
        if not (request_id and REQUEST_ID.fullmatch(request_id)):
            request_id = os.urandom(8).hex()
        environ[REQUEST_ID_KEY] = request_id
        status = "500"

        def start(line, headers, exc_info=None):
            nonlocal status
            status = line[:3]
            headers += [("X-Request-Id", request_id), ("X-Content-Type-Options", "nosniff")]
            return start_response(line, headers, exc_info)

        body = self.app(environ, start)
        # The JsonFormatter's shape, written by hand: only the method and the path need escaping.
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        method = _QUOTED.get(method) or (f'"{method}"' if _plain(method) else json.dumps(method))
        path = _QUOTED.get(path) or (f'"{path}"' if _plain(path) else
                                     json.dumps(path.encode("latin-1").decode("utf-8", "replace")))
        line = (f'{{"time": {time.time():.3f}, "level": "INFO", "logger": "sentiment.access", "message": "request", '
                f'"method": {method}, "path": {path}, "status": {status}, '
                f'"latency_ms": {(time.perf_counter() - started) * 1000:.3f}, "request_id": "{request_id}"}}\n')
        try:
            sys.stdout.write(line)
        except (OSError, ValueError):
            pass  # a full disk or a closed pipe loses the log line, not the answer (nor /ping)
        return body


class NoSessions(SessionInterface):
    """Flask's session interface for an app without sessions: one read-only null session for every request,
    where Flask's default builds one per request (11,000 instructions, more than the lexicon's work)."""

    null_session = NullSession()

    def open_session(self, app, request):
        """Return the shared null session, which refuses any write as Flask's own does."""
        return self.null_session

    def save_session(self, app, session, response):
        """Never called: Flask saves no null session."""


def configure_logging(level):
    """Send every log record to stdout as a JSON line (once per process)."""
    root = logging.getLogger()
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
        # One line reaches the log as soon as it is written, also when stdout is a pipe (gunicorn, EB).
        if hasattr(sys.stdout, "reconfigure"):
            sys.stdout.reconfigure(line_buffering=True)
    root.setLevel(level)


def _unique_keys(pairs):
    """Build a JSON object, refusing duplicate keys: two parsers could read `{"text": 1, "text": 2}` apart."""
    body = dict(pairs)
    if len(body) != len(pairs):
        raise ValueError("duplicate key")
    return body


# Built once: json.loads with a hook builds a decoder per call.
_DECODER = json.JSONDecoder(object_pairs_hook=_unique_keys)


def _loads(data):
    """Parse a request body (UTF-8 bytes, a byte order mark allowed) as JSON, refusing duplicate keys."""
    return _DECODER.decode(formats.decode(data))


def _parse_body(req):
    """Return the JSON object of request `req`, or raise the ApiError that says what is wrong with it."""
    try:
        body = _loads(req.get_data(cache=False))
    except (ValueError, RecursionError):
        raise ApiError(400, "invalid_json", "the body is not valid UTF-8 JSON with unique keys") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_request", "the body must be a JSON object")
    return body


def _unknown_keys(body):
    """Say which keys of the /invocations object `body` the route does not read (a misspelt "language" would
    otherwise be detection, silently)."""
    unknown = sorted(key for key in body if key not in REQUEST_KEYS)
    if {"Text", "TextList", "LanguageCode"}.intersection(unknown):
        return ("this route reads text, texts and language; Comprehend's Text, TextList and LanguageCode are read "
                "by POST / (AWS JSON 1.1, see the README)")
    named = ", ".join(json.dumps(key[:40], ensure_ascii=False) for key in unknown[:5])
    more = ", ..." if len(unknown) > 5 else ""
    return f"unknown key{'s' if len(unknown) > 1 else ''} {named}{more}: this route reads text or texts, and language"


def _accepted(req, default):
    """Return the answer type the Accept header of request `req` asks for (`default` for none or */*), or raise
    406."""
    header = req.environ.get("HTTP_ACCEPT", "").strip()
    if header in ("", "*/*"):
        return default
    best = req.accept_mimetypes.best_match(formats.TYPES)
    if best is None:
        raise ApiError(406, "not_acceptable", f"cannot answer in {header!r}; ask for {', '.join(formats.TYPES)}")
    return best


def _records(req, mimetype):
    """Return the (text, language hint) records of the CSV or JSON-lines body (`mimetype`) of request `req`; the
    query's `language` is the hint of every record that names none."""
    try:
        if mimetype == formats.CSV:
            records = [(text, None) for text in formats.read_csv(req.get_data(cache=False))]
        else:
            records = formats.read_jsonlines(req.get_data(cache=False), _DECODER.decode)
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_text", "the body is not valid UTF-8") from None
    except ValueError as error:
        raise ApiError(400, "invalid_csv", str(error)) from None
    if not records:
        raise ApiError(400, "invalid_request", "the body holds no record")
    default = _query_language(req)
    return [(text, default if hint is None else hint) for text, hint in records]


def _query_language(req):
    """Return the `language` of request `req`'s query, the hint of every text whose body or record names none."""
    # Parsing the query costs a request without one more than the check.
    return req.args.get("language") if req.environ.get("QUERY_STRING") else None


def _known_key(keys, presented):
    """True when `presented` is one of `keys`, compared in constant time."""
    found = False
    for key in keys:
        found |= hmac.compare_digest(key.encode(), (presented or "").encode())
    return found


def _presented_key(req):
    """Return the API key of request `req`: `Authorization: Bearer KEY` or `X-Api-Key: KEY`."""
    scheme, _, credentials = req.headers.get("Authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else req.headers.get("X-Api-Key")


def _verify_signature(req, credentials):
    """Raise the ApiError of a Comprehend request `req` whose SigV4 signature does not verify against
    `credentials`."""
    headers = {}
    for name, value in req.headers.items():
        headers.setdefault(name.lower(), []).append(value)
    try:
        sigv4.verify(credentials, req.method, req.path, req.query_string.decode("latin-1"), headers,
                     req.get_data(cache=True))
    except sigv4.SignatureError as error:
        code = "unauthorized" if error.kind == "UnrecognizedClientException" else "invalid_signature"
        raise ApiError(403, code, error.message) from None


def _drain_body():
    """Read and drop a refused body (its Content-Length, at most DRAIN_LIMIT bytes), so that a proxy still sending it
    gets the 413 instead of a reset connection (nginx would answer 502)."""
    length = request.content_length
    if length is not None and length > DRAIN_LIMIT:
        return  # more than the drain would read: the client gets its 413 at once, not after waiting for it
    # Flask's development server hands over the socket itself: a read past the body would wait for the next request.
    stream, left = request.environ["wsgi.input"], DRAIN_LIMIT if length is None else length
    try:
        while left > 0 and (chunk := stream.read(min(left, 1 << 16))):
            left -= len(chunk)
    except OSError:
        pass  # the client stopped sending (gunicorn.conf.py's CLIENT_TIMEOUT): answer what it sent


def _json(obj, status=200, mimetype="application/json"):
    return current_app.response_class(json.dumps(obj, ensure_ascii=False), status=status, mimetype=mimetype)


def create_app(config=None):
    """Create the Flask application; `config` overrides the environment's settings (tests use it)."""
    app = Flask(__name__)
    app.config.from_mapping(
        MODEL_SOURCE=MODEL_SOURCE, MODEL_CACHE_DIR=MODEL_CACHE_DIR, LANGUAGES=LANGUAGES,
        MAX_CONTENT_LENGTH=MAX_CONTENT_LENGTH, MAX_BATCH_SIZE=MAX_BATCH_SIZE, MAX_TEXT_BYTES=MAX_TEXT_BYTES,
        API_KEYS=API_KEYS, SIGV4_CREDENTIALS=SIGV4_CREDENTIALS, HTTPS_REDIRECT=HTTPS_REDIRECT,
        DOWNLOAD_TIMEOUT=DOWNLOAD_TIMEOUT, DOWNLOAD_RETRIES=DOWNLOAD_RETRIES, DOWNLOAD_BACKOFF=DOWNLOAD_BACKOFF,
        DOWNLOAD_DEADLINE=DOWNLOAD_DEADLINE, MODEL_MANIFEST_SHA256=MODEL_MANIFEST_SHA256,
        LOG_LEVEL=LOG_LEVEL,
    )
    app.config.update(config or {})
    # Werkzeug's debugger runs code sent to it: never on, whatever FLASK_DEBUG or a config says.
    app.config["DEBUG"] = False
    configure_logging(app.config["LOG_LEVEL"])
    service = Service(app.config)
    api_keys = [key.strip() for key in app.config["API_KEYS"].split(",") if key.strip()]
    if app.config["API_KEYS"].strip() and not api_keys:
        raise ValueError("API_KEYS is set but names no key: refusing to start without the authentication it asks for")
    try:
        sigv4_credentials = sigv4.parse_credentials(app.config["SIGV4_CREDENTIALS"])
    except ValueError as error:
        raise ValueError(f"SIGV4_CREDENTIALS: {error}; refusing to start") from None
    contract = (ROOT / "openapi.yaml").read_text(encoding="utf-8")
    model_card_text = (ROOT / "models" / "README.md").read_text(encoding="utf-8")
    # What the welcome page shows depends only on the configuration.
    names = {code: languages.ENGLISH_NAMES.get(code, code) for code in service.languages}
    listed = list(names.values())
    page = {"names": names, "api_key_required": bool(api_keys),
            "in_words": " and ".join([", ".join(listed[:-1]), listed[-1]] if len(listed) > 1 else listed),
            "examples": [(code, text) for code, text in EXAMPLES if code in names][:4]}
    app.wsgi_app = AccessLog(app.wsgi_app)

    class Request(app.request_class):
        # Flask's reads MAX_CONTENT_LENGTH through the current_app proxy on every request that reads a body, about
        # 13,000 instructions (bench/instructions.py); the setting is fixed at start-up.
        max_content_length = app.config["MAX_CONTENT_LENGTH"]

    app.request_class = Request
    app.session_interface = NoSessions()

    if app.config["HTTPS_REDIRECT"]:
        @app.before_request
        def require_https():
            # The load balancer's health checks carry no X-Forwarded-Proto, so /ping keeps answering them.
            if request.headers.get("X-Forwarded-Proto") == "http":
                # 308 keeps a POST a POST; 301 is what browsers cache for a page.
                status = 301 if request.method in ("GET", "HEAD") else 308
                return redirect("https://" + request.url.split("://", 1)[1], status)

    @app.errorhandler(ApiError)
    def api_error(error):
        return _json({"error": {"code": error.code, "message": error.message}}, error.status)

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code == 413:
            _drain_body()
        code = (error.name or "error").lower().replace(" ", "_")
        message = error.description
        if isinstance(error, ClientDisconnected):
            code, message = "incomplete_body", "the request body ended or stopped arriving before it was complete"
        if request.method == "POST" and request.path == "/":
            # The Comprehend endpoint's errors in Comprehend's shape, which boto3 reads, whatever raised them.
            status, answer = comprehend.error(ApiError(error.code, code, message))
            return _json(answer, status, comprehend.CONTENT_TYPE)
        response = _json({"error": {"code": code, "message": message}}, error.code)
        # Keep the exception's own headers, such as a 405's Allow.
        response.headers.extend((k, v) for k, v in error.get_headers() if k.lower() != "content-type")
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error):
        log.exception("unhandled error", extra={"request_id": request.environ.get(REQUEST_ID_KEY),
                                                 "path": request.path})
        return _json({"error": {"code": "internal_error", "message": "internal error"}}, 500)

    @app.get("/")
    def welcome():
        response = app.make_response(render_template("index.html", **page))
        # The page loads its script and style from this origin only and may not be framed.
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    @app.get("/model-card")
    def model_card():
        return app.response_class(model_card_text, mimetype="text/plain")

    @app.get("/openapi.yaml")
    def openapi():
        return app.response_class(contract, mimetype="application/yaml")

    @app.get("/ping")
    def ping():
        body = {"status": "ok" if service.ready else "unavailable", "languages": service.languages,
                "models": service.versions}
        if not service.ready:
            body["errors"] = service.errors
        return _json(body, 200 if service.ready else 503)

    @app.post("/")
    def comprehend_api():
        """Amazon Comprehend's AWS JSON 1.1 protocol, so that boto3's Comprehend client works unchanged."""
        req = request._get_current_object()  # the object, not the proxy, as in invocations below
        target = req.headers.get("X-Amz-Target", "")
        try:
            if sigv4_credentials:
                _verify_signature(req, sigv4_credentials)
            elif api_keys:
                raise ApiError(403, "unauthorized", "this endpoint verifies AWS signatures only: API_KEYS are for "
                               "/invocations, and SIGV4_CREDENTIALS is not set")
            if not target.startswith(comprehend.TARGET):
                raise ApiError(400, "invalid_request", "POST / takes Comprehend requests (X-Amz-Target: "
                               f"{comprehend.TARGET}<Operation>); send JSON to /invocations")
            try:
                body = _loads(req.get_data(cache=False))
            except (ValueError, RecursionError):
                raise ApiError(400, "invalid_request", "the body is not valid JSON") from None
            status, answer = 200, comprehend.answer(service, target[len(comprehend.TARGET) :], body)
        except ApiError as error:
            status, answer = comprehend.error(error)
        return _json(answer, status, comprehend.CONTENT_TYPE)

    @app.post("/invocations")
    def invocations():
        # Each attribute read through Flask's `request` proxy costs about 8,600 instructions (werkzeug's docs
        # advise the object itself for repeated use); the bare route reads one.
        req = request._get_current_object()
        if api_keys and not _known_key(api_keys, _presented_key(req)):
            raise ApiError(401, "unauthorized", "send a configured API key as 'Authorization: Bearer KEY' or "
                           "'X-Api-Key: KEY'")
        # Most requests send the bare type, which is its own mimetype: werkzeug's parse is 2% of a request.
        mimetype = req.environ.get("CONTENT_TYPE", "")
        if mimetype not in formats.TYPES:
            mimetype = req.mimetype
        if mimetype not in formats.TYPES:
            raise ApiError(415, "unsupported_media_type", f"send the body as Content-Type: {', '.join(formats.TYPES)}")
        # A gzip body would otherwise be read as bytes that are not JSON, and answered invalid_json.
        encoding = req.environ.get("HTTP_CONTENT_ENCODING")
        if encoding and encoding.lower() != "identity":
            raise ApiError(415, "unsupported_media_type",
                           "send the body uncompressed: Content-Encoding is not supported")
        accept = _accepted(req, mimetype)
        if mimetype != formats.JSON:
            answer = service.classify_records(_records(req, mimetype))
        else:
            body = _parse_body(req)
            if not REQUEST_KEYS.issuperset(body):
                raise ApiError(400, "invalid_request", _unknown_keys(body))
            hint = body.get("language")
            language = service.resolve(_query_language(req) if hint is None else hint)
            if "texts" in body:
                if "text" in body:
                    raise ApiError(400, "invalid_request", "send either text or texts, not both")
                answer = service.classify_batch(body["texts"], language)
            elif "text" in body:
                answer = service.classify(body["text"], language)
                if accept == formats.JSON:
                    return app.response_class(formats.write_result(answer), mimetype=formats.JSON)
                answer = {"ResultList": [{"Index": 0, **answer}], "ErrorList": []}
            else:
                raise ApiError(400, "invalid_request", "the body needs a text (a string) or texts (a list of strings)")
        if accept == formats.JSONLINES:
            return app.response_class(formats.write_jsonlines(answer), mimetype=formats.JSONLINES)
        if accept == formats.CSV:
            return app.response_class(formats.write_csv(answer), mimetype=formats.CSV)
        return app.response_class(formats.write_batch(answer), mimetype=formats.JSON)

    return app


application = create_app()
# What start-up built lives as long as the process: frozen, the garbage collector's full passes skip it (they had cost
# about 20,000 instructions a request on average, bench/instructions.py), and the workers that gunicorn forks from this
# process (preload_app) keep sharing its memory pages rather than copying those that the passes write to.
gc.freeze()

if __name__ == "__main__":
    # Flask's development server, for debugging on $PORT; gunicorn (Procfile, `make run`) serves for real.
    application.run(host="127.0.0.1", port=PORT)
