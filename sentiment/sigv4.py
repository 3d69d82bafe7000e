"""AWS Signature Version 4 verification for the Comprehend endpoint, on botocore's own canonicalisation."""

import datetime
import hashlib
import hmac
import re
from urllib.parse import quote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

MAX_SKEW = datetime.timedelta(minutes=5)  # how far X-Amz-Date may be from now, as AWS allows
TIMESTAMP = "%Y%m%dT%H%M%SZ"
SERVICE = "comprehend"
# What a signature must cover: the host, the time and the operation (so that it cannot be replayed elsewhere).
REQUIRED_HEADERS = {"host", "x-amz-date", "x-amz-target"}
_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/\s,]+)/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)/(?P<service>[a-z0-9-]+)"
    r"/aws4_request, ?SignedHeaders=(?P<headers>[a-z0-9-]+(?:;[a-z0-9-]+)*), ?Signature=(?P<signature>[0-9a-f]{64})")
INVALID_SIGNATURE = ("The request signature we calculated does not match the signature you provided. Check your "
                     "AWS Secret Access Key and signing method.")
UNRECOGNIZED = "The security token included in the request is invalid."


class SignatureError(Exception):
    """A request whose signature does not verify; `kind` is the AWS exception that says so."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind
        self.message = message


def parse_credentials(value):
    """Return {access key id: secret} of `value`, "ID:SECRET" pairs separated by commas; raise ValueError when
    an entry is not such a pair, or when `value` names keys but holds none."""
    credentials = {}
    for entry in value.split(","):
        if not entry.strip():
            continue
        key, _, secret = entry.strip().partition(":")
        if not re.fullmatch(r"[A-Za-z0-9._-]+", key) or not secret:
            raise ValueError(f"entry {len(credentials) + 1} is not ACCESS_KEY_ID:SECRET_ACCESS_KEY")
        credentials[key] = secret
    if value.strip() and not credentials:
        raise ValueError("it names no ACCESS_KEY_ID:SECRET_ACCESS_KEY pair")
    return credentials


class _Verifier(SigV4Auth):
    """botocore's signer over every header of the request, which holds just those the client signed (botocore
    would itself leave some out, such as User-Agent, and add Host)."""

    def headers_to_sign(self, request):
        headers = HTTPHeaders()
        for name, value in request.headers.items():
            headers[name.lower()] = value
        return headers


def verify(credentials, method, path, query, headers, body, now=None):
    """Return the access key id whose secret signed this request (`headers`: name -> list of values), or
    raise SignatureError."""
    authorization = (headers.get("authorization") or [""])[0]
    if not authorization:
        raise SignatureError("UnrecognizedClientException", "The request carries no AWS Signature Version 4.")
    match = _AUTHORIZATION.fullmatch(authorization.strip())
    if not match:
        raise SignatureError("InvalidSignatureException", "The Authorization header is not AWS Signature Version 4.")
    secret = credentials.get(match["key"])
    if secret is None:
        raise SignatureError("UnrecognizedClientException", UNRECOGNIZED)
    signed = match["headers"].split(";")
    if not REQUIRED_HEADERS <= set(signed) or any(name not in headers for name in signed):
        raise SignatureError("InvalidSignatureException",
                             f"The signature must cover the headers {', '.join(sorted(REQUIRED_HEADERS))}.")
    stamp = headers["x-amz-date"][0]
    try:
        signed_at = datetime.datetime.strptime(stamp, TIMESTAMP).replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        raise SignatureError("InvalidSignatureException", "X-Amz-Date is not of the form 20260101T000000Z.") from None
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if abs(now - signed_at) > MAX_SKEW:
        raise SignatureError("InvalidSignatureException", f"Signature expired: {stamp} is more than 5 minutes "
                             f"from the time here, {now.strftime(TIMESTAMP)}.")
    if match["date"] != stamp[:8] or match["service"] != SERVICE:
        raise SignatureError("InvalidSignatureException", f"The credential scope must be {stamp[:8]}/REGION/{SERVICE}.")
    if "x-amz-content-sha256" in signed and headers["x-amz-content-sha256"][0] != hashlib.sha256(body).hexdigest():
        raise SignatureError("InvalidSignatureException", "X-Amz-Content-SHA256 is not the SHA-256 of the body.")
    url = f"http://{headers['host'][0]}{quote(path, safe='/~')}" + (f"?{query}" if query else "")
    request = AWSRequest(method=method, url=url, data=body,
                         headers={name: ",".join(headers[name]) for name in signed})
    request.context["timestamp"] = stamp
    verifier = _Verifier(Credentials(match["key"], secret), SERVICE, match["region"])
    canonical = verifier.canonical_request(request)
    expected = verifier.signature(verifier.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, match["signature"]):
        raise SignatureError("InvalidSignatureException", INVALID_SIGNATURE)
    return match["key"]
