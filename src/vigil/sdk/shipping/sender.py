"""PutLogEvents as one orjson-built, SigV4-signed request on a keep-alive urllib3 connection.

botocore still decides everything that makes the request right: the endpoint (``endpoint_url=``,
``AWS_ENDPOINT_URL_CLOUDWATCH_LOGS``, the partition's rules), the region, the credentials (refreshed when they
expire) and the signature (``SigV4Auth``). Only the serialization and the HTTP round trip are done here.
"""

from __future__ import annotations

import gzip
import ipaddress
import urllib.parse
from dataclasses import dataclass
from typing import Any

import orjson

from vigil.sdk.shipping.batches import Event
from vigil.sdk.shipping.config import CloudWatchConfig

_TARGET = "Logs_20140328.PutLogEvents"
_COMPRESS_ABOVE_BYTES = 1024


class SendFailed(Exception):
    """No HTTP answer: the connection was refused, reset, or timed out."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any] | None
    error_code: str
    message: str
    accepts_gzip: bool | None  # None: the reply did not say


def _error_code(body: dict[str, Any] | None, headers: Any) -> tuple[str, str]:
    """AWS's awsJson error: ``__type`` (possibly ``namespace#Code``) or the ``x-amzn-ErrorType`` header."""
    code = ""
    message = ""
    if body:
        code = str(body.get("__type", ""))
        message = str(body.get("message") or body.get("Message") or "")
    if not code:
        code = str(headers.get("x-amzn-errortype", ""))
    return code.rpartition("#")[2].partition(":")[0], message


def _is_loopback(url: str) -> bool:
    host = urllib.parse.urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class PutLogEventsSender:
    def __init__(self, client: Any, session: Any, config: CloudWatchConfig) -> None:
        import botocore.credentials
        import botocore.httpsession
        import urllib3

        self._urllib3 = urllib3
        self.endpoint_url = str(client.meta.endpoint_url).rstrip("/") + "/"
        # Compression saves network bytes at the price of the shipping thread's CPU (and so of the GIL): on the
        # loopback interface there are no bytes worth saving.
        self.compresses = not _is_loopback(self.endpoint_url)
        self.region = str(client.meta.region_name)
        if config.aws_access_key_id and config.aws_secret_access_key:
            self._credentials: Any = botocore.credentials.Credentials(
                config.aws_access_key_id, config.aws_secret_access_key, config.aws_session_token
            )
        else:
            self._credentials = session.get_credentials()
        self._user_agent = f"vigil-sdk {client.meta.config.user_agent or ''}".strip()
        self._pool = urllib3.PoolManager(
            num_pools=1,
            maxsize=1,
            retries=False,
            timeout=urllib3.Timeout(connect=config.connect_timeout, read=config.read_timeout),
            ca_certs=botocore.httpsession.get_cert_path(True),
        )

    def send(self, group: str, stream: str, batch: list[Event], gzip_body: bool) -> Reply:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.exceptions import NoCredentialsError

        if self._credentials is None:
            raise NoCredentialsError()
        events = [{"timestamp": timestamp, "message": message.decode("utf-8")} for timestamp, message in batch]
        body = orjson.dumps({"logGroupName": group, "logStreamName": stream, "logEvents": events})
        headers = {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": _TARGET,
            "User-Agent": self._user_agent,
        }
        if gzip_body and self.compresses and len(body) > _COMPRESS_ABOVE_BYTES:
            body = gzip.compress(body, compresslevel=1)
            headers["Content-Encoding"] = "gzip"
        request = AWSRequest(method="POST", url=self.endpoint_url, data=body, headers=headers)
        SigV4Auth(self._credentials.get_frozen_credentials(), "logs", self.region).add_auth(request)
        try:
            response = self._pool.request(
                "POST", self.endpoint_url, body=body, headers=dict(request.headers.items()), preload_content=True
            )
        except self._urllib3.exceptions.HTTPError as error:
            raise SendFailed(f"{type(error).__name__}: {error}") from None
        try:
            parsed = orjson.loads(response.data) if response.data else None
        except orjson.JSONDecodeError:
            parsed = None
        parsed = parsed if isinstance(parsed, dict) else None
        accepted = response.headers.get("accept-encoding")
        code, message = ("", "") if response.status == 200 else _error_code(parsed, response.headers)
        if response.status != 200 and not message:
            message = response.data[:300].decode("utf-8", "replace")
        return Reply(
            status=response.status,
            body=parsed,
            error_code=code,
            message=message,
            accepts_gzip=None if accepted is None else "gzip" in accepted.lower(),
        )

    def close(self) -> None:
        self._pool.clear()
