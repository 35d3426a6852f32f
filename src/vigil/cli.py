"""The ``vigil`` command."""

from __future__ import annotations

import logging
import shutil
import signal
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

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
    "--metric-rollup-interval",
    default=60.0,
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds between metric rollups, which merge aging datapoints as CloudWatch keeps them and delete them "
    "after 455 days.",
)
@setting(
    "--alarm-tick",
    default=60.0,
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds between alarm evaluations (CloudWatch: 60, and 10 for high-resolution alarms); lower it for tests "
    "and benchmarks.",
)
@setting(
    "--max-event-bytes",
    default=1_048_550,
    type=int,
    help="Largest log event message in bytes (AWS: 1 MB less the 26-byte overhead; older quota pages say 256 KB).",
)
@setting(
    "--max-concurrent-queries",
    default=4,
    type=click.IntRange(min=1),
    help="Logs Insights queries that run at once; more wait as Scheduled. (AWS's 30 is an account-wide "
    "quota across many machines; a handful suits one machine's cores.)",
)
@setting(
    "--query-timeout",
    default=900.0,
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds a Logs Insights query may run before it ends with status Timeout (AWS: 60 minutes).",
)
@setting(
    "--public-url",
    default="",
    help="Base URL at which SNS subscribers reach this server: SubscribeURL, UnsubscribeURL and SigningCertURL "
    "in SNS messages start with it.  [default: http://HOST:PORT as bound]",
)
@setting(
    "--sns-retry-delay-scale",
    default=1.0,
    type=click.FloatRange(min=0),
    help="Multiplies every SNS delivery retry delay (1 = the delivery policy's own; tests use 0.01).",
)
@setting("--smtp-host", default="localhost", help="SMTP server that email and email-json notifications go through.")
@setting(
    "--smtp-port",
    type=click.IntRange(1, 65535),
    help="SMTP server port.  [default: 25; 587 with starttls; 465 with tls]",
)
@setting(
    "--smtp-security",
    default="none",
    type=click.Choice(["none", "starttls", "tls"]),
    help="starttls: upgrade the connection (refusing servers that cannot); tls: implicit TLS (SMTPS). The server's "
    "certificate is verified against the system's trust store (SSL_CERT_FILE names another).",
)
@setting("--smtp-username", default="", help="SMTP AUTH user name; none: no AUTH.")
@setting("--smtp-password", default="", help="SMTP AUTH password (prefer the variable: flags show in process lists).")
@setting("--smtp-from", default="Vigil Notifications <no-reply@localhost>", help="From address of notification emails.")
@setting(
    "--pagerduty-events-url",
    default="https://events.pagerduty.com/v2/enqueue",
    help="PagerDuty Events API v2 URL that pagerduty subscriptions post to.",
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
    metric_rollup_interval: float,
    alarm_tick: float,
    max_event_bytes: int,
    max_concurrent_queries: int,
    query_timeout: float,
    public_url: str,
    sns_retry_delay_scale: float,
    smtp_host: str,
    smtp_port: int | None,
    smtp_security: str,
    smtp_username: str,
    smtp_password: str,
    smtp_from: str,
    pagerduty_events_url: str,
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
        metric_rollup_interval=metric_rollup_interval,
        alarm_tick=alarm_tick,
        max_event_bytes=max_event_bytes,
        max_concurrent_queries=max_concurrent_queries,
        query_timeout=query_timeout,
        smtp_host=smtp_host,
        smtp_port=smtp_port,
        smtp_security=smtp_security,
        smtp_username=smtp_username,
        smtp_password=smtp_password,
        smtp_from=smtp_from,
        pagerduty_events_url=pagerduty_events_url,
        public_url=public_url,
        sns_retry_delay_scale=sns_retry_delay_scale,
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
    settings.public_url = (settings.public_url or url).rstrip("/")

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


# ---- vigil query ---------------------------------------------------------------------------------

DEFAULT_ENDPOINT = f"http://127.0.0.1:{DEFAULT_PORT}"
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_QUERY_DONE = {"Complete", "Failed", "Cancelled", "Timeout"}


def _duration_s(text: str) -> int:
    """``90s``, ``15m``, ``1h``, ``2d``, ``1w`` in seconds."""
    number, unit = text[:-1], text[-1:]
    if unit not in _DURATION_UNITS or not number.isdigit():
        raise click.BadParameter(f"expected a number and one of s, m, h, d, w (like 15m), got {text!r}")
    return int(number) * _DURATION_UNITS[unit]


def _epoch_s(text: str, option: str) -> int:
    """Epoch seconds, or an ISO 8601 time (UTC unless it names an offset)."""
    import datetime as dt

    if text.isdigit():
        return int(text)
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"expected ISO 8601 or epoch seconds, got {text!r}", param_hint=option) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp())


def _logs_client(endpoint_url: str | None, region: str | None) -> Any:
    """A botocore Logs client for the endpoint, with the usual credential chain or, when it finds
    nothing, dummy credentials: a server without access keys accepts any signature."""
    import os

    import botocore.config
    import botocore.session

    session = botocore.session.get_session()
    if session.get_credentials() is None:
        session.set_credentials("vigil", "vigil")
    endpoint = (
        endpoint_url
        or os.environ.get("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS")
        or os.environ.get("AWS_ENDPOINT_URL")
        or DEFAULT_ENDPOINT
    )
    config = botocore.config.Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5)
    region = region or session.get_config_variable("region") or "us-east-1"
    return session.create_client("logs", region_name=region, endpoint_url=endpoint, config=config)


