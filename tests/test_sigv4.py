"""SigV4: with access keys configured every request must be signed by one of them, and each failure
gets the code, status and wording AWS gives it in that protocol family; with none configured any
signature, or none, is accepted. Either way the region is the one the credential scope names."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import httpx
import pytest
from aws_wire import (
    SIGNING_NAME,
    Wire,
    assert_answered,
    cbor_request,
    json_request,
    query_request,
    read_error,
    request_for,
    send,
    send_signed,
    sign,
)
from botocore.exceptions import ClientError

from vigil.testing import VigilServer

KEY, SECRET = "AKIDVIGILTEST", "vigil-test-secret"
SIGNED_MESSAGE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)

# One cheap, always-valid read per service and wire, to carry the signature under test.
READS: dict[str, tuple[Wire, str, str, Any]] = {
    "logs": ("json", "logs", "DescribeLogGroups", {}),
    "cloudwatch-json": ("json", "cloudwatch", "ListMetrics", {}),
    "cloudwatch-cbor": ("cbor", "cloudwatch", "ListMetrics", {}),
    "cloudwatch-query": ("query", "cloudwatch", "ListMetrics", {}),
    "sns": ("query", "sns", "ListTopics", {}),
}
QUERY_READS = [k for k, v in READS.items() if v[0] == "query"]
JSON_READS = [k for k, v in READS.items() if v[0] != "query"]


@pytest.fixture(scope="module")
def locked() -> Iterator[VigilServer]:
    """A server that verifies signatures against one configured key."""
    with VigilServer("--ephemeral", "--access-keys", f"{KEY}:{SECRET}") as server:
        yield server


def _read(name: str) -> tuple[Wire, str, httpx.Request]:
    wire, service, operation, params = READS[name]
    return wire, service, request_for(wire, service, operation, params)


def _signed(server: VigilServer, name: str, **signing: Any) -> tuple[Wire, httpx.Response]:
    wire, service, request = _read(name)
    options = {"service": SIGNING_NAME[service], "access_key": KEY, "secret_key": SECRET, **signing}
    return wire, send_signed(server.endpoint_url, request, **options)


def _client(server: VigilServer, service: str, *, key: str = KEY, secret: str = SECRET, **options: Any) -> Any:
    return server.client(service, aws_access_key_id=key, aws_secret_access_key=secret, **options)


def _error_code(call: Callable[[], Any]) -> tuple[str, int]:
    with pytest.raises(ClientError) as raised:
        call()
    response = raised.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


# ---- keys configured: what is accepted -----------------------------------------------------------


@pytest.mark.parametrize("name", READS)
def test_a_request_signed_with_a_configured_key_is_served(locked: VigilServer, name: str) -> None:
    wire, response = _signed(locked, name)
    assert response.status_code == 200, response.content
    assert_answered(response, wire)


@pytest.mark.parametrize("protocol", ["json", "query", "smithy-rpc-v2-cbor"])
def test_boto3_with_the_configured_key_is_served_over_every_cloudwatch_protocol(
    locked: VigilServer, protocol_models: Callable[[str, str], Path], protocol: str
) -> None:
    session = botocore.session.get_session()
    session.get_component("data_loader").search_paths.insert(0, str(protocol_models("cloudwatch", protocol)))
    client = boto3.Session(botocore_session=session).client(
        "cloudwatch",
        endpoint_url=locked.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
    )
    assert client.list_metrics()["Metrics"] == []


def test_boto3_with_the_configured_key_creates_and_reads_logs(locked: VigilServer) -> None:
    client = _client(locked, "logs")
    client.create_log_group(logGroupName="signed-group")
    names = [g["logGroupName"] for g in client.describe_log_groups(logGroupNamePrefix="signed-")["logGroups"]]
    assert names == ["signed-group"]


def test_a_signature_ten_minutes_old_is_still_accepted(locked: VigilServer) -> None:
    when = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
    _, response = _signed(locked, "logs", when=when)
    assert response.status_code == 200, response.content


def test_a_verified_signature_places_resources_in_the_scopes_region(locked: VigilServer) -> None:
    _client(locked, "logs", region_name="ap-southeast-2").create_log_group(logGroupName="sydney-only")
    [group] = _client(locked, "logs", region_name="ap-southeast-2").describe_log_groups(logGroupNamePrefix="sydney-")[
        "logGroups"
    ]
    assert group["logGroupArn"].startswith("arn:aws:logs:ap-southeast-2:")
    assert _client(locked, "logs").describe_log_groups(logGroupNamePrefix="sydney-")["logGroups"] == []


# ---- keys configured: what is refused ------------------------------------------------------------


@pytest.mark.parametrize("name", JSON_READS)
def test_an_unknown_access_key_is_an_unrecognized_client_exception(locked: VigilServer, name: str) -> None:
    wire, response = _signed(locked, name, access_key="AKIDNOBODY")
    error = read_error(response, wire)
    assert (error.status, error.code) == (400, "UnrecognizedClientException")
    assert error.message == "The security token included in the request is invalid."


@pytest.mark.parametrize("name", QUERY_READS)
def test_an_unknown_access_key_over_query_is_invalid_client_token_id(locked: VigilServer, name: str) -> None:
    wire, response = _signed(locked, name, access_key="AKIDNOBODY")
    error = read_error(response, wire)
    assert (error.status, error.code) == (403, "InvalidClientTokenId")


def test_boto3_reads_an_unknown_key_as_unrecognized_client(locked: VigilServer) -> None:
    client = _client(locked, "logs", key="AKIDNOBODY")
    assert _error_code(client.describe_log_groups) == ("UnrecognizedClientException", 400)


def test_boto3_reads_an_unknown_key_over_sns_as_invalid_client_token_id(locked: VigilServer) -> None:
    client = _client(locked, "sns", key="AKIDNOBODY")
    assert _error_code(client.list_topics) == ("InvalidClientTokenId", 403)


@pytest.mark.parametrize("name", JSON_READS)
def test_a_wrong_secret_is_an_invalid_signature_exception(locked: VigilServer, name: str) -> None:
    wire, response = _signed(locked, name, secret_key="not-the-secret")
    error = read_error(response, wire)
    assert (error.status, error.code, error.message) == (400, "InvalidSignatureException", SIGNED_MESSAGE)


@pytest.mark.parametrize("name", QUERY_READS)
def test_a_wrong_secret_over_query_is_signature_does_not_match(locked: VigilServer, name: str) -> None:
    wire, response = _signed(locked, name, secret_key="not-the-secret")
    error = read_error(response, wire)
    assert (error.status, error.code, error.message) == (403, "SignatureDoesNotMatch", SIGNED_MESSAGE)


def test_a_cloudwatch_signature_failure_carries_the_query_error_header(locked: VigilServer) -> None:
    wire, response = _signed(locked, "cloudwatch-json", secret_key="not-the-secret")
    assert read_error(response, wire).query_error == "InvalidSignatureException;Sender"


@pytest.mark.parametrize("name", JSON_READS)
def test_an_unsigned_request_is_a_missing_authentication_token_exception(locked: VigilServer, name: str) -> None:
    wire, _, request = _read(name)
    error = read_error(send(locked.endpoint_url, request), wire)
    assert (error.status, error.code, error.message) == (
        403,
        "MissingAuthenticationTokenException",
        "Missing Authentication Token",
    )


@pytest.mark.parametrize("name", QUERY_READS)
def test_an_unsigned_query_request_is_missing_authentication_token(locked: VigilServer, name: str) -> None:
    wire, _, request = _read(name)
    error = read_error(send(locked.endpoint_url, request), wire)
    assert (error.status, error.code) == (403, "MissingAuthenticationToken")


def test_authentication_is_checked_before_the_operation_is_looked_up(locked: VigilServer) -> None:
    error = read_error(send(locked.endpoint_url, json_request("logs", "NoSuchOperation", {})), "json")
    assert error.code == "MissingAuthenticationTokenException"


@pytest.mark.parametrize(
    ("minutes", "wording"), [(-16, "Signature expired: "), (16, "Signature not yet current: ")], ids=["past", "future"]
)
@pytest.mark.parametrize("name", ["logs", "cloudwatch-cbor"])
def test_a_signature_more_than_fifteen_minutes_off_is_an_invalid_signature_exception(
    locked: VigilServer, name: str, minutes: int, wording: str
) -> None:
    wire, response = _signed(locked, name, when=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes))
    error = read_error(response, wire)
    assert (error.status, error.code) == (400, "InvalidSignatureException")
    assert error.message.startswith(wording)


def test_an_expired_query_signature_is_signature_does_not_match(locked: VigilServer) -> None:
    wire, response = _signed(locked, "sns", when=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20))
    error = read_error(response, wire)
    assert (error.status, error.code) == (403, "SignatureDoesNotMatch")
    assert error.message.startswith("Signature expired: ")


def test_a_body_changed_after_signing_is_an_invalid_signature_exception(locked: VigilServer) -> None:
    request = sign(
        locked.endpoint_url,
        json_request("logs", "CreateLogGroup", {"logGroupName": "signed"}),
        service="logs",
        access_key=KEY,
        secret_key=SECRET,
    )
    forged = httpx.Request("POST", request.url, content=b'{"logGroupName": "forged"}', headers=_resent(request))
    with httpx.Client() as client:
        error = read_error(client.send(forged), "json")
    assert error.code == "InvalidSignatureException"


def test_a_signed_payload_hash_header_does_not_vouch_for_another_body(locked: VigilServer) -> None:
    original = json_request("logs", "CreateLogGroup", {"logGroupName": "signed"})
    original.headers["x-amz-content-sha256"] = hashlib.sha256(original.content).hexdigest()
    request = sign(locked.endpoint_url, original, service="logs", access_key=KEY, secret_key=SECRET)
    forged = httpx.Request("POST", request.url, content=b'{"logGroupName": "forged"}', headers=_resent(request))
    with httpx.Client() as client:
        error = read_error(client.send(forged), "json")
    assert error.code == "InvalidSignatureException"
    assert _client(locked, "logs").describe_log_groups(logGroupNamePrefix="forged")["logGroups"] == []


def test_a_credential_scope_dated_another_day_is_an_invalid_signature_exception(locked: VigilServer) -> None:
    request = sign(
        locked.endpoint_url,
        json_request("logs", "DescribeLogGroups", {}),
        service="logs",
        access_key=KEY,
        secret_key=SECRET,
    )
    headers = _resent(request)
    today = headers["x-amz-date"][:8]
    headers["authorization"] = headers["authorization"].replace(f"/{today}/", "/20200101/")
    with httpx.Client() as client:
        error = read_error(
            client.send(httpx.Request("POST", request.url, content=request.content, headers=headers)), "json"
        )
    assert error.code == "InvalidSignatureException"
    assert error.message.startswith("Date in Credential scope does not match YYYYMMDD")


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer abc",
        "AWS4-HMAC-SHA256 Signature=00",
        f"AWS4-HMAC-SHA256 Credential={KEY}/20200101/us-east-1/logs, SignedHeaders=host, Signature=00",
        f"AWS {KEY}:c2lnbmF0dXJl",
    ],
    ids=["bearer", "no-credential", "short-scope", "sigv2"],
)
def test_a_malformed_authorization_header_is_an_incomplete_signature_exception(
    locked: VigilServer, authorization: str
) -> None:
    request = json_request("logs", "DescribeLogGroups", {})
    request.headers["authorization"] = authorization
    error = read_error(send(locked.endpoint_url, request), "json")
    assert (error.status, error.code) == (400, "IncompleteSignatureException")


def test_a_malformed_authorization_header_over_query_is_incomplete_signature(locked: VigilServer) -> None:
    request = query_request("sns", "ListTopics", {})
    request.headers["authorization"] = "Bearer abc"
    error = read_error(send(locked.endpoint_url, request), "query")
    assert (error.status, error.code) == (400, "IncompleteSignature")


def test_a_signature_that_leaves_out_the_host_header_is_incomplete(locked: VigilServer) -> None:
    request = sign(
        locked.endpoint_url,
        cbor_request("cloudwatch", "ListMetrics", {}),
        service="monitoring",
        access_key=KEY,
        secret_key=SECRET,
    )
    headers = _resent(request)
    assert ";host;" in headers["authorization"]
    headers["authorization"] = headers["authorization"].replace(";host;", ";")
    with httpx.Client() as client:
        error = read_error(
            client.send(httpx.Request("POST", request.url, content=request.content, headers=headers)), "cbor"
        )
    assert (error.status, error.code) == (400, "IncompleteSignatureException")


def test_the_server_still_serves_signed_requests_after_refusing_others(locked: VigilServer) -> None:
    for _ in range(3):
        _signed(locked, "logs", secret_key="wrong")
        send(locked.endpoint_url, json_request("logs", "DescribeLogGroups", {}))
    assert _signed(locked, "logs")[1].status_code == 200


def _resent(request: httpx.Request) -> dict[str, str]:
    return {k: v for k, v in request.headers.items() if k.lower() not in ("content-length", "host")}


# ---- where keys come from ----------------------------------------------------------------------------


def test_keys_are_read_from_a_shared_credentials_file(tmp_path: Path) -> None:
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[default]\naws_access_key_id = AKIDFILEONE\naws_secret_access_key = file-secret-one\n\n"
        "[ci]\naws_access_key_id = AKIDFILETWO\naws_secret_access_key = file-secret-two\n"
        "region = eu-west-1\n"
    )
    with VigilServer("--ephemeral", "--access-keys-file", str(credentials)) as server:
        assert (
            _client(server, "logs", key="AKIDFILEONE", secret="file-secret-one").describe_log_groups()["logGroups"]
            == []
        )
        assert _client(server, "sns", key="AKIDFILETWO", secret="file-secret-two").list_topics()["Topics"] == []
        assert _error_code(_client(server, "logs", key=KEY, secret=SECRET).describe_log_groups) == (
            "UnrecognizedClientException",
            400,
        )


def test_keys_are_read_from_the_environment() -> None:
    with VigilServer("--ephemeral", env={"VIGIL_ACCESS_KEYS": "AKIDENVONE:env-one, AKIDENVTWO:env-two"}) as server:
        assert _client(server, "logs", key="AKIDENVTWO", secret="env-two").describe_log_groups()["logGroups"] == []
        assert _error_code(_client(server, "logs", key="AKIDENVONE", secret="env-two").describe_log_groups) == (
            "InvalidSignatureException",
            400,
        )


# ---- no keys configured ------------------------------------------------------------------------------


def test_without_keys_an_unsigned_request_is_served_in_the_default_region(vigil: VigilServer) -> None:
    response = send(vigil.endpoint_url, json_request("logs", "CreateLogGroup", {"logGroupName": "anonymous"}))
    assert response.status_code == 200, response.content
    [group] = vigil.client("logs").describe_log_groups()["logGroups"]
    assert group["logGroupArn"].startswith(f"arn:aws:logs:{vigil.region}:")


def test_without_keys_any_signature_is_accepted_and_its_scope_names_the_region(vigil: VigilServer) -> None:
    request = json_request("logs", "CreateLogGroup", {"logGroupName": "unchecked"})
    request.headers["authorization"] = (
        "AWS4-HMAC-SHA256 Credential=AKIDANYONE/20200101/ap-south-1/logs/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=0000"
    )
    request.headers["x-amz-date"] = "20200101T000000Z"
    assert send(vigil.endpoint_url, request).status_code == 200
    [group] = vigil.client("logs", region_name="ap-south-1").describe_log_groups()["logGroups"]
    assert group["logGroupName"] == "unchecked"
    assert vigil.client("logs").describe_log_groups()["logGroups"] == []


def test_without_keys_a_wrong_secret_is_accepted(vigil: VigilServer) -> None:
    client = vigil.client("sns", aws_access_key_id="whoever", aws_secret_access_key="whatever")
    assert client.list_topics()["Topics"] == []
