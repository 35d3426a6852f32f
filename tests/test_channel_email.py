"""The email and email-json channel against a real SMTP server (aiosmtpd on 127.0.0.1): SNS's formats, AWS's
alarm email, STARTTLS and implicit TLS with a self-signed certificate, AUTH, and which failures are retryable."""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import json
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from channel_helpers import LINKS, SUBSCRIPTION_ARN, TOPIC_ARN, alarm_document, delivery, math_alarm_document
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from smtp_server import Mailbox, free_port, serve, text_of

from vigil.engine.notifications.channels.base import DeliveryFailed
from vigil.engine.notifications.channels.email import EmailChannel, SmtpSettings
from vigil.engine.notifications.signing import Signer

ADDRESS = "oncall@example.com"
USER, PASSWORD = "vigil", "s3cret"
FOOTER = (
    "If you wish to stop receiving notifications from this topic, please click or visit the link below to unsubscribe:"
)


def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for localhost and 127.0.0.1."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (folder / "key.pem").write_bytes(key_pem)
    return Certificate(folder / "cert.pem", folder / "key.pem")


@pytest.fixture(scope="module")
def signer(tmp_path_factory: pytest.TempPathFactory) -> Signer:
    return Signer(tmp_path_factory.mktemp("signing"))


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def plain_server(mailbox: Mailbox) -> Iterator[Controller]:
    controller = serve(mailbox)
    yield controller
    controller.stop()


def channel(signer: Signer, port: int, **settings: Any) -> EmailChannel:
    options: dict[str, Any] = {"host": "127.0.0.1", "port": port, "sender": "Vigil <alerts@vigil.test>", "timeout": 5}
    options.update(settings)
    return EmailChannel(SmtpSettings(**options), LINKS, signer)


def test_a_notification_arrives_with_its_subject_and_the_unsubscribe_footer(
    plain_server: Controller, mailbox: Mailbox, signer: Signer
) -> None:
    channel(signer, plain_server.port).send(delivery("email", ADDRESS, "Orders are failing", subject="Orders down"))
    message = mailbox.only()
    body = text_of(message)
    assert mailbox.envelopes[0].rcpt_tos == [ADDRESS]
    assert message["Subject"] == "Orders down"
    assert message["From"] == "Vigil <alerts@vigil.test>"
    assert message["To"] == ADDRESS
    assert body.startswith("Orders are failing\n\n--\n" + FOOTER + "\n")
    assert LINKS.unsubscribe_url(SUBSCRIPTION_ARN) in body


def test_a_notification_without_a_subject_takes_sns_default_subject(
    plain_server: Controller, mailbox: Mailbox, signer: Signer
) -> None:
    channel(signer, plain_server.port).send(delivery("email", ADDRESS, "no subject here"))
    assert mailbox.only()["Subject"] == "AWS Notification Message"


def test_an_alarm_reads_like_aws_alarm_emails(plain_server: Controller, mailbox: Mailbox, signer: Signer) -> None:
    document = alarm_document()
    channel(signer, plain_server.port).send(delivery("email", ADDRESS, document))
    body = text_of(mailbox.only())
    when = dt.datetime.strptime(document["StateChangeTime"], "%Y-%m-%dT%H:%M:%S.%f%z")
    stamp = f"{when:%A} {when:%d} {when:%B}, {when:%Y} {when:%H:%M:%S} UTC"
    trigger = document["Trigger"]
    assert body.startswith(
        f'You are receiving this email because your Amazon CloudWatch Alarm "{document["AlarmName"]}" in the '
        f'{document["Region"]} region has entered the ALARM state, because "{document["NewStateReason"]}" at '
        f'"{stamp}".\n'
    )
    assert "\nAlarm Details:\n- Name:                       HighErrorRate\n" in body
    assert f"- Description:                {document['AlarmDescription']}\n" in body
    assert "- State Change:               OK -> ALARM\n" in body
    assert f"- Reason for State Change:    {document['NewStateReason']}\n" in body
    assert f"- Timestamp:                  {stamp}\n" in body
    assert f"- Alarm Arn:                  {document['AlarmArn']}\n" in body
    assert (
        "\nThreshold:\n- The alarm is in the ALARM state when the metric is GreaterThanThreshold 5.0 for at least "
        f"{trigger['DatapointsToAlarm']} of the last {trigger['EvaluationPeriods']} period(s) of "
        f"{trigger['Period']} seconds.\n"
    ) in body
    assert f"- MetricName:                          {trigger['MetricName']}\n" in body
    dimension = trigger["Dimensions"][0]
    assert f"- Dimensions:                          [{dimension['name']} = {dimension['value']}]\n" in body
    assert "- Statistic:                           Sum\n- Unit:                                not specified\n" in body
    assert f"- ALARM: [{TOPIC_ARN}]\n- INSUFFICIENT_DATA:\n" in body
    assert FOOTER in body


