"""boto3's own Comprehend client against the service, and API keys on both entry points."""

import threading

import boto3
import pytest
from botocore.exceptions import ClientError
from werkzeug.serving import make_server


@pytest.fixture
def serve(make_app):
    """Serve an app on the tiny models on loopback; return a function making boto3 Comprehend clients for it."""
    servers = []

    def start(access_key="AKIDEXAMPLE", **config):
        server = make_server("127.0.0.1", 0, make_app(**config), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        url = f"http://127.0.0.1:{server.server_port}"
        return boto3.client("comprehend", endpoint_url=url, region_name="us-east-1", aws_access_key_id=access_key,
                            aws_secret_access_key="not-checked"), url

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
    import requests

    reply = requests.post(url, json={"text": "good"})
    assert reply.status_code == 400
    assert reply.json()["__type"] == "InvalidRequestException"


def test_api_keys_accept_a_configured_access_key_id_and_refuse_others(serve):
    comprehend, url = serve(access_key="key-two", API_KEYS="key-one, key-two")
    assert comprehend.detect_sentiment(Text="great", LanguageCode="en")["Sentiment"] == "POSITIVE"
    stranger = boto3.client("comprehend", endpoint_url=url, region_name="us-east-1",
                            aws_access_key_id="someone-else", aws_secret_access_key="x")
    with pytest.raises(ClientError) as refused:
        stranger.detect_sentiment(Text="great", LanguageCode="en")
    assert refused.value.response["Error"]["Code"] == "UnrecognizedClientException"


def test_api_keys_guard_invocations_only(make_app):
    client = make_app(API_KEYS="key-one,key-two").test_client()
    body = {"text": "This is great!", "language": "en"}
    refused = client.post("/invocations", json=body)
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "unauthorized"
    assert client.post("/invocations", json=body, headers={"Authorization": "Bearer key-nope"}).status_code == 401
    assert client.post("/invocations", json=body, headers={"Authorization": "Bearer key-two"}).status_code == 200
    assert client.post("/invocations", json=body, headers={"X-Api-Key": "key-one"}).status_code == 200
    assert client.get("/").status_code == 200 and client.get("/ping").status_code == 200
