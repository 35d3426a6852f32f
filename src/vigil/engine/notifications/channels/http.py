"""HTTP(S) deliveries: SNS's signed JSON envelope POSTed to the subscription's URL, or the bare message for
RawMessageDelivery. A 2xx answer is a delivery; any other status, a timeout or a connection error is a failure
worth retrying (SNS retries 4xx too, by its delivery policy)."""

from __future__ import annotations

import ssl
import urllib.error
import urllib.request

import orjson

from vigil.engine.notifications import envelope
from vigil.engine.notifications.channels.base import Delivery, DeliveryFailed
from vigil.engine.notifications.links import Links
from vigil.engine.notifications.signing import Signer

TIMEOUT_SECONDS = 15.0  # SNS waits 15 s for an HTTP(S) endpoint to answer
USER_AGENT = "Amazon Simple Notification Service Agent"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # SNS does not follow redirects: a 3xx is a failed delivery


class HttpChannel:
    protocols = ("http", "https")

    def __init__(self, links: Links, signer: Signer, timeout: float = TIMEOUT_SECONDS) -> None:
        self._links = links
        self._signer = signer
        self._timeout = timeout
        self._opener = urllib.request.build_opener(
            _NoRedirects(), urllib.request.HTTPSHandler(context=ssl.create_default_context())
        )

    def send(self, delivery: Delivery) -> None:
        if delivery.raw and delivery.kind == "Notification":
            body = delivery.message.encode()
        else:
            body = orjson.dumps(envelope.build(delivery, self._links, self._signer.sign, delivery.signature_version))
        headers = {
            "Content-Type": delivery.content_type,
            "User-Agent": USER_AGENT,
            "x-amz-sns-message-type": delivery.kind,
            "x-amz-sns-message-id": delivery.message_id,
            "x-amz-sns-topic-arn": delivery.topic_arn,
        }
        if delivery.kind == "Notification":
            headers["x-amz-sns-subscription-arn"] = delivery.subscription_arn
        if delivery.raw and delivery.kind == "Notification":
            headers["x-amz-sns-rawdelivery"] = "true"
        request = urllib.request.Request(delivery.endpoint, data=body, headers=headers, method="POST")
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            error.close()
            raise DeliveryFailed(f"HTTP {error.code} from {delivery.endpoint}") from None
        except (urllib.error.URLError, OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            raise DeliveryFailed(f"{type(error).__name__} posting to {delivery.endpoint}: {reason}") from None
        if not 200 <= status < 300:
            raise DeliveryFailed(f"HTTP {status} from {delivery.endpoint}")
