"""The HTTP API: routes, the Comprehend shapes, language resolution and every error."""

import codecs
import csv
import gc
import gzip
import io
import json
import logging
import re

import pytest
from bs4 import BeautifulSoup
from flask import session

import application
from sentiment.service import Service

SCORE_KEYS = {"Positive", "Negative", "Neutral", "Mixed"}


def post(client, body, content_type="application/json"):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post("/invocations", data=data, content_type=content_type)


def assert_error(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert "Traceback" not in response.get_data(as_text=True)
    return error["message"]


def assert_scores(scores):
    assert set(scores) == SCORE_KEYS
    assert all(isinstance(v, float) and 0.0 <= v <= 1.0 for v in scores.values())
    assert abs(sum(scores.values()) - 1.0) <= 1e-6
    assert scores["Mixed"] == 0.0


def test_welcome_page_has_heading_and_try_it_form(client):
    response = client.get("/")
    assert response.status_code == 200
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert page.h1.get_text() == "Welcome to your Sentiment Analysis Tool"
    form = page.find("form", id="try-it")
    assert [option["value"] for option in form.find_all("option")][:1] == ["auto"]
    assert {"en", "fr"} <= {option["value"] for option in form.find_all("option")}
    assert form.find("textarea") and form.find("button")
    links = [tag.get("src") or tag.get("href") for tag in page.find_all(["script", "link", "img", "a"])]
    assert links and all(link.startswith("/") for link in links if link)  # no CDN: works offline
    assert all(client.get(link).status_code == 200 for link in links if link and link.startswith("/static/"))


def test_the_module_app_freezes_what_start_up_built():
    """The objects of `application.application` are left out of the garbage collector's passes."""
    assert gc.get_freeze_count() > 0
    assert not any(obj is application.application for obj in gc.get_objects())


def test_ping_is_ready_with_languages_and_versions(client):
    response = client.get("/ping")
    body = response.get_json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["languages"] == ["en", "fr"]
    assert body["models"]["en"]["version"] == "test"
    assert len(body["models"]["fr"]["sha256"]) == 64


def test_ping_is_503_and_says_why_when_a_model_is_missing(make_app):
    response = make_app(LANGUAGES="en,fr,de").test_client().get("/ping")
    body = response.get_json()
    assert response.status_code == 503
    assert body["status"] == "unavailable"
    assert "de is not in the manifest" in body["errors"]["de"]


def test_single_text_answers_the_comprehend_shape(client):
    response = post(client, {"text": "I hate this, it is terrible", "language": "en"})
    body = response.get_json()
    assert response.status_code == 200
    assert set(body) == {"Sentiment", "SentimentScore", "LanguageCode", "LanguageDetected"}
    assert body["Sentiment"] == "NEGATIVE"
    assert body["LanguageCode"] == "en" and body["LanguageDetected"] is False
    assert_scores(body["SentimentScore"])
    assert max(body["SentimentScore"], key=body["SentimentScore"].get) == "Negative"


def test_workshop_payload_answers_positive_in_english(client):
    body = post(client, {"text": "This is great!", "language": "US"}).get_json()
    assert body["Sentiment"] == "POSITIVE"
    assert body["LanguageCode"] == "en" and body["LanguageDetected"] is True


@pytest.mark.parametrize("language, detected", [("fr", False), ("FR", False), ("fr-FR", False), ("fr_FR", False),
                                                ("French", False), ("français", False), ("FRANCAIS", False),
                                                ("auto", True), ("US", True), (None, True)])
def test_language_codes_locales_names_and_detection(client, language, detected):
    payload = {"text": "C'est génial, j'adore ce film merveilleux"}
    if language is not None:
        payload["language"] = language
    body = post(client, payload).get_json()
    assert body["LanguageCode"] == "fr" and body["LanguageDetected"] is detected
    assert body["Sentiment"] == "POSITIVE"


@pytest.mark.parametrize("language", ["XX", "", "english please", "Klingon", "123"])
def test_unknown_language_hints_are_refused_with_the_supported_list(client, language):
    message = assert_error(post(client, {"text": "good", "language": language}), 400, "unsupported_language")
    assert "supported: en, fr" in message


def test_english_and_native_names_of_every_served_language_resolve():
    from sentiment.languages import NAMES, UMSAB_FOLDERS, resolve

    assert set(NAMES.values()) == set(UMSAB_FOLDERS)
    assert [resolve(name) for name in ("English", "Deutsch", "italiano", "Español", "português", "Hindi")] == \
        ["en", "de", "it", "es", "pt", "hi"]


def test_unsupported_language_names_the_supported_ones(client):
    message = assert_error(post(client, {"text": "hola", "language": "ru"}), 400, "unsupported_language")
    assert "en, fr" in message


def test_detected_language_without_a_model_is_a_clear_400(client):
    text = "Das ist ein wunderbarer Tag und ich freue mich sehr darüber"
    message = assert_error(post(client, {"text": text}), 400, "unsupported_language")
    assert "'de'" in message and "en, fr" in message


def test_a_detected_language_without_a_model_gives_way_to_a_likely_served_one(client):
    # lid.176: Italian 0.33, Spanish 0.17, French 0.12; this app serves en and fr.
    body = post(client, {"text": "Vive la vie"}).get_json()
    assert body["LanguageCode"] == "fr" and body["LanguageDetected"] is True


@pytest.mark.parametrize("languages", ["en,fr", "fr,en"])
@pytest.mark.parametrize("text", ["❤️", ":)", "@someone 👍 10/10 http://t.co/x"])
def test_texts_without_letters_go_to_the_first_language(make_app, languages, text):
    # lid.176 would guess Cebuano for "❤️" (unsupported: a 400) and Spanish for ":)".
    body = post(make_app(LANGUAGES=languages).test_client(), {"text": text}).get_json()
    assert body["LanguageCode"] == languages[:2] and body["LanguageDetected"] is True


def test_batch_answers_the_comprehend_batch_shape_with_per_item_errors(client):
    texts = ["This is great!", "", "I hate it, awful", 42, "é" * 2501, "   "]
    body = post(client, {"texts": texts, "language": "en"}).get_json()
    assert [r["Index"] for r in body["ResultList"]] == [0, 2]
    assert [r["Sentiment"] for r in body["ResultList"]] == ["POSITIVE", "NEGATIVE"]
    for result in body["ResultList"]:
        assert result["LanguageCode"] == "en"
        assert_scores(result["SentimentScore"])
    errors = {e["Index"]: e["ErrorCode"] for e in body["ErrorList"]}
    assert errors == {1: "EMPTY_TEXT", 3: "INVALID_REQUEST", 4: "TEXT_TOO_LONG", 5: "EMPTY_TEXT"}
    assert all(e["ErrorMessage"] for e in body["ErrorList"])


def test_batch_detects_each_language_and_reports_unsupported_ones_per_item(client):
    texts = ["This is great, I love it", "C'est nul, je déteste", "Das ist ein wunderbarer Tag und ich freue mich"]
    body = post(client, {"texts": texts}).get_json()
    assert [(r["Index"], r["LanguageCode"]) for r in body["ResultList"]] == [(0, "en"), (1, "fr")]
    assert [(e["Index"], e["ErrorCode"]) for e in body["ErrorList"]] == [(2, "UNSUPPORTED_LANGUAGE")]


def test_escapes_and_broken_markup_are_answered_not_500(client):
    texts = ["\\ud83d\\ude00 so good", "\\ud83d alone", "<![ > good", "<b>" + "<a " * 1600, "x<" * 2400]
    reply = client.post("/invocations", json={"texts": texts, "language": "en"})
    assert reply.status_code == 200
    assert [item["Index"] for item in reply.get_json()["ResultList"]] == [0, 1, 2, 3, 4]


def test_csv_and_jsonlines_records_answer_in_the_type_accept_asks_for(client):
    csv_body = 'I love it, really\n"Je d\u00e9teste, vraiment ""tout"""\n\n'.encode()
    reply = client.post("/invocations", data=csv_body, content_type="text/csv",
                        headers={"Accept": "application/jsonlines"})
    assert reply.status_code == 200 and reply.mimetype == "application/jsonlines"
    lines = [json.loads(line) for line in reply.get_data(as_text=True).splitlines()]
    assert [(line["Sentiment"], line["LanguageCode"], line["LanguageDetected"]) for line in lines] == [
        ("POSITIVE", "en", True), ("NEGATIVE", "fr", True)]
    as_csv = client.post("/invocations", data=csv_body, content_type="text/csv")
    assert as_csv.mimetype == "text/csv"
    rows = [row.split(",") for row in as_csv.get_data(as_text=True).splitlines()]
    assert [(row[0], row[5]) for row in rows] == [("POSITIVE", "en"), ("NEGATIVE", "fr")]
    assert all(abs(sum(map(float, row[1:5])) - 1) < 1e-6 for row in rows)
    jsonl = ('{"source": "I love it"}\n{"text": "awful", "language": "English"}\nnot json\n{"text": ""}\n'
             '{"txt": "typo"}\n{"text": 5}\n')
    reply = client.post("/invocations?language=en", data=jsonl, content_type="application/jsonlines",
                        headers={"Accept": "application/json"})
    body = reply.get_json()
    assert [(r["Index"], r["Sentiment"], r["LanguageDetected"]) for r in body["ResultList"]] == [
        (0, "POSITIVE", False), (1, "NEGATIVE", False)]
    assert [(e["Index"], e["ErrorCode"], e["ErrorMessage"]) for e in body["ErrorList"]] == [
        (2, "INVALID_REQUEST", 'the line is not a JSON object with a "text" string'), (3, "EMPTY_TEXT", "text is empty"),
        (4, "INVALID_REQUEST", 'the line is not a JSON object with a "text" string'),
        (5, "INVALID_REQUEST", "text must be a string")]
    as_lines = client.post("/invocations", data=jsonl, content_type="application/jsonlines").get_data(as_text=True)
    assert [json.loads(line).get("ErrorCode") for line in as_lines.splitlines()] == [
        None, None, "INVALID_REQUEST", "EMPTY_TEXT", "INVALID_REQUEST", "INVALID_REQUEST"]
    one = client.post("/invocations", json={"text": "good", "language": "en"}, headers={"Accept": "text/csv"})
    assert one.mimetype == "text/csv" and one.get_data(as_text=True).startswith("POSITIVE,")


@pytest.mark.parametrize("accept, expected", [("text/csv;q=0.5, application/jsonlines", "application/jsonlines"),
                                              ("application/*", "application/json"), ("*/*", "application/json"),
                                              ("text/html", None), ("application/xml", None)])
def test_accept_is_negotiated_or_406(client, accept, expected):
    reply = client.post("/invocations", json={"text": "good", "language": "en"}, headers={"Accept": accept})
    if expected is None:
        assert_error(reply, 406, "not_acceptable")
    else:
        assert reply.status_code == 200 and reply.mimetype == expected


def test_csv_that_a_csv_library_writes_is_read_record_for_record(client):
    texts = ["good, really", 'she said "bad"', '"quoted" first', "two\nlines", " spaced ", "good"]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([text] for text in texts)
    reply = client.post("/invocations?language=en", data=out.getvalue().encode(), content_type="text/csv",
                        headers={"Accept": "application/json"})
    assert reply.status_code == 200 and not reply.get_json()["ErrorList"]
    assert [item["Index"] for item in reply.get_json()["ResultList"]] == list(range(len(texts)))


def test_the_querys_language_stands_for_a_json_body_that_names_none(client):
    named = client.post("/invocations?language=fr", json={"text": "good"}).get_json()
    assert (named["LanguageCode"], named["LanguageDetected"]) == ("fr", False)
    assert client.post("/invocations?language=fr", json={"text": "good", "language": "en"}).get_json()[
        "LanguageCode"] == "en"
    batch = client.post("/invocations?language=French", json={"texts": ["good", "bad"]}).get_json()
    assert [(r["LanguageCode"], r["LanguageDetected"]) for r in batch["ResultList"]] == [("fr", False)] * 2
    assert_error(client.post("/invocations?language=Klingon", json={"text": "good"}), 400, "unsupported_language")


@pytest.mark.parametrize("content_type, body", [("text/csv", b'"good, really"\nawful\n'),
                                                ("application/jsonlines", b'{"text": "good"}\n{"text": "awful"}\n'),
                                                ("application/json", b'{"texts": ["good", "awful"]}')])
def test_a_byte_order_mark_first_is_read_as_windows_tools_mean_it(client, content_type, body):
    answers = [client.post("/invocations?language=en", data=prefix + body, content_type=content_type,
                           headers={"Accept": "application/json"}).get_json() for prefix in (b"", codecs.BOM_UTF8)]
    assert answers[0] == answers[1] and not answers[1]["ErrorList"] and len(answers[1]["ResultList"]) == 2


def test_bad_csv_and_jsonlines_bodies_are_clear_400s(make_app):
    client = make_app(MAX_BATCH_SIZE=2).test_client()
    assert_error(client.post("/invocations", data=b"\xff\xfe", content_type="text/csv"), 400, "invalid_text")
    assert_error(client.post("/invocations", data=b"", content_type="application/jsonlines"), 400, "invalid_request")
    assert_error(client.post("/invocations", data=b"a\nb\nc\n", content_type="text/csv"), 400, "batch_too_large")
    # An unclosed quote would otherwise take in every line after it: one text for two, the answer out of step.
    message = assert_error(client.post("/invocations", data=b'good\n"bad\nugly\n', content_type="text/csv"), 400,
                           "invalid_csv")
    assert "line 2" in message
    assert "line 1" in assert_error(client.post("/invocations", data=b'"x"y\n', content_type="text/csv"), 400,
                                    "invalid_csv")
    reply = client.post("/invocations?language=Klingon", data=b"good\n", content_type="text/csv",
                        headers={"Accept": "application/json"})
    assert reply.get_json()["ErrorList"][0]["ErrorCode"] == "UNSUPPORTED_LANGUAGE"


def test_batch_size_limit_is_configurable(make_app):
    client = make_app(MAX_BATCH_SIZE=3).test_client()
    assert post(client, {"texts": ["good"] * 3}).status_code == 200
    assert "limit is 3" in assert_error(post(client, {"texts": ["good"] * 4}), 400, "batch_too_large")


def test_text_limit_counts_utf8_bytes(client):
    assert post(client, {"text": "é" * 2500, "language": "en"}).status_code == 200
    message = assert_error(post(client, {"text": "é" * 2501, "language": "en"}), 400, "text_too_long")
    assert "5002" in message


@pytest.mark.parametrize(
    "body, code",
    [
        ("{not json", "invalid_json"),
        (b'{"text": "\xff\xfe"}', "invalid_json"),
        ("[" * 100_000 + "]" * 100_000, "invalid_json"),
        ('["This is great!"]', "invalid_request"),
        ("{}", "invalid_request"),
        ({"language": "en"}, "invalid_request"),
        ({"text": ""}, "empty_text"),
        ({"text": " \t\n "}, "empty_text"),
        ({"text": None}, "invalid_request"),
        ({"text": ["a"]}, "invalid_request"),
        ({"text": 5}, "invalid_request"),
        ({"text": "good", "language": 7}, "invalid_request"),
        ({"text": "good", "texts": ["good"]}, "invalid_request"),
        ({"texts": []}, "invalid_request"),
        ({"texts": "good"}, "invalid_request"),
        ('{"text": "\\ud800"}', "invalid_text"),
        ('{"text": 1, "text": "good"}', "invalid_json"),
    ],
)
def test_bad_requests_are_400_with_a_json_error(client, body, code):
    assert_error(post(client, body), 400, code)


def test_an_unknown_key_is_named_rather_than_ignored(client):
    # A misspelt "language" would otherwise mean detection, answered 200 in whatever language it found.
    error = assert_error(post(client, {"text": "Je déteste les lundis", "lang": "fr"}), 400, "invalid_request")
    assert '"lang"' in error and "language" in error
    error = assert_error(post(client, {"texts": ["good"], "id": 1, "source": "x"}), 400, "invalid_request")
    assert 'keys "id", "source"' in error
    error = assert_error(post(client, {"text": "good", **{f"k{i}": 0 for i in range(9)}, "x" * 500: 0}), 400,
                         "invalid_request")
    assert len(error) < 200


def test_a_comprehend_request_body_is_told_where_comprehend_is_served(client):
    for body in ({"Text": "This is great!", "LanguageCode": "en"}, {"TextList": ["This is great!"]}):
        assert "POST /" in assert_error(post(client, body), 400, "invalid_request")


def test_body_over_the_limit_is_413(make_app):
    client = make_app(MAX_CONTENT_LENGTH=1000).test_client()
    assert_error(post(client, {"text": "x" * 2000}), 413, "request_entity_too_large")
    assert post(client, {"text": "x" * 900}).status_code == 200
    # The limit is the app's own: another app's does not change it.
    assert post(make_app(MAX_CONTENT_LENGTH=100).test_client(), {"text": "x" * 200}).status_code == 413
    assert post(client, {"text": "x" * 900}).status_code == 200


def test_no_request_opens_a_session(make_app):
    app = make_app()
    client = app.test_client()
    for response in (client.get("/"), client.get("/ping"), post(client, {"text": "good"})):
        assert "Set-Cookie" not in response.headers
    with app.test_request_context("/"):
        with pytest.raises(RuntimeError, match="session is unavailable"):
            session["user"] = "someone"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_wrong_content_type_is_415(client, content_type):
    assert_error(post(client, {"text": "good"}, content_type=content_type), 415, "unsupported_media_type")


def test_a_compressed_body_is_415(client):
    response = client.post("/invocations", data=gzip.compress(b'{"text": "good"}'), content_type="application/json",
                           headers={"Content-Encoding": "gzip"})
    assert "Content-Encoding" in assert_error(response, 415, "unsupported_media_type")
    response = client.post("/invocations", json={"text": "good"}, headers={"Content-Encoding": "identity"})
    assert response.status_code == 200


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "Application/JSON"])
def test_content_type_parameters_and_case_are_accepted(client, content_type):
    assert post(client, {"text": "good", "language": "en"}, content_type).status_code == 200