def test_an_alarm_without_a_subject_takes_cloudwatch_subject(
    plain_server: Controller, mailbox: Mailbox, signer: Signer
) -> None:
    document = alarm_document(new="OK", old="ALARM")
    channel(signer, plain_server.port).send(delivery("email", ADDRESS, document))
    assert mailbox.only()["Subject"] == f'OK: "{document["AlarmName"]}" in {document["Region"]}'


def test_a_metric_math_alarm_lists_its_queries(plain_server: Controller, mailbox: Mailbox, signer: Signer) -> None:
    document = math_alarm_document()
    channel(signer, plain_server.port).send(delivery("email", ADDRESS, document))
    body = text_of(mailbox.only())
    expression, stat = document["Trigger"]["Metrics"]
    assert f"\nMonitored Metrics:\n- e1: {expression['Expression']} ({expression['Label']})\n" in body
    metric = stat["MetricStat"]["Metric"]
    watched = f"{metric['Namespace']} {metric['MetricName']}, {stat['MetricStat']['Stat']}"
    assert f"- {stat['Id']}: {watched} over {stat['MetricStat']['Period']} seconds\n" in body


def test_a_composite_alarm_shows_its_rule(plain_server: Controller, mailbox: Mailbox, signer: Signer) -> None:
    rule = 'ALARM("HighErrorRate") OR ALARM("orders-p99-latency")'
    document = alarm_document(AlarmName="Checkout", AlarmRule=rule)
    del document["Trigger"]
    channel(signer, plain_server.port).send(delivery("email", ADDRESS, document))
    body = text_of(mailbox.only())
    assert f"\nAlarm Rule:\n- {rule}\n" in body
    assert "Threshold:" not in body


def test_the_treat_missing_data_label_aws_once_wrote_into_the_value_is_dropped(
    plain_server: Controller, mailbox: Mailbox, signer: Signer
) -> None:
    document = alarm_document()
    document["Trigger"]["TreatMissingData"] = "- TreatMissingData:                    breaching"
    channel(signer, plain_server.port).send(delivery("email", ADDRESS, document))
    assert "\n- TreatMissingData:                    breaching\n" in text_of(mailbox.only())


def test_email_json_carries_the_signed_sns_envelope(plain_server: Controller, mailbox: Mailbox, signer: Signer) -> None:
    sent = delivery("email-json", ADDRESS, "Orders are failing", subject="Orders down")
    channel(signer, plain_server.port).send(sent)
    message = mailbox.only()
    envelope = json.loads(text_of(message))
    assert message["Subject"] == "Orders down"
    assert list(envelope)[:6] == ["Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp"]
    assert (envelope["Type"], envelope["Message"], envelope["Subject"]) == ("Notification", sent.message, sent.subject)
    assert (envelope["MessageId"], envelope["TopicArn"], envelope["Timestamp"]) == (
        sent.message_id,
        sent.topic_arn,
        sent.timestamp,
    )
    assert envelope["UnsubscribeURL"] == LINKS.unsubscribe_url(SUBSCRIPTION_ARN)
    assert envelope["SigningCertURL"] == LINKS.signing_cert_url()
    signed = "".join(f"{name}\n{envelope[name]}\n" for name in ("Message", "MessageId", "Subject", "Timestamp"))
    signed += f"TopicArn\n{envelope['TopicArn']}\nType\n{envelope['Type']}\n"
    public_key = x509.load_pem_x509_certificate(signer.certificate_pem).public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    public_key.verify(base64.b64decode(envelope["Signature"]), signed.encode(), padding.PKCS1v15(), hashes.SHA1())


def test_a_subscription_confirmation_email_links_the_subscribe_url(
    plain_server: Controller, mailbox: Mailbox, signer: Signer
) -> None:
    sent = delivery("email", ADDRESS, "", kind="SubscriptionConfirmation", token="2336412f37fb687f5d51e6e2425c464d")
    channel(signer, plain_server.port).send(sent)
    message = mailbox.only()
    url = LINKS.subscribe_url(TOPIC_ARN, "2336412f37fb687f5d51e6e2425c464d")
    assert message["Subject"] == "AWS Notification - Subscription Confirmation"
    assert text_of(message).startswith(f"You have chosen to subscribe to the topic:\n{TOPIC_ARN}\n\n")
    assert f"(If this was in error no action is necessary):\n{url}\n" in text_of(message)
    assert "Confirm subscription</a>" in text_of(message, "html")