def _progress(reply: dict[str, Any], live: bool) -> str:
    stats = reply.get("statistics", {})
    line = (
        f"{reply['status']}: {int(stats.get('recordsMatched', 0)):,} records matched, "
        f"{int(stats.get('recordsScanned', 0)):,} scanned"
    )
    return f"\r{line}\033[K" if live else line + "\n"


def _stop(client: Any, query_id: str) -> NoReturn:
    """Ctrl-C: stop the query on the server too, then exit as an interrupted program does (130)."""
    import contextlib

    with contextlib.suppress(Exception):
        client.stop_query(queryId=query_id)
    click.echo("\nquery stopped", err=True)
    raise SystemExit(130)


def _run_query(client: Any, options: dict[str, Any]) -> tuple[str, list[dict[str, str]]]:
    """Start the query, show its progress on stderr until it ends, and return its status and rows.
    Ctrl-C stops the query on the server too."""
    import signal
    import sys
    import time

    # A Ctrl-C while StartQuery is in flight waits for its answer: without the query id, the query the server
    # already started could not be stopped.
    interrupted: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, frame: interrupted.append(number))
    try:
        query_id = client.start_query(**options)["queryId"]
    finally:
        signal.signal(signal.SIGINT, previous)
    if interrupted:
        _stop(client, query_id)
    live = sys.stderr.isatty()
    shown, pause = "", 0.05
    try:
        while True:
            reply = client.get_query_results(queryId=query_id)
            line = _progress(reply, live)
            if live or reply["status"] != shown:
                click.echo(line, err=True, nl=False)
                shown = reply["status"]
            if reply["status"] in _QUERY_DONE:
                break
            time.sleep(pause)
            pause = min(pause * 2, 1.0)
    except KeyboardInterrupt:
        _stop(client, query_id)
    if live:
        click.echo(err=True)
    rows = [{f["field"]: f["value"] for f in row} for row in reply["results"]]
    while reply.get("nextToken"):
        reply = client.get_query_results(queryId=query_id, nextToken=reply["nextToken"])
        rows.extend({f["field"]: f["value"] for f in row} for row in reply["results"])
    return str(reply["status"]), rows


def _render(rows: list[dict[str, str]], output: str, show_ptr: bool) -> str:
    import csv
    import io
    import json

    columns = [c for c in dict.fromkeys(c for row in rows for c in row) if show_ptr or c != "@ptr"]
    if output == "json":
        return json.dumps([{c: row[c] for c in columns if c in row} for row in rows], indent=2, ensure_ascii=False)
    if output == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([row.get(c, "") for c in columns] for row in rows)
        return buffer.getvalue().rstrip("\n")
    if not rows:
        return ""
    cells = [[row.get(c, "").replace("\n", "\\n") for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = [columns, ["-" * w for w in widths], *cells]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip() for line in lines)


@main.command(name="query")
@click.option("-g", "--log-group", "groups", multiple=True, help="Log group name or ARN; repeat for several.")
@click.option("--since", help="Query this far back from now: 90s, 15m, 1h, 2d, 1w.  [default: 1h]")
@click.option("--start", help="Start of the window: ISO 8601 (UTC unless it has an offset) or epoch seconds.")
@click.option("--end", help="End of the window, included; like --start.  [default: now]")
@click.option("--limit", type=click.IntRange(1, 100_000), help="Most rows to return (server default 10,000).")
@click.option("--output", type=click.Choice(["table", "json", "csv"]), default="table", help="Output format.")
@click.option("--show-ptr", is_flag=True, help="Include each row's @ptr record pointer.")
@click.option(
    "--endpoint-url",
    help=f"Server URL.  [default: AWS_ENDPOINT_URL_CLOUDWATCH_LOGS, AWS_ENDPOINT_URL, or {DEFAULT_ENDPOINT}]",
)
@click.option("--region", help="Region.  [default: from the AWS config chain, else us-east-1]")
@click.argument("query_string", metavar="QUERY")
def query(
    groups: tuple[str, ...],
    since: str | None,
    start: str | None,
    end: str | None,
    limit: int | None,
    output: str,
    show_ptr: bool,
    endpoint_url: str | None,
    region: str | None,
    query_string: str,
) -> None:
    """Run a Logs Insights QUERY and print its rows.

    \b
      vigil query -g /app/orders --since 1h 'fields @timestamp, @message | filter level = "ERROR"'
      vigil query --since 1d --output csv "SOURCE logGroups(namePrefix: ['/app/']) | stats count(*) by bin(1h)"

    Progress goes to stderr, rows to stdout. Credentials come from the usual AWS chain; without any, dummy
    ones are used, which a server without access keys accepts. Ctrl-C stops the query.
    """
    import time

    from botocore.exceptions import BotoCoreError, ClientError

    if since and start:
        raise click.UsageError("--since and --start are alternatives; give one.")
    end_s = _epoch_s(end, "--end") if end else int(time.time())
    start_s = _epoch_s(start, "--start") if start else end_s - _duration_s(since or "1h")
    options: dict[str, Any] = {"startTime": start_s, "endTime": end_s, "queryString": query_string}
    if groups:
        options["logGroupIdentifiers"] = list(groups)
    if limit:
        options["limit"] = limit
    try:
        status, rows = _run_query(_logs_client(endpoint_url, region), options)
    except ClientError as error:
        raise click.ClickException(error.response["Error"].get("Message") or str(error)) from None
    except BotoCoreError as error:
        raise click.ClickException(str(error)) from None
    text = _render(rows, output, show_ptr)
    if text:
        click.echo(text)
    if status != "Complete":
        raise click.ClickException(f"the query ended with status {status}")
