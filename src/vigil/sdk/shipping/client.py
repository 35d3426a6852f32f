"""The SDK's PutLogEvents caller: botocore, so endpoint, region and credentials resolve as boto3's do.

botocore's own retries are off: the shipper retries with its own backoff and jitter, spools when retries run
out, and must be able to stop waiting when the process exits. Bodies are gzipped only after the endpoint has
said, with ``Accept-Encoding`` in a response (RFC 7694), that it takes gzip: a Vigil server does, AWS does not.
"""

from __future__ import annotations

import enum
import gzip
import os
from dataclasses import dataclass
from typing import Any

from vigil.sdk.shipping.batches import Event
from vigil.sdk.shipping.config import CloudWatchConfig

_RETRYABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ServiceUnavailableException",
        "ServiceUnavailable",
        "InternalFailure",
        "InternalServerError",
        "RequestTimeout",
        "RequestTimeoutException",
        "LimitExceededException",
    }
)
_CREDENTIAL_CODES = frozenset(
    {
        "AccessDeniedException",
        "AccessDenied",
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "ExpiredTokenException",
        "IncompleteSignature",
        "MissingAuthenticationToken",
    }
)
_COMPRESS_ABOVE_BYTES = 1024


class Outcome(enum.Enum):
    SENT = "sent"
    RETRY = "retry"  # throttled, server error, unreachable: try again later
    MISSING = "missing"  # the group or stream does not exist: create it, then try again
    HOLD = "hold"  # credentials or permissions: keep the records until someone fixes the configuration
    REJECT = "reject"  # the endpoint refuses these records and always will


@dataclass(frozen=True)
class PutResult:
    outcome: Outcome
    detail: str = ""
    rejected: int = 0  # events of a sent batch the endpoint did not store (rejectedLogEventsInfo)


def _error_code(error: Exception) -> tuple[str, int]:
    response = getattr(error, "response", None) or {}
    code = response.get("Error", {}).get("Code", "")
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return code, status


class LogsClient:
    def __init__(self, config: CloudWatchConfig) -> None:
        import botocore.config
        import botocore.exceptions
        import botocore.session

        self.config = config
        self._botocore_errors = botocore.exceptions
        session = botocore.session.get_session()
        if config.profile_name:
            session.set_config_variable("profile", config.profile_name)
        region = config.region or session.get_config_variable("region") or os.environ.get("AWS_REGION")
        if region is None and config.endpoint_url is None:
            endpoint = os.environ.get("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS") or os.environ.get("AWS_ENDPOINT_URL")
            if endpoint is None:
                raise ValueError("No AWS region: pass region= or set AWS_REGION / AWS_DEFAULT_REGION.")
        self._client: Any = session.create_client(
            "logs",
            region_name=region or "us-east-1",
            endpoint_url=config.endpoint_url,
            aws_access_key_id=config.aws_access_key_id,
            aws_secret_access_key=config.aws_secret_access_key,
            aws_session_token=config.aws_session_token,
            config=botocore.config.Config(
                retries={"total_max_attempts": 1},
                connect_timeout=config.connect_timeout,
                read_timeout=config.read_timeout,
                user_agent_extra="vigil-sdk",
            ),
        )
        self.gzip_accepted = False
        events = self._client.meta.events
        events.register("after-call.cloudwatch-logs", self._note_encodings)
        events.register("before-sign.cloudwatch-logs.PutLogEvents", self._compress)

    @property
    def endpoint_url(self) -> str:
        return str(self._client.meta.endpoint_url)

    def _note_encodings(self, http_response: Any = None, **_: Any) -> None:
        accepted = http_response.headers.get("accept-encoding", "") if http_response is not None else ""
        self.gzip_accepted = "gzip" in accepted.lower()

    def _compress(self, request: Any, **_: Any) -> None:
        body = request.body
        if not (self.config.compress_logs and self.gzip_accepted) or not body or len(body) < _COMPRESS_ABOVE_BYTES:
            return
        if isinstance(body, str):
            body = body.encode("utf-8")
        request.data = gzip.compress(body, compresslevel=5)
        request.headers["Content-Encoding"] = "gzip"

    def _classify(self, error: Exception) -> PutResult:
        errors = self._botocore_errors
        if isinstance(error, errors.NoCredentialsError | errors.PartialCredentialsError):
            return PutResult(Outcome.HOLD, str(error))
        if isinstance(error, errors.BotoCoreError):
            # Connection refused or reset, timeouts, DNS: the endpoint is unreachable for now.
            return PutResult(Outcome.RETRY, str(error))
        code, status = _error_code(error)
        if code == "ResourceNotFoundException":
            return PutResult(Outcome.MISSING, str(error))
        if code in _RETRYABLE_CODES or status >= 500 or status == 429:
            return PutResult(Outcome.RETRY, str(error))
        if code in _CREDENTIAL_CODES or status == 403:
            return PutResult(Outcome.HOLD, str(error))
        return PutResult(Outcome.REJECT, str(error))

    def put(self, group: str, stream: str, batch: list[Event]) -> PutResult:
        events = [{"timestamp": timestamp, "message": message.decode("utf-8")} for timestamp, message in batch]
        try:
            reply = self._client.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
        except Exception as error:
            return self._classify(error)
        rejected = reply.get("rejectedLogEventsInfo") or {}
        return PutResult(Outcome.SENT, rejected=_count_rejected(rejected, len(batch)))

    def ensure(self, group: str, stream: str, create_group: bool, create_stream: bool) -> PutResult:
        """Create the group and stream where allowed; existing ones are fine."""
        for allowed, call, arguments in (
            (create_group, self._client.create_log_group, {"logGroupName": group}),
            (create_stream, self._client.create_log_stream, {"logGroupName": group, "logStreamName": stream}),
        ):
            if not allowed:
                continue
            try:
                call(**arguments)
            except Exception as error:
                if _error_code(error)[0] == "ResourceAlreadyExistsException":
                    continue
                result = self._classify(error)
                return result if result.outcome is not Outcome.MISSING else PutResult(Outcome.REJECT, result.detail)
        return PutResult(Outcome.SENT)

    def close(self) -> None:
        self._client.close()


def _count_rejected(info: dict[str, int], size: int) -> int:
    """How many events ``rejectedLogEventsInfo`` says were not stored (its end indexes are exclusive)."""
    rejected = set()
    if "tooOldLogEventEndIndex" in info:
        rejected.update(range(0, info["tooOldLogEventEndIndex"]))
    if "expiredLogEventEndIndex" in info:
        rejected.update(range(0, info["expiredLogEventEndIndex"]))
    if "tooNewLogEventStartIndex" in info:
        rejected.update(range(info["tooNewLogEventStartIndex"], size))
    return len(rejected)
