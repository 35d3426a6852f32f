"""Helpers for the SNS tests: an HTTP subscription confirmed through the real handshake, and AWS's own way of
verifying a message signature (written here from AWS's guide, not by calling Vigil's signer)."""

from __future__ import annotations

import base64
import time
import urllib.request
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

if TYPE_CHECKING:
    from http_receiver import HttpReceiver


def error_code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


@pytest.fixture
def topic(sns_client: Any) -> str:
    """A topic named ``alerts`` (registered for every test by conftest.py)."""
    return str(sns_client.create_topic(Name="alerts")["TopicArn"])


def confirm_http(sns: Any, topic_arn: str, receiver: HttpReceiver, path: str = "/", **attributes: str) -> str:
    """Subscribe ``receiver`` (at ``path``), visit the SubscribeURL it is sent, and return the subscription ARN."""
    before = len(receiver.requests)
    sns.subscribe(TopicArn=topic_arn, Protocol="http", Endpoint=receiver.url + path, Attributes=attributes)
    request = receiver.wait_for(before + 1)[before]
    envelope = request.json()
    assert envelope["Type"] == "SubscriptionConfirmation"
    with urllib.request.urlopen(envelope["SubscribeURL"], timeout=10) as response:
        body = response.read().decode()
    return body.split("<SubscriptionArn>")[1].split("</SubscriptionArn>")[0]


def notifications(receiver: HttpReceiver, count: int, path: str | None = None) -> list[Any]:
    """The first ``count`` Notification requests (to ``path`` when given), waiting for them."""

    def matching() -> list[Any]:
        return [
            r
            for r in receiver.requests
            if r.headers.get("x-amz-sns-message-type") == "Notification" and (path is None or r.path == path)
        ]

    deadline = time.monotonic() + 15
    while len(found := matching()) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"expected {count} notifications, received {len(found)}")
        time.sleep(0.02)
    return found


def string_to_sign(message: dict[str, str]) -> str:
    """AWS's canonical string ("Verifying the signatures of Amazon SNS messages")."""
    if message["Type"] == "Notification":
        keys = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
    else:
        keys = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
    return "".join(f"{key}\n{message[key]}\n" for key in keys if key in message)


def verify_signature(message: dict[str, str]) -> bool:
    """Fetch SigningCertURL, rebuild the string, verify Signature with the certificate's public key."""
    with urllib.request.urlopen(message["SigningCertURL"], timeout=10) as response:
        certificate = x509.load_pem_x509_certificate(response.read())
    key = certificate.public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    algorithm = hashes.SHA1() if message["SignatureVersion"] == "1" else hashes.SHA256()
    try:
        key.verify(
            base64.b64decode(message["Signature"]), string_to_sign(message).encode(), padding.PKCS1v15(), algorithm
        )
    except Exception:
        return False
    return True
