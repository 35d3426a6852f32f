"""The ASGI application: AWS protocol endpoints on ``/`` and ``/service/…``, and Vigil's own ``/_vigil/…``."""

from __future__ import annotations

import contextlib
import dataclasses
import sys
import uuid
from collections.abc import AsyncIterator, Callable

import anyio.to_thread
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from vigil import __version__
from vigil.config import Settings
from vigil.engine import clock
from vigil.engine.notifications.links import SIGNING_CERT_PATH
from vigil.errors import ServiceError
from vigil.server.dispatch import QUERY, Dispatcher, HttpRequest
from vigil.server.protocols import model
from vigil.server.protocols.base import WireCall
from vigil.server.runtime import SIGNING_FOLDER, Runtime
from vigil.server.services.sns import LINK_ACTIONS

ACCEPTED_METHODS = ["POST", "GET"]


class BodyTooLarge(Exception):
    pass


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(int(declared))
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(size)
        chunks.append(chunk)
    return b"".join(chunks)


def _json_reply(body: dict[str, object], status: int = 200) -> Response:
    return Response(orjson.dumps(body), status, media_type="application/json")


def _camel_case(record: dict[str, object]) -> dict[str, object]:
    return {(head := key.split("_"))[0] + "".join(p.title() for p in head[1:]): v for key, v in record.items()}