def test_an_email_json_confirmation_carries_the_token_and_subscribe_url(
    plain_server: Controller, mailbox: Mailbox, signer: Signer
) -> None:
    text = (
        f"You have chosen to subscribe to the topic {TOPIC_ARN}.\nTo confirm the subscription, visit the SubscribeURL."
    )
    token = "2336412f37fb687f5d51e6e2425c464d"
    channel(signer, plain_server.port).send(
        delivery("email-json", ADDRESS, text, kind="SubscriptionConfirmation", token=token)
    )
    envelope = json.loads(text_of(mailbox.only()))
    assert (envelope["Type"], envelope["Token"], envelope["Message"]) == ("SubscriptionConfirmation", token, text)
    assert envelope["SubscribeURL"] == LINKS.subscribe_url(TOPIC_ARN, token)


def test_a_subject_with_line_breaks_stays_one_header(
    plain_server: Controller, mailbox: Mailbox, signer: Signer
) -> None:
    channel(signer, plain_server.port).send(delivery("email", ADDRESS, "x", subject="Orders\r\nBcc: evil@example.com"))
    message = mailbox.only()
    assert message["Subject"] == "Orders Bcc: evil@example.com"
    assert message["Bcc"] is None


def test_starttls_with_auth_delivers(mailbox: Mailbox, signer: Signer, certificate: Certificate) -> None:
    controller = serve(
        mailbox,
        tls_context=certificate.server_context(),
        require_starttls=True,
        authenticator=authenticate,
        auth_required=True,
    )
    try:
        security = {"security": "starttls", "username": USER, "password": PASSWORD}
        sender = channel(signer, controller.port, ssl_context=certificate.client_context(), **security)
        sender.send(delivery("email", ADDRESS))
    finally:
        controller.stop()
    assert mailbox.envelopes[0].rcpt_tos == [ADDRESS]


def test_implicit_tls_delivers(mailbox: Mailbox, signer: Signer, certificate: Certificate) -> None:
    controller = serve(mailbox, ssl_context=certificate.server_context())
    try:
        sender = channel(signer, controller.port, security="tls", ssl_context=certificate.client_context())
        sender.send(delivery("email", ADDRESS))
    finally:
        controller.stop()
    assert mailbox.envelopes[0].rcpt_tos == [ADDRESS]


def test_a_wrong_password_is_not_retryable(mailbox: Mailbox, signer: Signer, certificate: Certificate) -> None:
    controller = serve(
        mailbox, tls_context=certificate.server_context(), authenticator=authenticate, auth_required=True
    )
    try:
        settings = {"security": "starttls", "username": USER, "password": "wrong"}
        sender = channel(signer, controller.port, ssl_context=certificate.client_context(), **settings)
        with pytest.raises(DeliveryFailed) as failure:
            sender.send(delivery("email", ADDRESS))
    finally:
        controller.stop()
    assert not failure.value.retryable
    assert "535" in failure.value.reason
    assert mailbox.envelopes == []


def test_a_certificate_that_does_not_verify_is_not_retryable(
    mailbox: Mailbox, signer: Signer, certificate: Certificate
) -> None:
    controller = serve(mailbox, tls_context=certificate.server_context())
    try:
        # The system's trust store: the self-signed certificate is unknown to it.
        with pytest.raises(DeliveryFailed) as failure:
            channel(signer, controller.port, security="starttls").send(delivery("email", ADDRESS))
    finally:
        controller.stop()
    assert not failure.value.retryable
    assert "does not verify" in failure.value.reason


def test_a_server_without_starttls_is_not_retryable(plain_server: Controller, signer: Signer) -> None:
    with pytest.raises(DeliveryFailed) as failure:
        channel(signer, plain_server.port, security="starttls").send(delivery("email", ADDRESS))
    assert not failure.value.retryable


@pytest.mark.parametrize(
    ("reply", "retryable"), [("451 4.3.0 Try again later", True), ("550 5.1.1 No such user", False)]
)
def test_a_refused_recipient_is_retryable_only_when_the_refusal_is_transient(
    plain_server: Controller, mailbox: Mailbox, signer: Signer, reply: str, retryable: bool
) -> None:
    mailbox.rcpt_reply = reply
    with pytest.raises(DeliveryFailed) as failure:
        channel(signer, plain_server.port).send(delivery("email", ADDRESS))
    assert failure.value.retryable is retryable
    assert reply.split()[0] in failure.value.reason


def test_a_server_that_is_down_is_retryable(signer: Signer) -> None:
    with pytest.raises(DeliveryFailed) as failure:
        channel(signer, free_port()).send(delivery("email", ADDRESS))
    assert failure.value.retryable


def test_a_server_that_never_answers_times_out_retryable(signer: Signer) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # connections are queued, never greeted
        with pytest.raises(DeliveryFailed) as failure:
            channel(signer, silent.getsockname()[1], timeout=0.3).send(delivery("email", ADDRESS))
    assert failure.value.retryable
    assert "in time" in failure.value.reason


def test_an_endpoint_that_is_no_address_is_not_retryable(signer: Signer) -> None:
    with pytest.raises(DeliveryFailed) as failure:
        channel(signer, free_port()).send(delivery("email", "not an address"))
    assert not failure.value.retryable