def test_body_is_utf8_with_or_without_a_byte_order_mark(client):
    body = json.dumps({"text": "très bien", "language": "fr"}, ensure_ascii=False)
    assert post(client, b"\xef\xbb\xbf" + body.encode()).status_code == 200
    assert_error(post(client, body.encode("utf-16")), 400, "invalid_json")


def test_unknown_route_and_wrong_method_are_json(client):
    assert_error(client.get("/nope"), 404, "not_found")
    assert_error(client.get("/invocations"), 405, "method_not_allowed")
    assert set(client.get("/invocations").headers["Allow"].split(", ")) == {"OPTIONS", "POST"}
    assert_error(client.delete("/ping"), 405, "method_not_allowed")


def test_unloaded_model_is_503_not_500(make_app, tiny_models, tmp_path):
    manifest = json.loads((tiny_models / "manifest.json").read_text())
    source = tmp_path / "source"
    source.mkdir()
    for name in ("en.ftz", "en.lexicon.tsv", "lid.176.ftz"):
        (source / name).write_bytes((tiny_models / name).read_bytes())
    (source / "fr.ftz").write_bytes(b"corrupt")
    (source / "manifest.json").write_text(json.dumps(manifest))
    client = make_app(MODEL_SOURCE=str(source)).test_client()
    assert client.get("/ping").status_code == 503
    assert_error(post(client, {"text": "c'est génial", "language": "fr"}), 503, "model_unavailable")
    assert post(client, {"text": "This is great!", "language": "en"}).status_code == 200


