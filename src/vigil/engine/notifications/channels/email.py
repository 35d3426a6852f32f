"""The ``email`` and ``email-json`` protocols, over SMTP (smtplib), as SNS sends them.

``email``: Subject is the notification's Subject, or SNS's default "AWS Notification Message"; the body is the
message followed by SNS's footer with the unsubscribe link. A CloudWatch alarm's JSON is rendered as AWS's
alarm emails are ("You are receiving this email because your Amazon CloudWatch Alarm ...", Alarm Details,
Threshold, Monitored Metric, State Change Actions). A SubscriptionConfirmation is SNS's confirmation email
with the SubscribeURL. ``email-json``: the body is SNS's JSON envelope (Type, MessageId, TopicArn, Subject,
Message, Timestamp, SignatureVersion, Signature, SigningCertURL, UnsubscribeURL; Token and SubscribeURL for a
confirmation), built and signed as for HTTP(S) endpoints.

One SMTP session per delivery: connect (implicit TLS, or STARTTLS when configured), log in when a username
is set, send, quit. SMTP's own classes decide retries: a 4xx reply is transient, a 5xx permanent; timeouts and
connection errors are worth another try; a certificate that does not verify, a server without STARTTLS or
AUTH, and an address that is none are not.
"""

from __future__ import annotations

import contextlib
import email.message
import email.utils
import html
import json
import smtplib
import ssl
from dataclasses import dataclass
from typing import Any, Literal

from vigil.engine.notifications import envelope
from vigil.engine.notifications.channels import sns_text
from vigil.engine.notifications.channels.alarm_message import AlarmMessage, metric_queries, parse_alarm, query_text
from vigil.engine.notifications.channels.base import Delivery, DeliveryFailed
from vigil.engine.notifications.links import Links
from vigil.engine.notifications.signing import Signer

Security = Literal["none", "starttls", "tls"]
SECURITIES: tuple[Security, ...] = ("none", "starttls", "tls")
DEFAULT_PORTS: dict[Security, int] = {"none": 25, "starttls": 587, "tls": 465}
DEFAULT_SENDER = "Vigil Notifications <no-reply@localhost>"

_FOOTER = (
    "--\nIf you wish to stop receiving notifications from this topic, please click or visit the link below to "
    "unsubscribe:\n{url}\n\nPlease do not reply directly to this email."
)


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "localhost"
    port: int | None = None  # None: 25, 587 with starttls, 465 with tls
    security: Security = "none"
    username: str | None = None
    password: str | None = None
    sender: str = DEFAULT_SENDER  # the From address
    timeout: float = 10.0  # seconds for connecting and for each SMTP reply
    ssl_context: ssl.SSLContext | None = None  # None: the system's trust store, hostname checked

    @property
    def effective_port(self) -> int:
        return self.port or DEFAULT_PORTS[self.security]


