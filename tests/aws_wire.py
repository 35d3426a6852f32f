"""Raw AWS wire requests and strict readers of AWS-shaped error responses, shared by the protocol,
SigV4, bad-input and model-fuzz tests. A reader fails the test when a response is not in the shape
the named protocol's clients parse."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import cbor2
import httpx
import orjson

Wire = Literal["json", "query", "cbor"]

LOGS_TARGET = "Logs_20140328"
CLOUDWATCH_TARGET = "GraniteServiceVersion20100801"
JSON_CONTENT_TYPE = {"logs": "application/x-amz-json-1.1", "cloudwatch": "application/x-amz-json-1.0"}
TARGET_PREFIX = {"logs": LOGS_TARGET, "cloudwatch": CLOUDWATCH_TARGET}
QUERY_VERSION = {"cloudwatch": "2010-08-01", "sns": "2010-03-31"}
XML_NAMESPACE = {
    "cloudwatch": "http://monitoring.amazonaws.com/doc/2010-08-01/",
    "sns": "http://sns.amazonaws.com/doc/2010-03-31/",
}
SIGNING_NAME = {"logs": "logs", "cloudwatch": "monitoring", "sns": "sns"}


@dataclass(frozen=True)
class AwsError:
    status: int
    code: str  # __type for JSON and CBOR, <Code> for awsQuery
    message: str
    query_error: str | None  # the x-amzn-query-error header, if any
    request_id: str


def json_request(service: str, operation: str, body: Any) -> httpx.Request:
    """An awsJson request; ``body`` is sent as is when it is bytes, else encoded as JSON."""
    content = body if isinstance(body, bytes) else orjson.dumps(body)
    headers = {"x-amz-target": f"{TARGET_PREFIX[service]}.{operation}", "content-type": JSON_CONTENT_TYPE[service]}
    return httpx.Request("POST", "http://vigil/", content=content, headers=headers)


def query_request(service: str, operation: str, form: Mapping[str, str] | bytes) -> httpx.Request:
    """An awsQuery request; a mapping gets Action and Version added, bytes are sent as they are."""
    if isinstance(form, bytes):
        content = form
    else:
        content = urlencode({"Action": operation, "Version": QUERY_VERSION[service], **form}).encode()
    return httpx.Request(
        "POST",
        "http://vigil/",
        content=content,
        headers={"content-type": "application/x-www-form-urlencoded; charset=utf-8"},
    )


def cbor_request(service: str, operation: str, body: Any) -> httpx.Request:
    """An RPC v2 CBOR request; ``body`` is sent as is when it is bytes, else encoded as CBOR."""
    content = body if isinstance(body, bytes) else cbor2.dumps(body)
    return httpx.Request(
        "POST",
        f"http://vigil/service/{TARGET_PREFIX[service]}/operation/{operation}",
        content=content,
        headers={"content-type": "application/cbor", "smithy-protocol": "rpc-v2-cbor", "accept": "application/cbor"},
    )


def request_for(wire: Wire, service: str, operation: str, params: Any) -> httpx.Request:
    if wire == "json":
        return json_request(service, operation, params)
    if wire == "cbor":
        return cbor_request(service, operation, params)
    return query_request(service, operation, params)


def send(endpoint_url: str, request: httpx.Request, *, timeout: float = 30.0) -> httpx.Response:
    """Send ``request`` to the server at ``endpoint_url`` (its URL's host is replaced)."""
    url = httpx.URL(endpoint_url).join(request.url.raw_path.decode())
    with httpx.Client(timeout=timeout) as client:
        return client.send(client.build_request(request.method, url, content=request.content, headers=_own(request)))


def _own(request: httpx.Request) -> dict[str, str]:
    """The headers a test set, without those httpx derives (host, length) so they are set again."""
    return {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}


def sign(
    endpoint_url: str,
    request: httpx.Request,
    *,
    service: str,
    access_key: str,
    secret_key: str,
    region: str = "us-east-1",
    when: dt.datetime | None = None,
) -> httpx.Request:
    """``request`` addressed to ``endpoint_url`` and signed with botocore's own SigV4 signer."""
    url = str(httpx.URL(endpoint_url).join(request.url.raw_path.decode()))
    aws = botocore.awsrequest.AWSRequest(method=request.method, url=url, data=request.content, headers=_own(request))
    signer = botocore.auth.SigV4Auth(botocore.credentials.Credentials(access_key, secret_key), service, region)
    if when is None:
        signer.add_auth(aws)
    else:
        # botocore reads the clock through this function; a fixed time is how to sign in the past or future
        original = botocore.auth.get_current_datetime
        botocore.auth.get_current_datetime = lambda: when.astimezone(dt.UTC).replace(tzinfo=None)
        try:
            signer.add_auth(aws)
        finally:
            botocore.auth.get_current_datetime = original
    return httpx.Request(request.method, url, content=request.content, headers=dict(aws.headers.items()))


def send_signed(endpoint_url: str, request: httpx.Request, **signing: Any) -> httpx.Response:
    signed = sign(endpoint_url, request, **signing)
    with httpx.Client(timeout=30.0) as client:
        return client.send(signed)


def read_error(response: httpx.Response, wire: Wire) -> AwsError:
    """The AWS error ``response`` carries, asserting it has exactly the shape ``wire``'s clients parse."""
    assert 400 <= response.status_code < 600, f"not an error: {response.status_code} {response.content[:300]!r}"
    request_id = response.headers.get("x-amzn-requestid", "")
    assert request_id, "an AWS error names its request in x-amzn-requestid"
    query_error = response.headers.get("x-amzn-query-error")
    content_type = response.headers.get("content-type", "")
    if wire == "query":
        assert content_type.startswith("text/xml"), content_type
        root = ET.fromstring(response.content)
        assert _local(root.tag) == "ErrorResponse", response.text
        children = {_local(c.tag): c for c in root}
        error = {_local(c.tag): c.text or "" for c in children["Error"]}
        assert error["Type"] in ("Sender", "Receiver"), response.text
        assert error["Code"], response.text
        assert "Message" in error, response.text
        assert children["RequestId"].text == request_id, "the XML RequestId is the x-amzn-requestid header"
        return AwsError(response.status_code, error["Code"], error["Message"], query_error, request_id)
    if wire == "cbor":
        assert content_type == "application/cbor", content_type
        assert response.headers.get("smithy-protocol") == "rpc-v2-cbor"
        body = cbor2.loads(response.content)
    else:
        assert content_type.startswith("application/x-amz-json-1."), content_type
        body = orjson.loads(response.content)
    assert isinstance(body, dict), body
    assert isinstance(body.get("__type"), str) and body["__type"], body
    assert isinstance(body.get("message"), str), body
    return AwsError(response.status_code, body["__type"], body["message"], query_error, request_id)


def assert_client_error(response: httpx.Response, wire: Wire) -> AwsError:
    """A 4xx in AWS's shape for ``wire``."""
    assert 400 <= response.status_code < 500, f"expected a 4xx, got {response.status_code}: {response.content[:300]!r}"
    return read_error(response, wire)


def assert_answered(response: httpx.Response, wire: Wire) -> None:
    """Never a 5xx: either a success in ``wire``'s format or an AWS-shaped 4xx."""
    assert response.status_code < 500, f"server error {response.status_code}: {response.content[:300]!r}"
    if response.status_code >= 400:
        read_error(response, wire)
        return
    assert response.status_code == 200, response.status_code
    if wire == "query":
        assert _local(ET.fromstring(response.content).tag).endswith("Response"), response.text
    elif wire == "cbor":
        assert isinstance(cbor2.loads(response.content), dict)
    else:
        assert isinstance(orjson.loads(response.content), dict)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]
