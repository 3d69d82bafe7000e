"""boto3's own Comprehend client against the service, its SigV4 verification, and API keys."""

import datetime
import json
import threading

import boto3
import botocore.auth
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from werkzeug.serving import make_server

KEYS = "AKIDGOOD:right-secret, AKIDTWO:other-secret"


@pytest.fixture
def serve(make_app):
    """Serve an app on the tiny models on loopback; return a function making boto3 Comprehend clients for it."""
    servers = []

    def start(access_key="AKIDEXAMPLE", secret="not-checked", **config):
        server = make_server("127.0.0.1", 0, make_app(**config), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        url = f"http://127.0.0.1:{server.server_port}"
        return boto3.client("comprehend", endpoint_url=url, region_name="us-east-1", aws_access_key_id=access_key,
                            aws_secret_access_key=secret), url

    yield start
    for server in servers:
        server.shutdown()


def members(response):
    return set(response) - {"ResponseMetadata"}


def test_detect_sentiment(serve):
    comprehend, _ = serve()
    response = comprehend.detect_sentiment(Text="This is great!", LanguageCode="en")
    assert members(response) == {"Sentiment", "SentimentScore"}
    assert response["Sentiment"] == "POSITIVE"
    assert set(response["SentimentScore"]) == {"Positive", "Negative", "Neutral", "Mixed"}
    assert abs(sum(response["SentimentScore"].values()) - 1) < 1e-6


def test_batch_detect_sentiment(serve):
    comprehend, _ = serve()
    response = comprehend.batch_detect_sentiment(TextList=["I love it, great", "  ", "awful, I hate it"],
                                                 LanguageCode="en")
    assert members(response) == {"ResultList", "ErrorList"}
    assert [(r["Index"], r["Sentiment"]) for r in response["ResultList"]] == [(0, "POSITIVE"), (2, "NEGATIVE")]
    assert all(set(r) == {"Index", "Sentiment", "SentimentScore"} for r in response["ResultList"])
    assert [(e["Index"], e["ErrorCode"]) for e in response["ErrorList"]] == [(1, "EMPTY_TEXT")]


def test_detect_dominant_language(serve):
    comprehend, _ = serve()
    response = comprehend.detect_dominant_language(Text="C'est une belle journée, je suis très content")
    assert members(response) == {"Languages"}
    top = response["Languages"][0]
    assert top["LanguageCode"] == "fr" and 0.5 < top["Score"] <= 1.0


def test_comprehend_exceptions(serve):
    comprehend, _ = serve()
    with pytest.raises(comprehend.exceptions.TextSizeLimitExceededException):
        comprehend.detect_sentiment(Text="é" * 2501, LanguageCode="en")
    with pytest.raises(comprehend.exceptions.TextSizeLimitExceededException):
        comprehend.batch_detect_sentiment(TextList=["fine", "é" * 2501], LanguageCode="en")
    with pytest.raises(comprehend.exceptions.BatchSizeLimitExceededException):
        comprehend.batch_detect_sentiment(TextList=["good"] * 26, LanguageCode="en")
    for code in ("ru", "zh-TW", "de"):
        with pytest.raises(comprehend.exceptions.UnsupportedLanguageException):
            comprehend.detect_sentiment(Text="hello", LanguageCode=code)
    with pytest.raises(comprehend.exceptions.InvalidRequestException):
        comprehend.detect_sentiment(Text="   ", LanguageCode="en")


def test_non_comprehend_post_to_root_is_an_invalid_request(serve):
    _, url = serve()
    reply = requests.post(url, json={"text": "good"})
    assert reply.status_code == 400
    assert reply.json()["__type"] == "InvalidRequestException"


def test_a_body_over_the_limit_is_refused_in_comprehends_shape(serve):
    # Flask's development server serves these tests: its wsgi.input is the socket, where the 413's drain of the body
    # once waited for bytes past it, for ever.
    comprehend, url = serve(MAX_CONTENT_LENGTH=1000)
    assert error_code(lambda: comprehend.detect_sentiment(Text="x" * 2000, LanguageCode="en")) == \
        ("InvalidRequestException", 413)
    reply = requests.post(url, data=b"{" + b" " * 2000 + b"}", headers={
        "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Comprehend_20171127.DetectSentiment"})
    assert reply.status_code == 413 and reply.headers["Content-Type"] == "application/x-amz-json-1.1"
    assert reply.json()["__type"] == "InvalidRequestException" and reply.json()["Message"]


def test_an_unknown_operation_and_a_text_list_that_is_no_list_are_named(serve):
    _, url = serve()
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Comprehend_20171127.DetectEntities"}
    reply = requests.post(url, data='{"Text": "good"}', headers=headers)
    assert reply.status_code == 400 and reply.json()["__type"] == "UnknownOperationException"
    assert "DetectEntities" in reply.json()["Message"]
    headers["X-Amz-Target"] = "Comprehend_20171127.BatchDetectSentiment"
    for text_list in ('"good"', "[]", "null"):
        reply = requests.post(url, data=f'{{"TextList": {text_list}, "LanguageCode": "en"}}', headers=headers)
        assert reply.status_code == 400 and reply.json()["__type"] == "InvalidRequestException"
        assert "TextList" in reply.json()["Message"]


def error_code(call):
    with pytest.raises(ClientError) as refused:
        call()
    return refused.value.response["Error"]["Code"], refused.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_sigv4_accepts_the_right_secret_and_refuses_the_wrong_one_or_an_unknown_key(serve):
    comprehend, url = serve(access_key="AKIDTWO", secret="other-secret", SIGV4_CREDENTIALS=KEYS)
    assert comprehend.detect_sentiment(Text="great", LanguageCode="en")["Sentiment"] == "POSITIVE"
    assert len(comprehend.batch_detect_sentiment(TextList=["great", "awful"], LanguageCode="en")["ResultList"]) == 2
    wrong = boto3.client("comprehend", endpoint_url=url, region_name="eu-west-1", aws_access_key_id="AKIDGOOD",
                         aws_secret_access_key="wrong-secret")
    assert error_code(lambda: wrong.detect_sentiment(Text="great", LanguageCode="en")) == \
        ("InvalidSignatureException", 403)
    stranger = boto3.client("comprehend", endpoint_url=url, region_name="eu-west-1", aws_access_key_id="AKIDELSE",
                            aws_secret_access_key="right-secret")
    assert error_code(lambda: stranger.detect_sentiment(Text="great", LanguageCode="en")) == \
        ("UnrecognizedClientException", 403)


def signed(url, target, body, key="AKIDGOOD", secret="right-secret"):
    """Return the headers boto3 would send for a Comprehend `target` with `body`, signed now."""
    request = AWSRequest(method="POST", url=url + "/", data=body, headers={
        "X-Amz-Target": f"Comprehend_20171127.{target}", "Content-Type": "application/x-amz-json-1.1"})
    SigV4Auth(Credentials(key, secret), "comprehend", "us-east-1").add_auth(request)
    return dict(request.headers.items())


def test_forged_altered_replayed_and_stale_signatures_are_refused(serve, monkeypatch):
    _, url = serve(SIGV4_CREDENTIALS=KEYS)
    body = json.dumps({"Text": "great", "LanguageCode": "en"})

    def send(headers, data=body):
        reply = requests.post(url + "/", data=data, headers=headers, timeout=5)
        return reply.json().get("__type", "OK"), reply.status_code

    headers = signed(url, "DetectSentiment", body)
    assert send(headers) == ("OK", 200)
    assert send(headers, body.replace("great", "awful")) == ("InvalidSignatureException", 403)
    zeroed = {**headers, "Authorization": headers["Authorization"].rsplit("=", 1)[0] + "=" + "0" * 64}
    assert send(zeroed) == ("InvalidSignatureException", 403)
    other_operation = {**headers, "X-Amz-Target": "Comprehend_20171127.DetectDominantLanguage"}
    assert send(other_operation) == ("InvalidSignatureException", 403)
    assert send({k: v for k, v in headers.items() if k != "Authorization"}) == ("UnrecognizedClientException", 403)
    bearer = {**headers, "Authorization": "Bearer AKIDGOOD"}
    assert send(bearer) == ("InvalidSignatureException", 403)
    for when in (datetime.datetime(2016, 1, 1, tzinfo=datetime.timezone.utc),
                 datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=6)):
        monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda when=when: when)
        assert send(signed(url, "DetectSentiment", body)) == ("InvalidSignatureException", 403)
    monkeypatch.setattr(botocore.auth, "get_current_datetime",
                        lambda: datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=4))
    assert send(signed(url, "DetectSentiment", body)) == ("OK", 200)


