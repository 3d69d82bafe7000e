"""Schemathesis hooks: the Comprehend endpoint's media type is JSON under another name."""

import json

import schemathesis

AMZ_JSON = "application/x-amz-json-1.1"


@schemathesis.serializer(AMZ_JSON)
def amz_json(ctx, value):
    """Serialise a generated request body as AWS JSON 1.1 (plain JSON)."""
    return json.dumps(value).encode()


@schemathesis.deserializer(AMZ_JSON)
def amz_json_response(ctx, response):
    """Read an AWS JSON 1.1 response for schema validation."""
    return json.loads(response.content)
