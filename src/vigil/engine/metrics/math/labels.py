"""Labels: the default one of each result, and the dynamic values a Label may hold (``${AVG}``, ``${LABEL}``,
``${PROP('Dim.Route')}`` ...), computed over the datapoints of the whole result."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import numpy as np

from vigil.engine.metrics.math.values import Series
from vigil.errors import ServiceError

_VARIABLE = re.compile(r"\$\{([A-Z_]+)(?:\('([^']*)'\))?\}")


@dataclass(frozen=True)
class LabelContext:
    account_id: str
    region: str
    offset_minutes: int  # LabelOptions.Timezone, for the time variables


_TIMEZONE = re.compile(r"([+-])(\d\d)([0-5]\d)")


def timezone_offset(text: str | None) -> int:
    """LabelOptions.Timezone in minutes: ``+`` or ``-`` and four digits, hours then minutes (``+0130``)."""
    if not text:
        return 0
    form = _TIMEZONE.fullmatch(text)
    if form is None:
        raise ServiceError(
            "ValidationError",
            f"The value {text!r} for LabelOptions.Timezone is invalid: use + or - and four digits, such as +0130.",
        )
    sign = -1 if form[1] == "-" else 1
    return sign * (int(form[2]) * 60 + int(form[3]))


def _number(value: float) -> str:
    return f"{value:.15g}"


def expand(template: str, series: Series, default: str, context: LabelContext) -> str:
    """``template`` with each dynamic value it names replaced; a name Vigil does not know is left as written."""
    if "${" not in template:
        return template
    present = series.present
    values, times = series.values[present], series.times[present]
    zone = timezone(timedelta(minutes=context.offset_minutes))

    def moment(milliseconds: int) -> str:
        return datetime.fromtimestamp(milliseconds / 1000, UTC).astimezone(zone).isoformat(timespec="seconds")

    def statistic(name: str) -> str | None:
        if name == "DATAPOINT_COUNT":
            return str(len(values))
        if not len(values):
            return ""
        found = {
            "AVG": lambda: float(np.mean(values)),
            "MAX": lambda: float(np.max(values)),
            "MIN": lambda: float(np.min(values)),
            "SUM": lambda: float(np.sum(values)),
            "FIRST": lambda: float(values[0]),
            "LAST": lambda: float(values[-1]),
            "FIRST_LAST_RANGE": lambda: float(values[-1] - values[0]),
            "MIN_MAX_RANGE": lambda: float(np.max(values) - np.min(values)),
        }.get(name)
        if found is not None:
            return _number(found())
        instants = {"FIRST_TIME": times[0], "LAST_TIME": times[-1], "MIN_TIME": times[int(np.argmin(values))]}
        return moment(int(instants[name])) if name in instants else None

    def prop(name: str) -> str | None:
        info = series.info
        if name == "Period":
            return str(series.period)
        if name == "AccountId":
            return context.account_id
        if name == "Region":
            return context.region
        if info is None:
            return ""
        if name.startswith("Dim."):
            return dict(info.dimensions).get(name[4:], "")
        return {"MetricName": info.metric_name, "Namespace": info.namespace, "Stat": info.stat}.get(name)

    def replace(match: re.Match[str]) -> str:
        name, argument = match.group(1), match.group(2)
        if name == "LABEL":
            found: str | None = default
        elif name == "PROP" and argument is not None:
            found = prop(argument)
        else:
            found = statistic(name)
        return match.group(0) if found is None else found

    return _VARIABLE.sub(replace, template)
