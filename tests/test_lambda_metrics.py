"""Lambda's platform metrics through boto3: the lines Lambda writes to ``/aws/lambda/<function>`` (REPORT lines in
the text and JSON log formats, the runtimes' unhandled-error and timeout lines) are sent with PutLogEvents and
read back as ``AWS/Lambda`` Invocations, Duration and Errors, per function and for the whole account, checked
against values computed here."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import pytest
from metrics_helpers import epoch_ms, hour_start

NAMESPACE = "AWS/Lambda"
FUNCTION = "scheduling-actions"
GROUP = f"/aws/lambda/{FUNCTION}"
STREAM = "2026/11/26/[$LATEST]0123456789abcdef"


@pytest.fixture
def base() -> datetime:
    return hour_start()


@pytest.fixture
def function_group(logs_client: Any) -> str:
    logs_client.create_log_group(logGroupName=GROUP)
    logs_client.create_log_stream(logGroupName=GROUP, logStreamName=STREAM)
    return GROUP


def report(request_id: str, duration: float, status: str | None = None) -> str:
    """A REPORT line as Lambda writes it in the text log format (tab-separated)."""
    fields = [
        f"REPORT RequestId: {request_id}",
        f"Duration: {duration:.2f} ms",
        f"Billed Duration: {int(duration) + 1} ms",
        "Memory Size: 128 MB",
        "Max Memory Used: 70 MB",
    ]
    if status:
        fields.append(f"Status: {status}")
    return "\t".join(fields) + "\t"


def json_report(request_id: str, duration: float, status: str) -> str:
    """A ``platform.report`` record as Lambda writes it in the JSON log format."""
    metrics = {
        "durationMs": duration,
        "billedDurationMs": int(duration) + 1,
        "memorySizeMB": 128,
        "maxMemoryUsedMB": 70,
    }
    record = {"requestId": request_id, "metrics": metrics, "status": status}
    return json.dumps({"time": "2026-11-26T06:00:00.000Z", "type": "platform.report", "record": record})


def put(logs: Any, base: datetime, events: Iterable[tuple[int, str]], group: str = GROUP) -> None:
    """(milliseconds after ``base``, message) pairs."""
    start = epoch_ms(base)
    batch = [{"timestamp": start + offset, "message": message} for offset, message in sorted(events)]
    logs.put_log_events(logGroupName=group, logStreamName=STREAM, logEvents=batch)


def sums(
    cloudwatch: Any, metric: str, base: datetime, dimensions: dict[str, str] | None = None, period: int = 60
) -> dict[int, tuple[float, float]]:
    """(SampleCount, Sum) per period of the hour from ``base``, keyed by minutes after ``base``."""
    found = cloudwatch.get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName=metric,
        Dimensions=[{"Name": k, "Value": v} for k, v in (dimensions or {}).items()],
        StartTime=base,
        EndTime=base + timedelta(hours=1),
        Period=period,
        Statistics=["SampleCount", "Sum"],
    )["Datapoints"]
    return {round((p["Timestamp"] - base).total_seconds()) // 60: (p["SampleCount"], p["Sum"]) for p in found}


BY_FUNCTION = {"FunctionName": FUNCTION}


def test_report_lines_give_invocations_and_durations(
    logs_client: Any, cloudwatch_client: Any, function_group: str, base: datetime
) -> None:
    durations = [102.25, 57.5, 980.0]
    events = [(10_000 + i * 5_000, report(f"r{i}", d)) for i, d in enumerate(durations)]
    events += [(9_000, "START RequestId: r0 Version: $LATEST"), (10_500, "END RequestId: r0"), (11_000, "hello")]
    put(logs_client, base, events)

    assert sums(cloudwatch_client, "Invocations", base, BY_FUNCTION) == {0: (3, 3)}
    assert sums(cloudwatch_client, "Duration", base, BY_FUNCTION) == {0: (3, sum(durations))}
    assert sums(cloudwatch_client, "Errors", base, BY_FUNCTION) == {0: (3, 0)}


def test_the_account_wide_series_without_dimensions_adds_up_every_function(
    logs_client: Any, cloudwatch_client: Any, function_group: str, base: datetime
) -> None:
    other = "/aws/lambda/notes-actions"
    logs_client.create_log_group(logGroupName=other)
    logs_client.create_log_stream(logGroupName=other, logStreamName=STREAM)
    put(logs_client, base, [(1_000, report("a", 10.0)), (2_000, report("b", 20.0))])
    put(logs_client, base, [(3_000, report("c", 30.0, "timeout"))], group=other)

    assert sums(cloudwatch_client, "Invocations", base) == {0: (3, 3)}
    assert sums(cloudwatch_client, "Duration", base) == {0: (3, 60.0)}
    assert sums(cloudwatch_client, "Errors", base, {"FunctionName": "notes-actions"}) == {0: (1, 1)}
    assert {
        frozenset((d["Name"], d["Value"]) for d in m["Dimensions"])
        for m in cloudwatch_client.list_metrics(Namespace=NAMESPACE, MetricName="Invocations")["Metrics"]
    } == {frozenset(), frozenset({("FunctionName", FUNCTION)}), frozenset({("FunctionName", "notes-actions")})}


def test_an_invocation_counts_at_its_start_the_report_time_less_its_duration(
    logs_client: Any, cloudwatch_client: Any, function_group: str, base: datetime
) -> None:
    # Reported 2 s into minute 1 after running 3 s: it was invoked in minute 0, as AWS stamps it.
    put(logs_client, base, [(62_000, report("slow", 3_000.0))])

    assert sums(cloudwatch_client, "Invocations", base, BY_FUNCTION) == {0: (1, 1)}


@pytest.mark.parametrize("status", ["timeout", "error"])
def test_a_report_with_a_failed_status_is_an_error(
    logs_client: Any, cloudwatch_client: Any, function_group: str, base: datetime, status: str
) -> None:
    put(logs_client, base, [(5_000, report("ok", 12.0)), (9_000, report("bad", 3_000.0, status))])

    assert sums(cloudwatch_client, "Errors", base, BY_FUNCTION) == {0: (2, 1)}
    assert sums(cloudwatch_client, "Invocations", base, BY_FUNCTION) == {0: (2, 2)}


UNHANDLED = {
    # awslambdaric, text log format: the lines are joined by "\r" on stdout, "\n" through the telemetry API.
    "python text": "[ERROR] ZeroDivisionError: division by zero\rTraceback (most recent call last):\r"
    '\xa0\xa0File "/var/task/lambda_function.py", line 3, in lambda_handler\r\xa0\xa0\xa0\xa0return 1 / 0',
    "python JSON": json.dumps(
        {
            "timestamp": "2026-11-26T06:00:05Z",
            "level": "ERROR",
            "errorMessage": "division by zero",
            "errorType": "ZeroDivisionError",
            "requestId": "r1",
            "stackTrace": ['  File "/var/task/lambda_function.py", line 3, in lambda_handler\n'],
        }
    ),
    "node": '2026-11-26T06:00:05.123Z\tr1\tERROR\tInvoke Error \t{"errorType":"Error","errorMessage":"boom"}',
    "legacy timeout": "2026-11-26T06:00:05.123Z r1 Task timed out after 3.00 seconds",
}


@pytest.mark.parametrize("kind", UNHANDLED)
def test_an_unhandled_error_line_is_an_error(
    logs_client: Any, cloudwatch_client: Any, function_group: str, base: datetime, kind: str
) -> None:
    put(logs_client, base, [(5_000, UNHANDLED[kind]), (5_500, report("r1", 400.0))])

    assert sums(cloudwatch_client, "Errors", base, BY_FUNCTION) == {0: (2, 1)}


@pytest.mark.parametrize(
    "line",
    [
        "[ERROR]\t2026-11-26T06:00:05.123Z\tr1\tpayment failed",  # logging.error() from the handler's code
        "[ERROR] Runtime.ImportModuleError: Unable to import module 'app'\rTraceback (most recent call last):",
        "2026-11-26T06:00:05.123Z\tr1\tERROR\tsomething the code logged",
        '{"level": "ERROR", "message": "handled", "errorType": "ValueError"}',
    ],
)
def test_error_lines_that_are_not_an_unhandled_invocation_error_count_nothing(
    logs_client: Any, cloudwatch_client: Any, function_group: str, base: datetime, line: str
) -> None:
    put(logs_client, base, [(5_000, line), (5_500, report("r1", 400.0))])

    assert sums(cloudwatch_client, "Errors", base, BY_FUNCTION) == {0: (1, 0)}


def test_json_log_format_platform_reports_count_as_text_ones(
    logs_client: Any, cloudwatch_client: Any, function_group: str, base: datetime
) -> None:
    put(
        logs_client,
        base,
        [(4_000, json_report("a", 98.5, "success")), (8_000, json_report("b", 3003.12, "timeout"))],
    )

    assert sums(cloudwatch_client, "Invocations", base, BY_FUNCTION) == {0: (2, 2)}
    assert sums(cloudwatch_client, "Duration", base, BY_FUNCTION) == {0: (2, 98.5 + 3003.12)}
    assert sums(cloudwatch_client, "Errors", base, BY_FUNCTION) == {0: (2, 1)}


def test_report_lines_outside_a_lambda_log_group_give_nothing(
    logs_client: Any, cloudwatch_client: Any, base: datetime
) -> None:
    logs_client.create_log_group(logGroupName="/aws/scheduling-agent/lambda/scheduling-actions")
    logs_client.create_log_stream(logGroupName="/aws/scheduling-agent/lambda/scheduling-actions", logStreamName=STREAM)
    put(logs_client, base, [(1_000, report("a", 10.0))], group="/aws/scheduling-agent/lambda/scheduling-actions")

    assert cloudwatch_client.list_metrics(Namespace=NAMESPACE)["Metrics"] == []


def test_seed_001_lambda_alarms_read_errors_and_duration(
    logs_client: Any, cloudwatch_client: Any, function_group: str, base: datetime
) -> None:
    """Seed 001's alarms: Errors, Sum over 300 s, threshold 5 (no dimensions); Duration against 25,000 ms."""
    events = []
    errors = 0
    for i in range(40):
        status = "timeout" if i % 6 == 0 else None
        errors += status is not None
        events.append((i * 7_000 + 30_000, report(f"r{i}", 25_000.0 + i if status else 200.0 + i, status)))
    put(logs_client, base, events)

    error_sums = sums(cloudwatch_client, "Errors", base, period=300)
    assert sum(total for _, total in error_sums.values()) == errors
    assert max(total for _, total in error_sums.values()) > 5
    duration = cloudwatch_client.get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName="Duration",
        StartTime=base,
        EndTime=base + timedelta(hours=1),
        Period=300,
        Statistics=["Maximum"],
    )["Datapoints"]
    assert max(p["Maximum"] for p in duration) == 25_000.0 + 36
