"""One request through the protocol layer: pick the protocol, check the signature, read and validate
the operation against the model, run its handler, and encode the answer or AWS's error."""

from __future__ import annotations

import logging
import re
import uuid
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from vigil.engine.logs.scope import Scope
from vigil.errors import ServiceError
from vigil.server.protocols import model, sigv4
from vigil.server.protocols.base import Protocol, Reply
from vigil.server.protocols.cbor_protocol import CborProtocol
from vigil.server.protocols.json_protocol import JsonProtocol
from vigil.server.protocols.query_protocol import QueryProtocol
from vigil.server.protocols.validate import validate_input
from vigil.server.runtime import Runtime
from vigil.server.services.base import RequestContext

log = logging.getLogger(__name__)

JSON, QUERY, CBOR = JsonProtocol(), QueryProtocol(), CborProtocol()


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    raw_path: str
    query: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes


def choose_protocol(request: HttpRequest) -> Protocol:
    if "x-amz-target" in request.headers:
        return JSON
    if request.headers.get("smithy-protocol") == "rpc-v2-cbor" or request.path.startswith("/service/"):
        return CBOR
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded") or request.body.startswith(b"Action="):
        return QUERY
    return JSON


_VERSION = re.compile(rb"(?:^|&)Version=([^&]*)")


def service_hint(request: HttpRequest, signed: sigv4.Signed | None) -> str:
    """The service whose error format to use before the operation is read, or when it cannot be: what the
    request itself names (target, CBOR path, query Version) wins over the signature's scope."""
    named: str | None = None
    if target := request.headers.get("x-amz-target"):
        named = model.service_for_target_prefix(target.rpartition(".")[0])
    elif request.path.startswith("/service/"):
        named = model.service_for_target_prefix(request.path.split("/")[2])
    elif version := _VERSION.search(request.body):
        named = model.service_for_api_version(unquote_to_bytes(version[1]).decode("utf-8", "replace"))
    if named is None and signed is not None:
        named = model.service_for_signing_name(signed.scope.service)
    return named or "logs"


def decoded_body(headers: Mapping[str, str], body: bytes, limit: int) -> bytes:
    """The request body with its ``Content-Encoding`` undone (gzip, or none), never larger than ``limit``."""
    coding = headers.get("content-encoding", "").strip().lower()
    if coding in ("", "identity"):
        return body
    if coding not in ("gzip", "x-gzip"):
        raise ServiceError("SerializationException", f"Unsupported Content-Encoding {coding!r}: use gzip or none.")
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, limit + 1)
    except zlib.error as error:
        raise ServiceError("SerializationException", f"The gzip request body is corrupt: {error}.") from None
    if len(data) > limit or inflater.unconsumed_tail:
        raise ServiceError(
            "RequestEntityTooLarge", f"The request body inflates to more than {limit} bytes.", status=413
        )
    if not inflater.eof:
        raise ServiceError("SerializationException", "The gzip request body is truncated.")
    return data


class Dispatcher:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.settings = runtime.settings

    def handle(self, request: HttpRequest) -> Reply:
        request_id = str(uuid.uuid4())
        protocol = choose_protocol(request)
        signed = sigv4.read_authorization(request.headers, request.query)
        try:
            reply = self._run(protocol, request, signed, request_id)
        except ServiceError as error:
            reply = protocol.error(service_hint(request, signed), error, request_id)
        except Exception:
            log.exception("request %s failed", request_id)
            reply = protocol.error(
                service_hint(request, signed),
                ServiceError("InternalFailure", "The server failed to process the request.", status=500, sender=False),
                request_id,
            )
        reply.headers["x-amzn-requestid"] = request_id
        # RFC 7694: in a response, Accept-Encoding names the codings the server takes in requests. AWS sends
        # none, so a client that compresses only when it sees this header never sends gzip to AWS.
        reply.headers["accept-encoding"] = "gzip"
        return reply

    def reject(self, request: HttpRequest, error: ServiceError) -> Reply:
        """AWS's error for a request refused before it is read (its body may be missing)."""
        request_id = str(uuid.uuid4())
        signed = sigv4.read_authorization(request.headers, request.query)
        reply = choose_protocol(request).error(service_hint(request, signed), error, request_id)
        reply.headers["x-amzn-requestid"] = request_id
        return reply

    def _run(self, protocol: Protocol, request: HttpRequest, signed: sigv4.Signed | None, request_id: str) -> Reply:
        if self.settings.access_keys:
            sigv4.verify(
                signed,
                self.settings.access_keys,
                method=request.method,
                raw_path=request.raw_path,
                query=request.query,
                headers=request.headers,
                body=request.body,
                wire=protocol.wire,
            )
        body = decoded_body(request.headers, request.body, self.settings.max_body_bytes)
        call = protocol.read(request.path, request.headers, body, signed.scope.service if signed else None)
        operation = model.operation_model(call.service, call.operation)
        assert operation is not None  # protocol.read only returns operations of the model
        if fault := self.runtime.faults.take(call.service, call.operation):
            raise fault
        handler = self.runtime.handlers.get(call.service, {}).get(call.operation)
        if handler is None:
            raise ServiceError(
                "UnsupportedOperation" if protocol.wire == "query" else "UnsupportedOperationException",
                f"Vigil does not implement {call.service} {call.operation} yet.",
            )
        params = validate_input(call.service, operation.input_shape, call.params, protocol.wire)
        region = signed.scope.region if signed else self.settings.region
        context = RequestContext(Scope(self.settings.account_id, region), request_id)
        return protocol.result(call, operation, handler(context, params), request_id)
