"""The SDK's CloudWatch Logs caller. botocore resolves the endpoint, region and credentials as boto3 does and
signs every request; PutLogEvents itself is built with orjson and sent over a keep-alive urllib3 connection.

That split is for the application's sake: botocore validates and serializes each of up to 10,000 events in
Python, and that work, on the shipping thread, takes the GIL from the application's own threads. Retries are
the shipper's (with its own backoff, able to stop at exit), never botocore's. Bodies are gzipped only after the
endpoint has said, with ``Accept-Encoding`` in a response (RFC 7694), that it takes gzip: Vigil does, AWS does not.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass
from typing import Any

from vigil.sdk.shipping.batches import Event
from vigil.sdk.shipping.config import CloudWatchConfig
from vigil.sdk.shipping.sender import PutLogEventsSender, SendFailed

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


def classify_code(code: str, status: int, detail: str) -> PutResult:
    """What to do about an AWS error, from its code and HTTP status."""
    if code == "ResourceNotFoundException":
        return PutResult(Outcome.MISSING, detail)
    if code in _RETRYABLE_CODES or status >= 500 or status == 429:
        return PutResult(Outcome.RETRY, detail)
    if code in _CREDENTIAL_CODES or status == 403:
        return PutResult(Outcome.HOLD, detail)
    return PutResult(Outcome.REJECT, detail)


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
        self._client.meta.events.register("after-call.cloudwatch-logs", self._note_encodings)
        self._sender = PutLogEventsSender(self._client, session, config)

    @property
    def endpoint_url(self) -> str:
        return str(self._client.meta.endpoint_url)

    def _note_encodings(self, http_response: Any = None, **_: Any) -> None:
        accepted = http_response.headers.get("accept-encoding", "") if http_response is not None else ""
        self.gzip_accepted = "gzip" in accepted.lower()

    def _classify(self, error: Exception) -> PutResult:
        errors = self._botocore_errors
        if isinstance(error, errors.NoCredentialsError | errors.PartialCredentialsError):
            return PutResult(Outcome.HOLD, str(error))
        if isinstance(error, errors.BotoCoreError):
            # Connection refused or reset, timeouts, DNS: the endpoint is unreachable for now.
            return PutResult(Outcome.RETRY, str(error))
        if isinstance(error, SendFailed):
            return PutResult(Outcome.RETRY, str(error))
        code, status = _error_code(error)
        return classify_code(code, status, str(error))

    def put(self, group: str, stream: str, batch: list[Event]) -> PutResult:
        try:
            reply = self._sender.send(group, stream, batch, gzip_body=self.config.compress_logs and self.gzip_accepted)
        except Exception as error:
            return self._classify(error)
        if reply.accepts_gzip is not None:
            self.gzip_accepted = reply.accepts_gzip
        if reply.status == 200:
            rejected = (reply.body or {}).get("rejectedLogEventsInfo") or {}
            return PutResult(Outcome.SENT, rejected=_count_rejected(rejected, len(batch)))
        return classify_code(reply.error_code, reply.status, reply.message)

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
        self._sender.close()
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
