"""One JSON POST for the webhook channels (Slack, PagerDuty), its outcome sorted into delivered, worth trying
again, or not.

Worth trying again: timeouts, connection errors, 408, 429 and 5xx. Not: any other status (a 4xx says the
payload, the key or the webhook is wrong, and will be as wrong next time), a redirect (a webhook that moved
must be re-subscribed; following a POST redirect would turn it into a GET), a malformed URL, a certificate
that does not verify. Reasons name the endpoint's host only: webhook URLs and routing keys are secrets.
"""

from __future__ import annotations

import email.utils
import http.client
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

import orjson

from vigil import __version__
from vigil.engine.notifications.channels.base import DeliveryFailed

USER_AGENT = f"Vigil-Notifications/{__version__}"
# What a refusal's reason quotes of the reply body (Slack answers "invalid_payload", PagerDuty a JSON error).
_QUOTED_BODY = 300


class RateLimited(DeliveryFailed):
    """A 429: retryable, and ``retry_after`` says how many seconds the receiver asked to wait, if it did."""

    def __init__(self, reason: str, retry_after: float | None) -> None:
        super().__init__(reason, retryable=True)
        self.retry_after = retry_after


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def post_json(url: str, payload: Mapping[str, Any], *, timeout: float, what: str) -> int:
    """POST ``payload`` as JSON; the 2xx status it was answered with, or DeliveryFailed. ``what`` names the
    receiver in reasons ("Slack", "PagerDuty")."""
    host = check_url(url, what)
    request = urllib.request.Request(
        url,
        data=orjson.dumps(payload),
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": USER_AGENT},
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        raise refusal(what, error.code, error.reason, error.headers, error.read()) from None
    except urllib.error.URLError as error:
        raise unreachable(what, host, error.reason) from None
    except (OSError, http.client.HTTPException) as error:
        raise unreachable(what, host, error) from None


def check_url(url: str, what: str) -> str:
    """The URL's host; DeliveryFailed (not retryable) when it is no http(s) URL."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DeliveryFailed(f"{what}: the endpoint is not an http(s) URL", retryable=False)
    return parts.hostname


def refusal(what: str, status: int, phrase: str, headers: Any, body: bytes) -> DeliveryFailed:
    said = body[:_QUOTED_BODY].decode("utf-8", "replace").strip()
    reason = f"{what} answered HTTP {status} {phrase}".rstrip() + (f": {said}" if said else "")
    if status == 429:
        wait = retry_after(headers.get("Retry-After") if headers is not None else None)
        return RateLimited(reason + (f" (Retry-After {wait:g} s)" if wait is not None else ""), wait)
    return DeliveryFailed(reason, retryable=status == 408 or status >= 500)


def unreachable(what: str, host: str, cause: object) -> DeliveryFailed:
    if isinstance(cause, ssl.SSLCertVerificationError):
        return DeliveryFailed(f"{what}: the certificate of {host} does not verify: {cause}", retryable=False)
    if isinstance(cause, TimeoutError):
        return DeliveryFailed(f"{what}: {host} did not answer in time", retryable=True)
    return DeliveryFailed(f"{what}: cannot reach {host}: {cause}", retryable=True)


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())
