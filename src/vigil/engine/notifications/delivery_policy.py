"""SNS delivery policies: validating the HTTP/S ones, the effective policy of a subscription, and the delay
before each retry.

AWS's four phases (docs "Amazon SNS message delivery retries"): retries with no delay, retries at the minimum
delay, a backoff phase from the minimum to the maximum delay, then retries at the maximum delay; at most 3,600 s
of retries in all for HTTP/S. The default HTTP/S policy is 3 retries 20 s apart. AWS publishes the backoff
curves only as a graph, so Vigil's are documented in docs/sns.md. Other protocols have fixed policies; Vigil
gives email, Slack and PagerDuty AWS's policy for customer-managed endpoints (SMTP, SMS, mobile push).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import orjson

from vigil.errors import ServiceError

BACKOFF_FUNCTIONS = ("arithmetic", "exponential", "geometric", "linear")
MAX_TOTAL_RETRY_SECONDS = 3600
HTTP_PROTOCOLS = ("http", "https")


@dataclass(frozen=True)
class RetryPolicy:
    minDelayTarget: int = 20  # AWS's JSON names
    maxDelayTarget: int = 20
    numRetries: int = 3
    numMaxDelayRetries: int = 0
    numNoDelayRetries: int = 0
    numMinDelayRetries: int = 0
    backoffFunction: str = "linear"

    def delay_before_retry(self, retry: int) -> float | None:
        """Seconds to wait before retry number ``retry`` (1 = the first retry); None when retries are spent."""
        if retry > self.numRetries:
            return None
        if retry <= self.numNoDelayRetries:
            return 0.0
        retry -= self.numNoDelayRetries
        if retry <= self.numMinDelayRetries:
            return float(self.minDelayTarget)
        retry -= self.numMinDelayRetries
        backoff = self.numRetries - self.numNoDelayRetries - self.numMinDelayRetries - self.numMaxDelayRetries
        if retry > backoff:
            return float(self.maxDelayTarget)
        return _backoff(self.backoffFunction, self.minDelayTarget, self.maxDelayTarget, retry, backoff)

    def total_seconds(self) -> float:
        return sum(self.delay_before_retry(i) or 0.0 for i in range(1, self.numRetries + 1))


def _backoff(function: str, low: int, high: int, step: int, steps: int) -> float:
    """The delay at ``step`` of ``steps``, reaching ``high`` at the last step."""
    span = high - low
    if function == "linear":
        fraction = step / steps
    elif function == "arithmetic":
        fraction = step * (step + 1) / (steps * (steps + 1))
    elif function == "exponential":
        fraction = (2**step - 1) / (2**steps - 1)
    else:  # geometric: a constant ratio between delays
        return low * (high / low) ** (step / steps)
    return low + span * fraction


HTTP_DEFAULT = RetryPolicy()
# AWS's policy for customer-managed endpoints (SMTP, SMS, mobile push): 50 attempts over 6 hours.
CUSTOMER_MANAGED = RetryPolicy(10, 600, 49, 37, 0, 2, "exponential")
DEFAULT_CONTENT_TYPE = "text/plain; charset=UTF-8"


@dataclass(frozen=True)
class EffectivePolicy:
    retry: RetryPolicy
    content_type: str = DEFAULT_CONTENT_TYPE
    max_receives_per_second: int | None = None


def _invalid(reason: str) -> ServiceError:
    return ServiceError("InvalidParameter", f"Invalid parameter: DeliveryPolicy: {reason}")


def _parse(text: str) -> dict[str, Any]:
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise _invalid("failed to parse JSON") from None
    if not isinstance(document, dict):
        raise _invalid("must be a JSON object")
    return document


def _retry_policy(document: Any) -> RetryPolicy:
    if not isinstance(document, dict):
        raise _invalid("healthyRetryPolicy must be an object")
    known = set(RetryPolicy.__dataclass_fields__)
    unknown = set(document) - known
    if unknown:
        raise _invalid(f"Unknown field {sorted(unknown)[0]} in healthyRetryPolicy")
    values: dict[str, Any] = {}
    for name, value in document.items():
        if name == "backoffFunction":
            if value not in BACKOFF_FUNCTIONS:
                raise _invalid(f"backoffFunction must be one of {', '.join(BACKOFF_FUNCTIONS)}")
            values[name] = value
        elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise _invalid(f"{name} must be a non-negative integer")
        else:
            values[name] = value
    if "minDelayTarget" in values and "maxDelayTarget" not in values:
        values["maxDelayTarget"] = max(values["minDelayTarget"], HTTP_DEFAULT.maxDelayTarget)
    if "maxDelayTarget" in values and "minDelayTarget" not in values:
        values["minDelayTarget"] = min(values["maxDelayTarget"], HTTP_DEFAULT.minDelayTarget)
    policy = RetryPolicy(**values)
    if not 1 <= policy.minDelayTarget <= policy.maxDelayTarget:
        raise _invalid("minDelayTarget must be at least 1 and at most maxDelayTarget")
    if policy.maxDelayTarget > MAX_TOTAL_RETRY_SECONDS:
        raise _invalid(f"maxDelayTarget must be at most {MAX_TOTAL_RETRY_SECONDS}")
    if policy.numRetries > 100:
        raise _invalid("numRetries must be at most 100")
    phases = policy.numNoDelayRetries + policy.numMinDelayRetries + policy.numMaxDelayRetries
    if phases > policy.numRetries:
        raise _invalid("numNoDelayRetries + numMinDelayRetries + numMaxDelayRetries must not exceed numRetries")
    if policy.total_seconds() > MAX_TOTAL_RETRY_SECONDS:
        raise _invalid(f"the retries would last more than {MAX_TOTAL_RETRY_SECONDS} seconds")
    return policy


def _throttle(document: Any) -> int | None:
    if document is None:
        return None
    rate = document.get("maxReceivesPerSecond") if isinstance(document, dict) else None
    if isinstance(rate, bool) or not isinstance(rate, int) or rate < 1:
        raise _invalid("maxReceivesPerSecond must be a positive integer")
    return rate


def _content_type(document: Any) -> str:
    if document is None:
        return DEFAULT_CONTENT_TYPE
    value = document.get("headerContentType") if isinstance(document, dict) else None
    if not isinstance(value, str) or not value:
        raise _invalid("headerContentType must be a string")
    return value


def check_subscription_policy(text: str) -> None:
    """Raise InvalidParameter unless ``text`` is a valid subscription DeliveryPolicy."""
    _subscription_parts(_parse(text))


def check_topic_policy(text: str) -> None:
    document = _parse(text)
    http = document.get("http", {})
    if not isinstance(http, dict):
        raise _invalid("http must be an object")
    _topic_parts(http)


def _subscription_parts(document: Mapping[str, Any]) -> EffectivePolicy:
    retry = document.get("healthyRetryPolicy")
    return EffectivePolicy(
        _retry_policy(retry) if retry is not None else HTTP_DEFAULT,
        _content_type(document.get("requestPolicy")),
        _throttle(document.get("throttlePolicy")),
    )


def _topic_parts(http: Mapping[str, Any]) -> EffectivePolicy:
    retry = http.get("defaultHealthyRetryPolicy")
    return EffectivePolicy(
        _retry_policy(retry) if retry is not None else HTTP_DEFAULT,
        _content_type(http.get("defaultRequestPolicy")),
        _throttle(http.get("defaultThrottlePolicy")),
    )


def effective(protocol: str, topic_policy: str | None, subscription_policy: str | None) -> EffectivePolicy:
    """What governs deliveries to a subscription: its own policy unless the topic disables overrides, else the
    topic's HTTP policy, else AWS's default; fixed policies for the other protocols."""
    if protocol not in HTTP_PROTOCOLS:
        return EffectivePolicy(CUSTOMER_MANAGED)
    http = _parse(topic_policy).get("http", {}) if topic_policy else {}
    topic = _topic_parts(http) if http else EffectivePolicy(HTTP_DEFAULT)
    if subscription_policy and not http.get("disableSubscriptionOverrides", False):
        return _subscription_parts(_parse(subscription_policy))
    return topic


def topic_effective_json(topic_policy: str | None) -> str:
    """GetTopicAttributes' EffectiveDeliveryPolicy: the topic's HTTP policy with AWS's defaults filled in."""
    http = _parse(topic_policy).get("http", {}) if topic_policy else {}
    parts = _topic_parts(http) if http else EffectivePolicy(HTTP_DEFAULT)
    out: dict[str, Any] = {
        "defaultHealthyRetryPolicy": asdict(parts.retry),
        "disableSubscriptionOverrides": bool(http.get("disableSubscriptionOverrides", False)),
        "defaultRequestPolicy": {"headerContentType": parts.content_type},
    }
    if parts.max_receives_per_second is not None:
        out["defaultThrottlePolicy"] = {"maxReceivesPerSecond": parts.max_receives_per_second}
    return orjson.dumps({"http": out}).decode()


def subscription_effective_json(policy: EffectivePolicy) -> str:
    """GetSubscriptionAttributes' EffectiveDeliveryPolicy for an HTTP/S subscription."""
    throttle = (
        None if policy.max_receives_per_second is None else {"maxReceivesPerSecond": policy.max_receives_per_second}
    )
    return orjson.dumps(
        {
            "healthyRetryPolicy": asdict(policy.retry),
            "sicklyRetryPolicy": None,
            "throttlePolicy": throttle,
            "requestPolicy": {"headerContentType": policy.content_type},
            "guaranteed": False,
        }
    ).decode()