def test_each_request_is_logged_as_one_json_line(client, capsys):
    capsys.readouterr()
    response = client.post("/invocations", json={"text": "good"}, headers={"X-Request-Id": "abc123"})
    assert response.headers["X-Request-Id"] == "abc123"
    [line] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert line["logger"] == "sentiment.access" and line["level"] == "INFO"
    assert line["method"] == "POST" and line["path"] == "/invocations" and line["status"] == 200
    assert line["request_id"] == "abc123" and line["latency_ms"] >= 0
    assert "good" not in json.dumps(line)


@pytest.mark.parametrize("sent, kept", [("req-1_a.B", True), ("x" * 128, True), ("x" * 129, False),
                                         ("x" * 4000, False), ("two words", False), ("é", False), ("", False)])
def test_only_short_plain_request_ids_are_kept(client, sent, kept):
    echoed = client.get("/ping", headers={"X-Request-Id": sent}).headers["X-Request-Id"]
    assert (echoed == sent) if kept else (echoed != sent and len(echoed) == 16)


def test_unhandled_errors_log_their_traceback_and_request_id(make_app, monkeypatch, caplog):
    client = make_app().test_client()

    def broken(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr(Service, "classify", broken)
    response = client.post("/invocations", json={"text": "good"}, headers={"X-Request-Id": "trace-me"})
    assert response.status_code == 500 and response.get_json()["error"]["code"] == "internal_error"
    [record] = [r for r in caplog.records if r.levelname == "ERROR"]
    error = json.loads(application.JsonFormatter().format(record))
    assert error["request_id"] == "trace-me" and error["path"] == "/invocations"
    assert "RuntimeError: boom" in error["traceback"] and "classify" not in response.get_data(as_text=True)


def test_an_unwritable_log_does_not_fail_requests(client, monkeypatch):
    class Full:
        def write(self, line):
            raise OSError(28, "No space left on device")

    monkeypatch.setattr("sys.stdout", Full())
    assert client.get("/ping").status_code == 200
    assert post(client, {"text": "good", "language": "en"}).status_code == 200


def test_access_log_lines_stay_json_whatever_the_path(client, capsys):
    capsys.readouterr()
    assert client.get('/quote"back\\slash/é?x=1').status_code == 404
    [line] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert line["path"] == '/quote"back\\slash/é' and line["status"] == 404 and line["method"] == "GET"


def test_log_records_are_json_lines_with_their_extra_fields():
    record = logging.LogRecord("sentiment", logging.ERROR, __file__, 1, "model not loaded", None, None)
    record.model = "de"
    line = json.loads(application.JsonFormatter().format(record))
    assert line["level"] == "ERROR" and line["message"] == "model not loaded" and line["model"] == "de"


def test_https_redirect_sends_plain_http_from_the_load_balancer_to_https(make_app):
    client = make_app(HTTPS_REDIRECT=True).test_client()
    page = client.get("/?x=1", headers={"X-Forwarded-Proto": "http", "Host": "api.example.com"})
    assert page.status_code == 301 and page.headers["Location"] == "https://api.example.com/?x=1"
    post = client.post("/invocations", json={"text": "good"}, headers={"X-Forwarded-Proto": "http"})
    assert post.status_code == 308 and post.headers["Location"] == "https://localhost/invocations"
    assert client.post("/invocations", json={"text": "good"}, headers={"X-Forwarded-Proto": "https"}).status_code == 200
    assert client.get("/ping").status_code == 200  # the load balancer's health check
    plain = make_app().test_client().get("/", headers={"X-Forwarded-Proto": "http"})
    assert plain.status_code == 200


def test_request_ids_are_generated_when_absent(client):
    first, second = (client.get("/ping").headers["X-Request-Id"] for _ in range(2))
    assert len(first) == 16 and first != second


def test_debug_mode_cannot_be_switched_on(make_app, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = make_app(DEBUG=True)
    assert app.debug is False

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.get_json() == {"error": {"code": "internal_error", "message": "internal error"}}


@pytest.mark.parametrize("languages", ["en,e\"n", "en,../x", "english"])
def test_languages_that_are_not_iso_codes_refuse_to_start(make_app, languages):
    with pytest.raises(ValueError, match="^LANGUAGES"):
        make_app(LANGUAGES=languages)


def test_a_plain_sentence_takes_the_plain_temperature(client):
    post = lambda text: client.post("/invocations", json={"text": text, "language": "en"}).get_json()
    # The same tokens ("i love it !"); only the capital tells the plain sentence from the post.
    plain, post_like = post("I love it!"), post("i love it!")
    assert plain["Sentiment"] == post_like["Sentiment"] == "POSITIVE"
    assert plain["SentimentScore"]["Positive"] > post_like["SentimentScore"]["Positive"]


def test_scores_are_written_to_eight_significant_digits(client):
    """Eight digits: more than float32, which Comprehend answers in, holds; at a third of repr's cost."""
    single = post(client, {"text": "Ça va très bien 😀", "language": "fr"}).get_data(as_text=True)
    rows = client.post("/invocations?language=en", data="good\nbad\n", headers={"Content-Type": "text/csv"})
    written = re.findall(r'"(?:Positive|Negative|Neutral)": ([^,}]+)', single)
    written += [score for row in rows.get_data(as_text=True).splitlines() for score in row.split(",")[1:4]]
    assert len(written) == 9
    for score in written:
        digits = score.split("e")[0].replace(".", "").lstrip("0")
        assert 0 < float(score) < 1 and len(digits) <= 8, score


def test_answers_are_written_as_json_dumps_would(client):
    """The answers are written directly, not by json.dumps; they must be the very same text."""
    single = post(client, {"text": "Ça va très bien 😀", "language": "fr"})
    assert single.get_data(as_text=True) == json.dumps(single.get_json(), ensure_ascii=False)
    batch = post(client, {"texts": ["good", "", "x" * 6000, "nul", "\"quoted\" é"], "language": "auto"})
    assert batch.get_json()["ErrorList"] and batch.get_json()["ResultList"]
    assert batch.get_data(as_text=True) == json.dumps(batch.get_json(), ensure_ascii=False)
    lines = client.post("/invocations?language=en", data='{"text": "good"}\n{"text": 1}\n{"text": "bad é"}\n',
                        headers={"Content-Type": "application/jsonlines"}).get_data(as_text=True).splitlines()
    assert lines == [json.dumps(json.loads(line), ensure_ascii=False) for line in lines] and len(lines) == 3
