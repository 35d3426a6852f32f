"""StateReason and StateReasonData worded as CloudWatch words them.

The wording follows AWS's own messages as they appear in alarm notifications and DescribeAlarms output, e.g.
``Threshold Crossed: 1 out of the last 1 datapoints [5.0 (26/11/26 07:00:00)] was greater than the threshold
(4.0) (minimum 1 datapoint for OK -> ALARM transition).``, ``... and 2 missing datapoints were treated as
[Breaching] ...``, ``Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were
treated as [NonBreaching].`` and ``Insufficient Data: 5 datapoints were unknown.``. Datapoints are listed newest
first with their period's start; numbers print as Java prints doubles (5.0, 1.0E7).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson

from vigil.engine.alarms.model import ALARM, INSUFFICIENT_DATA

COMPARISONS = {
    "GreaterThanOrEqualToThreshold": "greater than or equal to",
    "GreaterThanThreshold": "greater than",
    "LessThanThreshold": "less than",
    "LessThanOrEqualToThreshold": "less than or equal to",
}
_TREATED = {"breaching": "Breaching", "notBreaching": "NonBreaching"}


def java_double(value: float) -> str:
    """``value`` as Java's Double.toString writes it: 5.0, 0.25, 1.0E7, 1.5E-4."""
    if value == 0:
        return "0.0" if str(value)[0] != "-" else "-0.0"
    if 1e-3 <= abs(value) < 1e7:
        text = repr(float(value))
        return text if "e" not in text else format(Decimal(text), "f")
    sign, digits, exponent = Decimal(repr(float(value))).normalize().as_tuple()
    assert isinstance(exponent, int)
    figures = "".join(map(str, digits))
    power = len(figures) + exponent - 1
    mantissa = figures[0] + "." + (figures[1:] or "0")
    return f"{'-' if sign else ''}{mantissa}E{power}"


def aws_time(ms: int) -> str:
    """2026-11-26T07:00:00.000+0000, the form of CloudWatch's JSON timestamps."""
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}+0000"


def _short_time(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%d/%m/%y %H:%M:%S")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _verb(count: int) -> str:
    return "was" if count == 1 else "were"


@dataclass(frozen=True)
class Datapoint:
    start: int  # the period's first millisecond
    value: float | None  # None: missing
    sample_count: float | None
    breaching: bool


@dataclass(frozen=True)
class Evaluated:
    """What one evaluation of a metric alarm looked at, newest first."""

    datapoints: list[Datapoint]  # the real datapoints used and the periods filled, newest first
    n: int
    m: int
    threshold: float
    comparison: str
    treat_missing: str
    premature: bool


def _listed(points: list[Datapoint]) -> str:
    return "[" + ", ".join(f"{java_double(p.value or 0.0)} ({_short_time(p.start)})" for p in points) + "]"


def threshold_reason(state: str, evaluated: Evaluated) -> str:
    real = [p for p in evaluated.datapoints if p.value is not None]
    fills = len(evaluated.datapoints) - len(real)
    words = COMPARISONS[evaluated.comparison]
    threshold = java_double(evaluated.threshold)
    if state == INSUFFICIENT_DATA:
        unknown = evaluated.n - len(real)
        return f"Insufficient Data: {_plural(unknown, 'datapoint')} {_verb(unknown)} unknown."
    treated = _TREATED.get(evaluated.treat_missing)
    if not real and treated:
        return (
            f"Threshold Crossed: no datapoints were received for {_plural(evaluated.n, 'period')} and "
            f"{_plural(fills, 'missing datapoint')} {_verb(fills)} treated as [{treated}]."
        )
    if state == ALARM:
        shown, needed, transition, negation = [p for p in real if p.breaching], evaluated.m, "OK -> ALARM", ""
    else:
        shown = [p for p in real if not p.breaching]
        needed, transition, negation = evaluated.n - evaluated.m + 1, "ALARM -> OK", "not "
    text = (
        f"Threshold Crossed: {len(shown)} out of the last {evaluated.n} datapoints {_listed(shown)} "
        f"{_verb(len(shown))} {negation}{words} the threshold ({threshold})"
    )
    if fills and treated:
        text += f" and {_plural(fills, 'missing datapoint')} {_verb(fills)} treated as [{treated}]"
    return f"{text} (minimum {_plural(needed, 'datapoint')} for {transition} transition)."


def threshold_reason_data(
    evaluated: Evaluated, *, query_ms: int, period: int, statistic: dict[str, str], unit: str | None
) -> str:
    """StateReasonData: the query's time, the oldest period evaluated, the statistic, the period, the real
    values (oldest first), the threshold, and every datapoint evaluated (newest first; a filled or unknown
    period has a timestamp only)."""
    points = evaluated.datapoints
    start = min((p.start for p in points), default=query_ms)
    data: dict[str, Any] = {"version": "1.0", "queryDate": aws_time(query_ms), "startDate": aws_time(start)}
    data.update(statistic)
    if unit is not None:
        data["unit"] = unit
    data["period"] = period
    data["recentDatapoints"] = [p.value for p in reversed(points) if p.value is not None]
    data["threshold"] = evaluated.threshold
    data["evaluatedDatapoints"] = [
        {"timestamp": aws_time(p.start)}
        if p.value is None
        else {"timestamp": aws_time(p.start), "sampleCount": p.sample_count, "value": p.value}
        for p in points
    ]
    return orjson.dumps(data, option=orjson.OPT_SERIALIZE_NUMPY).decode()


def long_time(ms: int) -> str:
    """Friday 22 July, 2022 15:57:45 UTC, as composite alarm reasons write times."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%A %d %B, %Y %H:%M:%S UTC")


def composite_reason(changed: list[tuple[str, str, int]], state: str, created: bool, own_arn: str) -> str:
    """``changed``: (arn, state, when) of the children whose change moved the composite."""
    if created or not changed:
        return f"{own_arn} was created and its alarm rule evaluates to {state}"
    arn, child_state, when = changed[0]
    return f"{arn} transitioned to {child_state} at {long_time(when)}"


def composite_reason_data(triggering: list[tuple[str, str, int]]) -> str:
    return orjson.dumps(
        {
            "triggeringAlarms": [
                {"arn": arn, "state": {"value": state, "timestamp": aws_time(when)}} for arn, state, when in triggering
            ]
        }
    ).decode()