class EmailChannel:
    protocols = ("email", "email-json")

    def __init__(self, settings: SmtpSettings, links: Links, signer: Signer) -> None:
        if settings.security not in SECURITIES:
            raise ValueError(f"SMTP security must be one of {', '.join(SECURITIES)}, not {settings.security!r}")
        self.settings = settings
        self.links = links
        self.signer = signer

    def send(self, delivery: Delivery) -> None:
        recipient = address(delivery.endpoint)
        self.transmit(self.compose(delivery), recipient)

    def compose(self, delivery: Delivery) -> email.message.EmailMessage:
        message = email.message.EmailMessage()
        message["From"] = self.settings.sender
        message["To"] = delivery.endpoint.strip()
        message["Date"] = email.utils.formatdate(usegmt=True)
        message["Message-ID"] = email.utils.make_msgid(domain=self.settings.sender.rpartition("@")[2].strip("> "))
        if delivery.protocol == "email-json":
            message["Subject"] = one_line(self.subject(delivery))
            signed = envelope.build(delivery, self.links, self.signer.sign, delivery.signature_version)
            message.set_content(json.dumps(signed, indent=2, separators=(",", " : "), ensure_ascii=False))
        elif delivery.kind == "Notification":
            alarm = parse_alarm(delivery.message)
            message["Subject"] = one_line(self.subject(delivery, alarm))
            body = alarm_text(alarm) if alarm else delivery.message
            url = sns_text.unsubscribe_url(self.links, delivery)
            message.set_content(f"{body}\n\n{_FOOTER.format(url=url)}\n" if url else f"{body}\n")
        else:
            message["Subject"] = self.subject(delivery)
            text, page = self.handshake(delivery)
            message.set_content(text)
            message.add_alternative(page, subtype="html")
        return message

    def subject(self, delivery: Delivery, alarm: AlarmMessage | None = None) -> str:
        if delivery.kind == "SubscriptionConfirmation":
            return sns_text.CONFIRMATION_SUBJECT
        if delivery.kind == "UnsubscribeConfirmation":
            return sns_text.UNSUBSCRIBE_SUBJECT
        if delivery.subject:
            return delivery.subject
        return alarm.subject if alarm else sns_text.DEFAULT_SUBJECT

    def handshake(self, delivery: Delivery) -> tuple[str, str]:
        """The plain text and HTML of a confirmation email."""
        url = sns_text.subscribe_url(self.links, delivery)
        if url is None:
            raise DeliveryFailed(f"a {delivery.kind} needs a token", retryable=False)
        if delivery.kind == "SubscriptionConfirmation":
            intro, arn = "You have chosen to subscribe to the topic:", delivery.topic_arn
            action = "To confirm this subscription, click or visit the link below (If this was in error no action "
            action += "is necessary):"
            label = "Confirm subscription"
        else:
            intro, arn = "You have chosen to deactivate subscription:", delivery.subscription_arn
            action = "To cancel this operation and restore the subscription, click or visit the link below:"
            label = "Restore subscription"
        closing = "Please do not reply directly to this email."
        text = f"{intro}\n{arn}\n\n{action}\n{url}\n\n{closing}\n"
        page = (
            f"<html><body><p>{html.escape(intro)}<br>{html.escape(arn)}</p><p>{html.escape(action)}<br>"
            f'<a href="{html.escape(url)}">{label}</a></p><p>{closing}</p></body></html>\n'
        )
        return text, page

    def transmit(self, message: email.message.EmailMessage, recipient: str) -> None:
        settings = self.settings
        host = f"{settings.host}:{settings.effective_port}"
        try:
            client = self.connect()
            try:
                if settings.security == "starttls":
                    client.starttls(context=self.tls_context())
                if settings.username:
                    client.login(settings.username, settings.password or "")
                client.send_message(message, to_addrs=[recipient])
            finally:
                # The message is handed over once DATA is answered; a failing QUIT must not make it look lost.
                with contextlib.suppress(smtplib.SMTPException, OSError):
                    client.quit()
                client.close()
        except smtplib.SMTPRecipientsRefused as error:
            code, said = next(iter(error.recipients.values()))
            raise DeliveryFailed(f"SMTP: {host} refused the recipient: {code} {said!r}", retryable=code < 500) from None
        except smtplib.SMTPResponseException as error:
            said = error.smtp_error
            text = said.decode("utf-8", "replace") if isinstance(said, bytes) else str(said)
            reason = f"SMTP: {host} answered {error.smtp_code} {text}"
            raise DeliveryFailed(reason, retryable=400 <= error.smtp_code < 500) from None
        except smtplib.SMTPServerDisconnected as error:
            # smtplib reports a reply that never came as a disconnection; the timeout is the cause worth naming.
            if isinstance(error.__cause__ or error.__context__, TimeoutError):
                raise DeliveryFailed(f"SMTP: {host} did not answer in time", retryable=True) from None
            raise DeliveryFailed(f"SMTP: {host} closed the connection: {error}", retryable=True) from None
        except smtplib.SMTPException as error:  # no STARTTLS, no AUTH, no usable mechanism: configuration
            raise DeliveryFailed(f"SMTP: {host}: {error}", retryable=False) from None
        except ssl.SSLCertVerificationError as error:
            raise DeliveryFailed(f"SMTP: the certificate of {host} does not verify: {error}", retryable=False) from None
        except ssl.SSLError as error:
            raise DeliveryFailed(f"SMTP: TLS with {host} failed: {error}", retryable=False) from None
        except TimeoutError:
            raise DeliveryFailed(f"SMTP: {host} did not answer in time", retryable=True) from None
        except OSError as error:
            raise DeliveryFailed(f"SMTP: cannot reach {host}: {error}", retryable=True) from None

    def connect(self) -> smtplib.SMTP:
        settings = self.settings
        if settings.security == "tls":
            return smtplib.SMTP_SSL(
                settings.host, settings.effective_port, timeout=settings.timeout, context=self.tls_context()
            )
        return smtplib.SMTP(settings.host, settings.effective_port, timeout=settings.timeout)

    def tls_context(self) -> ssl.SSLContext:
        return self.settings.ssl_context or ssl.create_default_context()


