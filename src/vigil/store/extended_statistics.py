"""SQL for CloudWatch's extended statistics over ranked datapoints.

The input is the ``ranked`` relation the statistics query builds: per period (``bucket``) and ``unit``, each
raw ``value`` with its weight ``sample_count``, the running weight up to and including it in value order
(``running``) and the period's total weight (``total``). Percentile windows take boundary values
partially (a value whose weight straddles a boundary counts for the part inside), so the statistics of
weighted values equal those of the values repeated.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class ExtendedStatistic:
    """One requested statistic: ``kind`` is p, tm, wm, tc, ts or pr; bounds are percentages when ``percent``
    (0 to 100), else values; ``None`` is unbounded."""

    name: str
    kind: str
    low: Decimal | None
    high: Decimal | None
    percent: bool


def _exact(percentile: Decimal) -> tuple[int, int]:
    """``percentile`` as numerator and power-of-ten scale: 99.9 -> (999, 10)."""
    exponent = -min(int(percentile.as_tuple().exponent), 0)
    scale = 10**exponent
    return int(percentile * scale), scale


def _weight(stat: ExtendedStatistic) -> str:
    """The weight of each ranked row inside the statistic's window."""
    if stat.percent:
        low = f"{stat.low or 0} / 100.0 * total"
        high = f"{stat.high if stat.high is not None else 100} / 100.0 * total"
        return f"greatest(0, least(running, {high}) - greatest(running - sample_count, {low}))"
    conditions = [
        f"value >= {stat.low}" if stat.low is not None else "",
        f"value <= {stat.high}" if stat.high is not None else "",
    ]
    inside = " AND ".join(c for c in conditions if c) or "true"
    return f"CASE WHEN {inside} THEN sample_count ELSE 0 END"


def aggregate(stat: ExtendedStatistic) -> str:
    """An aggregate over ``ranked`` rows grouped by period and unit (every kind but winsorized means)."""
    if stat.kind == "p":
        numerator, scale = _exact(stat.high or Decimal(0))
        # running / total >= p / 100 in integers: p = 99.9 becomes 999 / 1000, with no rounding error. AWS:
        # "Percentile statistics are not available for metrics when any of the metric values are negative".
        reached = f"running * {100 * scale} >= {numerator} * total"
        return f"CASE WHEN min(value) >= 0 THEN min(value) FILTER (WHERE {reached}) END"
    weight = _weight(stat)
    if stat.kind == "tm":
        return f"sum({weight} * value) / nullif(sum({weight}), 0)"
    if stat.kind == "ts":
        return f"CASE WHEN sum({weight}) > 0 THEN sum({weight} * value) END"
    if stat.kind == "tc":
        return f"sum({weight})"
    if stat.kind == "pr":
        return f"100.0 * sum({weight}) / any_value(total)"
    raise ValueError(f"no single aggregate computes {stat.kind}")


def winsorized_bounds(stat: ExtendedStatistic) -> tuple[str, str]:
    """The values a winsorized mean clamps to: the nearest-rank values at its percentages, or its bounds."""
    if not stat.percent:
        low = str(stat.low) if stat.low is not None else "min(value)"
        high = str(stat.high) if stat.high is not None else "max(value)"
        return low, high
    low_at = f"{stat.low or 0} / 100.0 * total"
    high_at = f"{stat.high if stat.high is not None else 100} / 100.0 * total"
    return f"min(value) FILTER (WHERE running >= {low_at})", f"min(value) FILTER (WHERE running >= {high_at})"
