"""AWS Signature Version 4: read the credential scope, and verify signatures when keys are configured.

Region and service come from the scope (``Credential=AKID/date/region/service/aws4_request``) whether or
not signatures are checked, so resources land in the region the client chose.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote

from vigil.errors import ServiceError
from vigil.server.protocols.validate import Wire

_AUTH = re.compile(
    r"AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+)\s*,\s*"
    r"SignedHeaders=(?P<signed>[^,\s]+)\s*,\s*Signature=(?P<signature>[0-9a-fA-F]+)"
)
_MAX_SKEW = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class Scope:
    access_key: str
    date: str
    region: str
    service: str


@dataclass(frozen=True)
class Signed:
    scope: Scope
    signed_headers: tuple[str, ...]
    signature: str


def read_authorization(headers: Mapping[str, str], query: str) -> Signed | None:
    """The request's SigV4 signature, from the Authorization header or a presigned query string."""
    header = headers.get("authorization")
    if header:
        match = _AUTH.match(header.strip())
        if match is None:
            return None
        credential, signed, signature = match["credential"], match["signed"], match["signature"]
    else:
        params = dict(parse_qsl(query))
        if params.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256":
            return None
        credential = params.get("X-Amz-Credential", "")
        signed, signature = params.get("X-Amz-SignedHeaders", ""), params.get("X-Amz-Signature", "")
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        return None
    return Signed(Scope(*parts[:4]), tuple(signed.lower().split(";")), signature.lower())


def auth_error(kind: str, wire: Wire, detail: str = "") -> ServiceError:
    """AWS's error for a failed signature check, as each protocol family names it."""
    query = wire == "query"
    if kind == "missing":
        code = "MissingAuthenticationToken" if query else "MissingAuthenticationTokenException"
        return ServiceError(code, "Missing Authentication Token", status=403)
    if kind == "incomplete":
        code = "IncompleteSignature" if query else "IncompleteSignatureException"
        return ServiceError(code, detail, status=400)
    if kind == "unknown_key":
        code = "InvalidClientTokenId" if query else "UnrecognizedClientException"
        return ServiceError(
            code, "The security token included in the request is invalid.", status=403 if query else 400
        )
    code = "SignatureDoesNotMatch" if query else "InvalidSignatureException"
    message = detail or (
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
    )
    return ServiceError(code, message, status=403 if query else 400)


def verify(
    signed: Signed | None,
    secrets: Mapping[str, str],
    *,
    method: str,
    raw_path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
    wire: Wire,
    now: dt.datetime | None = None,
) -> None:
    """Raise AWS's error unless the request is signed with one of ``secrets``."""
    if signed is None:
        if headers.get("authorization") or "X-Amz-Algorithm=" in query:
            raise auth_error(
                "incomplete",
                wire,
                "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters "
                "of an AWS4-HMAC-SHA256 signature.",
            )
        raise auth_error("missing", wire)
    if "host" not in signed.signed_headers:
        raise auth_error(
            "incomplete", wire, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
        )
    secret = secrets.get(signed.scope.access_key)
    if secret is None:
        raise auth_error("unknown_key", wire)
    amz_date = headers.get("x-amz-date") or dict(parse_qsl(query)).get("X-Amz-Date", "")
    try:
        when = dt.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        raise auth_error(
            "bad_signature", wire, "Authorization header requires existence of a valid X-Amz-Date."
        ) from None
    if signed.scope.date != amz_date[:8]:
        raise auth_error(
            "bad_signature",
            wire,
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            f"'{signed.scope.date}' != '{amz_date[:8]}', from '{amz_date}'.",
        )
    now = now or dt.datetime.now(dt.UTC)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    if when < now - _MAX_SKEW:
        raise auth_error(
            "bad_signature",
            wire,
            f"Signature expired: {amz_date} is now earlier than "
            f"{(now - _MAX_SKEW).strftime('%Y%m%dT%H%M%SZ')} ({stamp} - 15 min.)",
        )
    if when > now + _MAX_SKEW:
        raise auth_error(
            "bad_signature",
            wire,
            f"Signature not yet current: {amz_date} is still later than "
            f"{(now + _MAX_SKEW).strftime('%Y%m%dT%H%M%SZ')} ({stamp} + 15 min.)",
        )
    expected = signature(
        signed, secret, method=method, raw_path=raw_path, query=query, headers=headers, body=body, amz_date=amz_date
    )
    if not hmac.compare_digest(expected, signed.signature):
        raise auth_error("bad_signature", wire)


def signature(
    signed: Signed,
    secret: str,
    *,
    method: str,
    raw_path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
    amz_date: str,
) -> str:
    canonical_query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
        for k, v in sorted(parse_qsl(query, keep_blank_values=True))
        if k != "X-Amz-Signature"
    )
    canonical_headers = "".join(f"{name}:{' '.join(headers.get(name, '').split())}\n" for name in signed.signed_headers)
    # The body's own hash, never the client's x-amz-content-sha256 claim: trusting the claim would let a
    # signed request carry any body.
    payload = hashlib.sha256(body).hexdigest()
    canonical = "\n".join(
        [
            method,
            quote(raw_path or "/", safe="/~%"),
            canonical_query,
            canonical_headers,
            ";".join(signed.signed_headers),
            payload,
        ]
    )
    scope = signed.scope
    scope_text = f"{scope.date}/{scope.region}/{scope.service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope_text, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in (scope.date, scope.region, scope.service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
