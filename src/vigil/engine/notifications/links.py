"""The URLs SNS puts in its messages, on this server's public base URL: SubscribeURL, UnsubscribeURL and
SigningCertURL. Shaped like AWS's (``/?Action=ConfirmSubscription&TopicArn=…&Token=…``)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

SIGNING_CERT_PATH = "/_vigil/sns/SimpleNotificationService.pem"


def _arn(value: str) -> str:
    return quote(value, safe=":")


@dataclass(frozen=True)
class Links:
    base_url: str  # without a trailing slash

    def subscribe_url(self, topic_arn: str, token: str) -> str:
        return f"{self.base_url}/?Action=ConfirmSubscription&TopicArn={_arn(topic_arn)}&Token={quote(token)}"

    def unsubscribe_url(self, subscription_arn: str) -> str:
        return f"{self.base_url}/?Action=Unsubscribe&SubscriptionArn={_arn(subscription_arn)}"

    def signing_cert_url(self) -> str:
        return self.base_url + SIGNING_CERT_PATH
