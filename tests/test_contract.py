"""openapi.yaml: a valid OpenAPI 3.1 document, served, and what the service really answers."""

import json

import jsonschema
import pytest
import yaml
from conftest import ROOT
from openapi_spec_validator import validate

SPEC = yaml.safe_load((ROOT / "openapi.yaml").read_text())


def schema_of(path, method, status):
    """The JSON schema of the response to `method path` with `status`, resolvable against the whole document."""
    response = SPEC["paths"][path][method]["responses"][str(status)]
    if "$ref" in response:
        response = SPEC["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return {**SPEC, **response["content"]["application/json"]["schema"]}


def test_the_document_is_valid_openapi_31():
    validate(SPEC)
    assert SPEC["openapi"] == "3.1.0"


def test_it_is_served_and_linked(client):
    response = client.get("/openapi.yaml")
    assert response.status_code == 200 and response.mimetype == "application/yaml"
    assert yaml.safe_load(response.get_data(as_text=True)) == SPEC
    assert 'href="/openapi.yaml"' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "body, status",
    [
        ({"text": "This is great!", "language": "US"}, 200),
        ({"texts": ["I love it", "", 3, "C'est nul"]}, 200),
        ({"text": ""}, 400),
        ({"text": "hola", "language": "ru"}, 400),
        ({"texts": ["x"] * 1001}, 400),
        ({"text": "x" * 5001}, 400),
        ("not json", 400),
    ],
)
def test_invocations_answers_match_the_contract(client, body, status):
    response = client.post("/invocations", data=body if isinstance(body, str) else json.dumps(body),
                           content_type="application/json")
    assert response.status_code == status
    jsonschema.validate(response.get_json(), schema_of("/invocations", "post", status))


def test_other_statuses_match_the_contract(make_app, client):
    response = client.post("/invocations", data="{}", content_type="text/plain")
    jsonschema.validate(response.get_json(), schema_of("/invocations", "post", 415))
    response = make_app(MAX_CONTENT_LENGTH=100).test_client().post("/invocations", json={"text": "x" * 200})
    jsonschema.validate(response.get_json(), schema_of("/invocations", "post", 413))
    response = make_app(API_KEYS="k").test_client().post("/invocations", json={"text": "good"})
    jsonschema.validate(response.get_json(), schema_of("/invocations", "post", 401))
    jsonschema.validate(client.get("/ping").get_json(), schema_of("/ping", "get", 200))
    unready = make_app(LANGUAGES="en,de").test_client().get("/ping")
    jsonschema.validate(unready.get_json(), schema_of("/ping", "get", 503))


def test_a_contract_violation_is_caught():
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"Sentiment": "GREAT", "SentimentScore": {}, "LanguageCode": "en"},
                            schema_of("/invocations", "post", 200))