def test_api_keys_are_not_access_key_ids(serve):
    comprehend, _ = serve(access_key="key-one", API_KEYS="key-one", SIGV4_CREDENTIALS=KEYS)
    assert error_code(lambda: comprehend.detect_sentiment(Text="great", LanguageCode="en")) == \
        ("UnrecognizedClientException", 403)
    unsigned, _ = serve(access_key="key-one", API_KEYS="key-one")
    assert error_code(lambda: unsigned.detect_sentiment(Text="great", LanguageCode="en")) == \
        ("UnrecognizedClientException", 403)


@pytest.mark.parametrize("setting, value", [("API_KEYS", ", "), ("SIGV4_CREDENTIALS", " , "),
                                            ("SIGV4_CREDENTIALS", "AKIDGOOD"), ("SIGV4_CREDENTIALS", "AKIDGOOD:"),
                                            ("SIGV4_CREDENTIALS", "AKIDGOOD:s3cr3t,:orphan-secret")])
def test_settings_that_name_keys_but_hold_none_refuse_to_start(make_app, setting, value):
    with pytest.raises(ValueError, match=f"^{setting}") as refused:
        make_app(**{setting: value})
    assert "s3cr3t" not in str(refused.value) and "orphan-secret" not in str(refused.value)


def test_api_keys_guard_invocations_only(make_app):
    client = make_app(API_KEYS="key-one,key-two").test_client()
    body = {"text": "This is great!", "language": "en"}
    refused = client.post("/invocations", json=body)
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "unauthorized"
    assert client.post("/invocations", json=body, headers={"Authorization": "Bearer key-nope"}).status_code == 401
    assert client.post("/invocations", json=body, headers={"Authorization": "Bearer key-two"}).status_code == 200
    assert client.post("/invocations", json=body, headers={"X-Api-Key": "key-one"}).status_code == 200
    assert client.get("/").status_code == 200 and client.get("/ping").status_code == 200