def alarm_text(alarm: AlarmMessage) -> str:
    """An alarm notification worded as AWS's alarm emails are."""
    where = f" in the {alarm.region} region" if alarm.region else ""
    lines = [
        f'You are receiving this email because your Amazon CloudWatch Alarm "{alarm.name}"{where} has entered the '
        f'{alarm.new_state} state, because "{alarm.reason}" at "{alarm.when}".',
        "",
        "Alarm Details:",
        row("Name", alarm.name, 28),
        row("Description", alarm.description or "", 28),
        row("State Change", alarm.state_change, 28),
        row("Reason for State Change", alarm.reason, 28),
        row("Timestamp", alarm.when, 28),
        row("AWS Account", alarm.account_id or "", 28),
        row("Alarm Arn", alarm.arn or "", 28),
        "",
    ]
    if alarm.threshold:
        lines += ["Threshold:", f"- The alarm is in the ALARM state when the metric is {alarm.threshold}.", ""]
    trigger = alarm.trigger
    if trigger.get("MetricName"):
        lines += [
            "Monitored Metric:",
            row("MetricNamespace", trigger.get("Namespace") or "", 37),
            row("MetricName", trigger["MetricName"], 37),
            row("Dimensions", alarm.dimensions, 37),
            row("Period", f"{trigger.get('Period')} seconds", 37),
            row("Statistic", alarm.statistic, 37),
            row("Unit", trigger.get("Unit") or "not specified", 37),
            row("TreatMissingData", alarm.treat_missing_data or "missing", 37),
        ]
    elif metric_queries(trigger):
        lines += ["Monitored Metrics:", *(f"- {query_text(query)}" for query in metric_queries(trigger))]
        lines.append(row("TreatMissingData", alarm.treat_missing_data or "missing", 37))
    elif alarm.rule:
        lines += ["Alarm Rule:", f"- {alarm.rule}"]
    lines += ["", "", "State Change Actions:"]
    for state in ("OK", "ALARM", "INSUFFICIENT_DATA"):
        actions = alarm.actions(state)
        lines.append(f"- {state}: [{', '.join(actions)}]" if actions else f"- {state}:")
    return "\n".join(lines)


def row(label: str, value: Any, width: int) -> str:
    return f"- {label + ':':<{width}}{value}".rstrip()


def address(endpoint: str) -> str:
    """The subscription's email address; DeliveryFailed (not retryable) when the endpoint is none."""
    _, found = email.utils.parseaddr(endpoint.strip())
    local, at, domain = found.rpartition("@")
    if not at or not local or not domain or any(c.isspace() for c in found):
        raise DeliveryFailed("email: the endpoint is not an email address", retryable=False)
    return found


def one_line(text: str) -> str:
    """A header value: a Subject must not break the header block."""
    return " ".join(text.split())
