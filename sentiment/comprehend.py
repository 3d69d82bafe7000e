"""Amazon Comprehend's operations (AWS JSON 1.1), answered by the service with Comprehend's exact members."""

from sentiment import languages
from sentiment.service import ApiError

TARGET = "Comprehend_20171127."  # X-Amz-Target's prefix; the operation follows it
CONTENT_TYPE = "application/x-amz-json-1.1"
BATCH_LIMIT = 25  # documents per BatchDetectSentiment, as Comprehend
OPERATIONS = ("DetectSentiment", "BatchDetectSentiment", "DetectDominantLanguage")
# Our error codes as the exceptions Comprehend raises; any other is an InvalidRequestException.
EXCEPTIONS = {
    "text_too_long": "TextSizeLimitExceededException",
    "unsupported_language": "UnsupportedLanguageException",
    "batch_too_large": "BatchSizeLimitExceededException",
    "unauthorized": "UnrecognizedClientException",
    "invalid_signature": "InvalidSignatureException",
    "model_unavailable": "InternalServerException",
    "unknown_operation": "UnknownOperationException",
}


def answer(service, operation, body):
    """Answer one Comprehend `operation` on its request `body` with the operation's response members."""
    if operation not in OPERATIONS:
        raise ApiError(400, "unknown_operation", f"unknown operation {operation[:100]!r}; this endpoint answers "
                       f"{', '.join(OPERATIONS)}")
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_request", "the body must be a JSON object")
    if operation == "DetectDominantLanguage":
        ranked = service.detector().languages(service.tokens(body.get("Text")), k=3)
        return {"Languages": [{"LanguageCode": code, "Score": score} for code, score in ranked]}
    language = body.get("LanguageCode")
    if not isinstance(language, str):
        raise ApiError(400, "invalid_request", "LanguageCode is required")
    try:
        code = languages.resolve(language)
    except ValueError:
        code = None
    if code is None:
        raise ApiError(400, "unsupported_language", f"language {language!r} is not supported; supported: "
                       f"{', '.join(service.languages)}")
    if operation == "DetectSentiment":
        result = service.classify(body.get("Text"), code)
        del result["LanguageCode"], result["LanguageDetected"]
        return result
    texts = body.get("TextList")
    if not isinstance(texts, list) or not texts:
        raise ApiError(400, "invalid_request", "TextList must be a non-empty list of strings")
    if len(texts) > BATCH_LIMIT:
        raise ApiError(400, "batch_too_large", f"TextList has {len(texts)} documents; the limit is {BATCH_LIMIT}")
    # Comprehend refuses the whole batch when one document is too long.
    for text in texts:
        if isinstance(text, str) and len(text.encode("utf-8", "replace")) > service.max_text_bytes:
            raise ApiError(400, "text_too_long", f"a document is over {service.max_text_bytes} UTF-8 bytes")
    result = service.classify_batch(texts, code)
    for item in result["ResultList"]:
        del item["LanguageCode"], item["LanguageDetected"]
    return result


def error(api_error):
    """Return the HTTP status and the body `{"__type", "Message"}` Comprehend answers for `api_error`."""
    kind = EXCEPTIONS.get(api_error.code, "InvalidRequestException")
    return (500 if api_error.status >= 500 else api_error.status), {"__type": kind, "Message": api_error.message}