def create_app(settings: Settings, on_ready: Callable[[Runtime], None] | None = None) -> Starlette:
    state: dict[str, Runtime | Dispatcher] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        runtime = await anyio.to_thread.run_sync(Runtime, settings)
        state["runtime"], state["dispatcher"] = runtime, Dispatcher(runtime)
        runtime.start()
        if on_ready is not None:
            await anyio.to_thread.run_sync(on_ready, runtime)
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(runtime.close)

    async def aws(request: Request) -> Response:
        dispatcher = state["dispatcher"]
        assert isinstance(dispatcher, Dispatcher)
        headers = {k.lower(): v for k, v in request.headers.items()}
        scope = request.scope
        raw_path = scope.get("raw_path", b"").decode("latin-1") or scope["path"]
        query = scope.get("query_string", b"").decode("latin-1")
        try:
            body = await _read_body(request, settings.max_body_bytes)
        except BodyTooLarge as exc:
            probe = HttpRequest(request.method, scope["path"], raw_path, query, headers, b"")
            error = ServiceError(
                "RequestEntityTooLarge",
                f"Request body of {exc.args[0]} bytes exceeds the limit of {settings.max_body_bytes} bytes.",
                status=413,
            )
            reply = dispatcher.reject(probe, error)
            return Response(reply.body, reply.status, reply.headers)
        http = HttpRequest(request.method, scope["path"], raw_path, query, headers, body)
        reply = await anyio.to_thread.run_sync(dispatcher.handle, http)
        return Response(reply.body, reply.status, reply.headers)

    def current() -> Runtime:
        runtime = state["runtime"]
        assert isinstance(runtime, Runtime)
        return runtime

    def refused_unless_resettable(refusal: str) -> Response | None:
        """The 403 of an endpoint that changes state behind the API's back: only where reset is allowed."""
        if settings.reset_enabled:
            return None
        return _json_reply({"message": f"{refusal} --ephemeral servers or with --allow-reset."}, 403)

    async def health(request: Request) -> Response:
        runtime = current()
        body = {"status": "ok", "version": __version__, "schemaVersion": runtime.database.schema_version}
        return Response(orjson.dumps(body), media_type="application/json")

    async def reset(request: Request) -> Response:
        runtime = current()
        if (refusal := refused_unless_resettable("State reset is enabled only for")) is not None:
            return refusal
        await anyio.to_thread.run_sync(runtime.reset)
        return _json_reply({"reset": True})

    async def faults(request: Request) -> Response:
        runtime = current()
        if (refusal := refused_unless_resettable("Faults can be armed only on")) is not None:
            return refusal
        try:
            spec = orjson.loads(await request.body())
            status = int(spec.get("status", 400))
            runtime.faults.arm(
                str(spec.get("service", "logs")),
                str(spec["operation"]),
                str(spec["code"]),
                str(spec.get("message", "Injected by /_vigil/faults.")),
                status,
                int(spec.get("count", 1)),
            )
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as error:
            message = f"Expected JSON with operation, code and optional service, message, status, count: {error!r}"
            return _json_reply({"message": message}, 400)
        return _json_reply({"armed": True})

    async def metric_rollups(request: Request) -> Response:
        """Run the metric rollups as of a given time (tests cannot put data old enough to need them)."""
        runtime = current()
        if (refusal := refused_unless_resettable("Rollups can be run on demand only on")) is not None:
            return refusal
        try:
            spec = orjson.loads(await request.body())
            as_of, max_rows = int(spec["asOf"]), spec.get("maxRows")
            bound = None if max_rows is None else int(max_rows)
            if bound is not None and bound < 1:
                raise ValueError("maxRows must be at least 1")
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as error:
            message = f"Expected JSON with asOf (epoch milliseconds) and optional maxRows: {error!r}"
            return _json_reply({"message": message}, 400)
        totals = await anyio.to_thread.run_sync(runtime.metric_rollups.roll_up, as_of, bound)
        return _json_reply(dataclasses.asdict(totals))

    def follow_sns_link(runtime: Runtime, query: dict[str, str]) -> Response:
        """A SubscribeURL or UnsubscribeURL visited: unsigned, like SNS's, the token or ARN being the key."""
        request_id = str(uuid.uuid4())
        action = query["Action"]
        try:
            result = runtime.sns_service.follow_link(query)
        except ServiceError as error:
            reply = QUERY.error("sns", error, request_id)
        else:
            operation = model.operation_model("sns", action)
            assert operation is not None
            reply = QUERY.result(WireCall("sns", action, {}), operation, result, request_id)
        return Response(reply.body, reply.status, reply.headers)

    async def root_get(request: Request) -> Response:
        runtime = current()
        query = dict(request.query_params)
        if query.get("Action") in LINK_ACTIONS:
            return await anyio.to_thread.run_sync(follow_sns_link, runtime, query)
        return await aws(request)

    async def sns_signing_certificate(request: Request) -> Response:
        certificate = (settings.data_dir / SIGNING_FOLDER / "cert.pem").read_bytes()
        return Response(certificate, media_type="application/x-pem-file")

    async def sns_dead_letters(request: Request) -> Response:
        """Deliveries that finally failed, newest first: ?topicArn=, ?region=, ?limit= (default 100)."""
        runtime = current()
        query = request.query_params
        limit = query.get("limit", "100")
        if not limit.isdigit() or not 1 <= int(limit) <= 10_000:
            return _json_reply({"message": "limit must be a whole number from 1 to 10000"}, 400)
        letters = await anyio.to_thread.run_sync(
            lambda: runtime.sns_outbox.dead_letters(
                settings.account_id, query.get("region"), query.get("topicArn"), int(limit)
            )
        )
        return _json_reply({"deadLetters": [_camel_case(dataclasses.asdict(letter)) for letter in letters]})

    async def alarm_tick(request: Request) -> Response:
        """Evaluate every alarm once, now or as of ``at`` (epoch milliseconds): tests need not wait for ticks."""
        runtime = current()
        if (refusal := refused_unless_resettable("Alarm ticks can be run on demand only on")) is not None:
            return refusal
        try:
            body = await request.body()
            spec = orjson.loads(body) if body.strip() else {}
            at = int(spec["at"]) if spec.get("at") is not None else clock.now_ms()
        except (orjson.JSONDecodeError, TypeError, ValueError, AttributeError) as error:
            return _json_reply({"message": f"Expected JSON with an optional at (epoch milliseconds): {error!r}"}, 400)

        def run() -> dict[str, int]:
            runtime.log_metrics.wait_current()
            return dataclasses.asdict(runtime.alarm_evaluation.tick(at))

        return _json_reply(await anyio.to_thread.run_sync(run))

    async def acknowledge_alarm(request: Request) -> Response:
        """Acknowledge an alarm: its actions are silenced until it returns to OK (docs/alarms.md)."""
        runtime = current()
        try:
            body = await request.body()
            spec = orjson.loads(body) if body.strip() else {}
            by, note = str(spec["by"]), str(spec.get("note", ""))
            account = str(spec.get("accountId", settings.account_id))
            region = str(spec.get("region", settings.region))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as error:
            message = f"Expected JSON with by and optional note, region, accountId: {error!r}"
            return _json_reply({"message": message}, 400)
        key = (account, region, request.path_params["name"])
        try:
            ack = await anyio.to_thread.run_sync(runtime.alarms.acknowledge, key, by, note)
        except ServiceError as error:
            status = 404 if error.code == "ResourceNotFound" else 409
            return _json_reply({"code": error.code, "message": error.message}, status)
        return _json_reply({"alarmName": key[2], "acknowledgedBy": ack.by, "note": ack.note, "acknowledgedAt": ack.at})

    routes = [
        Route("/_vigil/alarms/tick", alarm_tick, methods=["POST"]),
        Route("/_vigil/alarms/{name:path}/acknowledge", acknowledge_alarm, methods=["POST"]),
        Route("/", root_get, methods=["GET"]),
        Route(SIGNING_CERT_PATH, sns_signing_certificate, methods=["GET"]),
        Route("/_vigil/sns/dead-letters", sns_dead_letters, methods=["GET"]),
        Route("/_vigil/health", health, methods=["GET"]),
        Route("/_vigil/reset", reset, methods=["POST"]),
        Route("/_vigil/faults", faults, methods=["POST"]),
        Route("/_vigil/metric-rollups", metric_rollups, methods=["POST"]),
        Route("/{path:path}", aws, methods=ACCEPTED_METHODS),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def print_banner(settings: Settings, url: str) -> None:
    lines = [
        f"Vigil {__version__} listening on {url}",
        f"  data: {'(ephemeral) ' if settings.ephemeral else ''}{settings.data_dir}",
        "",
        "  boto3:",
        f'    boto3.client("logs", endpoint_url="{url}", region_name="{settings.region}",',
        '                 aws_access_key_id="test", aws_secret_access_key="test")',
        "  aws CLI:",
        "    AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws logs describe-log-groups \\",
        f"        --endpoint-url {url} --region {settings.region}",
        "",
    ]
    print("\n".join(lines), flush=True)
    sys.stdout.flush()
