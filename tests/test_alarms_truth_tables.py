"""Every row of CloudWatch's two truth tables (the alarm evaluation page; ../shared/spec/cloudwatch-contract.md
§1.4): an alarm with N = 3 over a range of 5 one-minute periods, datapoints put at the minutes a row shows
(newest on the right), one tick, then the state. ``retain`` rows start from a state set with SetAlarmState and
must keep it, whichever it is."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from alarms_helpers import MINUTE, alarm, moment, put_alarm, put_values, tick

from vigil.testing import VigilServer

MODES = ["missing", "ignore", "breaching", "notBreaching"]
THRESHOLD = 5.0
VALUES = {"0": THRESHOLD - 4, "X": THRESHOLD + 5}

# (DatapointsToAlarm, datapoints oldest first, the state under each of MODES)
TABLES = [
    (3, "0 - X - X", ["OK", "OK", "OK", "OK"]),
    (3, "0 - - - -", ["OK", "OK", "OK", "OK"]),
    (3, "- - - - -", ["INSUFFICIENT_DATA", "retain", "ALARM", "OK"]),
    (3, "0 X X - X", ["ALARM", "ALARM", "ALARM", "ALARM"]),
    (3, "- - X - -", ["ALARM", "retain", "ALARM", "OK"]),
    (2, "0 - X - X", ["ALARM", "ALARM", "ALARM", "ALARM"]),
    (2, "0 0 X 0 X", ["ALARM", "ALARM", "ALARM", "ALARM"]),
    (2, "0 - X - -", ["OK", "OK", "ALARM", "OK"]),
    (2, "- - - - 0", ["OK", "OK", "ALARM", "OK"]),
    (2, "- - - X -", ["ALARM", "retain", "ALARM", "OK"]),
]
CASES = [
    pytest.param(m, points, mode, expected, id=f"M{m}[{points.replace(' ', '')}]-{mode}")
    for m, points, states in TABLES
    for mode, expected in zip(MODES, states, strict=True)
]


def _run_row(
    server: VigilServer, cloudwatch: Any, at: datetime, m: int, points: str, mode: str, start: str | None
) -> str:
    put_alarm(
        cloudwatch,
        "row",
        "Latency",
        EvaluationPeriods=3,
        DatapointsToAlarm=m,
        Threshold=THRESHOLD,
        TreatMissingData=mode,
    )
    marks = points.split()
    # The five periods before ``at``, oldest first; each datapoint lands inside its minute.
    sent = [(at - (len(marks) - i) * MINUTE + MINUTE / 2, VALUES[mark]) for i, mark in enumerate(marks) if mark != "-"]
    if sent:
        put_values(cloudwatch, "Latency", sent)
    if start is not None:
        cloudwatch.set_alarm_state(AlarmName="row", StateValue=start, StateReason="the state to keep")
    tick(server, at)
    return str(alarm(cloudwatch, "row")["StateValue"])


@pytest.mark.parametrize(("m", "points", "mode", "expected"), CASES)
def test_truth_table_row(server: VigilServer, cloudwatch: Any, m: int, points: str, mode: str, expected: str) -> None:
    at = moment()
    if expected == "retain":
        for start in ("OK", "ALARM"):
            cloudwatch.delete_alarms(AlarmNames=["row"])
            assert _run_row(server, cloudwatch, at, m, points, mode, start) == start
    else:
        assert _run_row(server, cloudwatch, at, m, points, mode, None) == expected


def test_a_lone_newest_breaching_datapoint_does_not_alarm_at_once(server: VigilServer, cloudwatch: Any) -> None:
    assert _run_row(server, cloudwatch, moment(), 3, "- - - - X", "missing", None) == "INSUFFICIENT_DATA"
