"""The ``vigil`` command."""

from __future__ import annotations

import logging
import shutil
import signal
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from vigil import __version__
from vigil.config import DEFAULT_PORT, Settings, default_data_dir, parse_access_keys, read_access_keys_file

F = TypeVar("F", bound=Callable[..., Any])


def setting(flag: str, **options: Any) -> Callable[[F], F]:
    """A ``vigil serve`` option that can also be set with its ``VIGIL_<NAME>`` environment variable."""
    variable = "VIGIL_" + flag.removeprefix("--").replace("-", "_").upper()
    return click.option(flag, envvar=variable, show_envvar=True, **options)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "show_default": True})
@click.version_option(__version__, prog_name="vigil")
def main() -> None:
    """Vigil: CloudWatch Logs, metrics, alarms and SNS on your own machine.

    Point boto3, the aws CLI, watchtower or Grafana at the server's endpoint URL and they work unchanged.
    Every option of every command can also be set with the environment variable named beside it.
    """


@main.command()
@setting("--host", default="127.0.0.1", help="Address to listen on.")
@setting(
    "--port",
    default=DEFAULT_PORT,
    type=int,
    help="Port to listen on; 0 picks a free one (the banner shows which).",
)
@setting(
    "--data-dir",
    type=click.Path(path_type=Path),
    help=f"Where data is kept.  [default: {default_data_dir()}]",
)
@setting(
    "--ephemeral",
    is_flag=True,
    help="Keep data in a temporary directory removed at exit; enables POST /_vigil/reset.",
)
@setting(
    "--demo",
    is_flag=True,
    help="Load a few log groups of realistic application and Lambda logs (once per data directory).",
)
@setting(
    "--account-id",
    default="000000000000",
    help="The AWS account id in ARNs and responses.",
)
@setting(
    "--region",
    default="us-east-1",
    help="Region for requests whose signature names none.",
)
@setting(
    "--access-keys",
    default="",
    help="ACCESS_KEY_ID:SECRET pairs, comma-separated. When any are configured (here or in "
    "--access-keys-file), SigV4 signatures are verified; otherwise any signature is accepted.",
)
@setting(
    "--access-keys-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file of access keys in the AWS shared-credentials format.",
)
@setting(
    "--allow-reset",
    is_flag=True,
    help="Enable POST /_vigil/reset, which wipes all state, on a persistent data directory.",
)
@setting(
    "--memory-limit",
    default="1GB",
    help="Memory the storage engine may use for caching and queries.",
)
@setting(
    "--retention-interval",
    default=60.0,
    type=float,
    help="Seconds between retention sweeps that delete expired events.",
)
@setting(
    "--max-event-bytes",
    default=1_048_550,
    type=int,
    help="Largest log event message in bytes (AWS: 1 MB less the 26-byte overhead; older quota pages say 256 KB).",
)
@setting(
    "--log-level",
    default="warning",
    type=click.Choice(["debug", "info", "warning", "error"]),
    help="Server log verbosity.",
)
def serve(
    host: str,
    port: int,
    data_dir: Path | None,
    ephemeral: bool,
    demo: bool,
    account_id: str,
    region: str,
    access_keys: str,
    access_keys_file: Path | None,
    allow_reset: bool,
    memory_limit: str,
    retention_interval: float,
    max_event_bytes: int,
    log_level: str,
) -> None:
    """Run the server until SIGTERM or Ctrl-C, then commit what is buffered and exit."""
    import uvicorn

    from vigil.server.app import create_app, print_banner

    try:
        keys = parse_access_keys(access_keys)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--access-keys") from None
    if access_keys_file:
        keys.update(read_access_keys_file(access_keys_file))
    if ephemeral:
        data_dir = Path(tempfile.mkdtemp(prefix="vigil-"))
    settings = Settings(
        host=host,
        port=port,
        data_dir=data_dir or default_data_dir(),
        ephemeral=ephemeral,
        demo=demo,
        account_id=account_id,
        region=region,
        access_keys=keys,
        allow_reset=allow_reset,
        memory_limit=memory_limit,
        retention_interval=retention_interval,
        max_event_bytes=max_event_bytes,
    )
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    # Listen now, so connections made as soon as the banner appears queue instead of being refused.
    sock.listen(2048)
    bound_port = sock.getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{bound_port}"

    def ready(runtime: object) -> None:
        if settings.demo:
            from vigil.demo import load_demo

            load_demo(runtime)  # type: ignore[arg-type]
        print_banner(settings, url)

    app = create_app(settings, on_ready=ready)
    config = uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="on", timeout_graceful_shutdown=10)
    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then re-sends the signal to the handler it found
    # installed; these make that second delivery a no-op so a clean shutdown exits with status 0.
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, lambda *_: None)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        if ephemeral:
            shutil.rmtree(settings.data_dir, ignore_errors=True)
