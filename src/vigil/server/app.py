"""The ASGI application: AWS protocol endpoints on ``/`` and ``/service/…``, and Vigil's own ``/_vigil/…``."""

from __future__ import annotations

import contextlib
import dataclasses
import sys
from collections.abc import AsyncIterator, Callable

import anyio.to_thread
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from vigil import __version__
from vigil.config import Settings
from vigil.errors import ServiceError
from vigil.server.dispatch import Dispatcher, HttpRequest
from vigil.server.runtime import Runtime

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

    async def health(request: Request) -> Response:
        runtime = state["runtime"]
        assert isinstance(runtime, Runtime)
        body = {"status": "ok", "version": __version__, "schemaVersion": runtime.database.schema_version}
        return Response(orjson.dumps(body), media_type="application/json")

    async def reset(request: Request) -> Response:
        runtime = state["runtime"]
        assert isinstance(runtime, Runtime)
        if not settings.reset_enabled:
            return _json_reply(
                {"message": "State reset is enabled only for --ephemeral servers or with --allow-reset."}, 403
            )
        await anyio.to_thread.run_sync(runtime.reset)
        return _json_reply({"reset": True})

    async def faults(request: Request) -> Response:
        runtime = state["runtime"]
        assert isinstance(runtime, Runtime)
        if not settings.reset_enabled:
            return _json_reply(
                {"message": "Faults can be armed only on --ephemeral servers or with --allow-reset."}, 403
            )
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
        runtime = state["runtime"]
        assert isinstance(runtime, Runtime)
        if not settings.reset_enabled:
            return _json_reply(
                {"message": "Rollups can be run on demand only on --ephemeral servers or with --allow-reset."}, 403
            )
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

    routes = [
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
