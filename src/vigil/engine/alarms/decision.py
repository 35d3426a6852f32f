"""CloudWatch's decision for many metric alarms at once, over numpy arrays: from the datapoints of each alarm's
evaluation range to its next state.

Sources: the archived CloudWatch User Guide (AlarmThatSendsEmail.md, "How alarm state is evaluated when data is
missing") and the current "Alarm evaluation" page, whose two tables (N = 3, a range of 5) the tests reproduce
row by row; the premature-alarm rule as AWS's knowledge center words it ("When all data points are missing
except one breaching data point ... the oldest available breaching data point in the alarm's evaluation range
is at least as old as the value of Datapoints to Alarm").

Each row is one alarm; columns are periods, oldest first, the newest last; NaN is a missing datapoint. Alarms
with shorter ranges are padded with NaN on the old side.

1. At least N real datapoints in the range: the newest N decide, the missing-data setting is not consulted.
2. Fewer: every real datapoint counts, and the gaps are filled with the setting, as few as make up N:
   - ``breaching`` / ``notBreaching``: fills count as breaching / not breaching;
   - ``missing`` / ``ignore``: fills count as neither. M breaching datapoints alarm; otherwise a real
     non-breaching datapoint makes the alarm OK; otherwise (only breaching datapoints, fewer than M) the
     alarm goes to ALARM if the oldest of them is at least M periods old (the premature-alarm rule) and to
     INSUFFICIENT_DATA if not (no datapoint at all included). ``ignore`` keeps the current state instead of
     either of those two outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Outcome codes; RETAIN keeps the current state.
OK, ALARM, INSUFFICIENT, RETAIN = 0, 1, 2, 3
MODES = {"missing": 0, "ignore": 1, "breaching": 2, "notBreaching": 3}
_MISSING, _IGNORE, _BREACHING, _NOT_BREACHING = 0, 1, 2, 3


@dataclass(frozen=True)
class Decisions:
    outcome: np.ndarray  # int8 per alarm
    used: np.ndarray  # bool (alarms x periods): the real datapoints the decision used
    filled: np.ndarray  # bool (alarms x periods): the missing periods filled with the setting
    breaching: np.ndarray  # bool (alarms x periods): which datapoints breach
    premature: np.ndarray  # bool per alarm: ALARM by the premature-alarm rule


def compare(values: np.ndarray, threshold: np.ndarray, operator: np.ndarray) -> np.ndarray:
    """Which values breach: ``operator`` per alarm is 0 >=, 1 >, 2 <, 3 <= (the threshold on the right)."""
    limit = threshold[:, None]
    kind = operator[:, None]
    with np.errstate(invalid="ignore"):
        return (
            ((kind == 0) & (values >= limit))
            | ((kind == 1) & (values > limit))
            | ((kind == 2) & (values < limit))
            | ((kind == 3) & (values <= limit))
        )


def decide(
    values: np.ndarray,
    breaching: np.ndarray,
    n: np.ndarray,
    m: np.ndarray,
    mode: np.ndarray,
    low_sample: np.ndarray | None = None,
) -> Decisions:
    """The next state of each alarm. ``low_sample`` marks datapoints with too few samples for a percentile
    alarm that ignores them (EvaluateLowSampleCountPercentile=ignore): using one keeps the state."""
    present = ~np.isnan(values)
    breaching = breaching & present
    width = values.shape[1]
    # How many real datapoints are at this period or newer: the newest N of them are used.
    newer = np.cumsum(present[:, ::-1], axis=1)[:, ::-1]
    used = present & (newer <= n[:, None])
    real = present.sum(axis=1)
    hits = (breaching & used).sum(axis=1)
    calm = (used & ~breaching).sum(axis=1)
    fills = np.maximum(n - real, 0)

    # The gaps filled: the newest missing periods, as many as N lacks.
    missing_newer = np.cumsum(~present[:, ::-1], axis=1)[:, ::-1]
    filled = ~present & (missing_newer <= fills[:, None])

    any_breach = breaching.any(axis=1)
    oldest_breach = np.where(any_breach, np.argmax(breaching, axis=1), width)
    premature = any_breach & (calm == 0) & (width - oldest_breach >= m) & (hits < m)

    outcome = np.where(hits >= m, ALARM, OK).astype(np.int8)
    short = real < n
    with_breaching = short & (mode == _BREACHING)
    outcome[with_breaching] = np.where(hits + fills >= m, ALARM, OK)[with_breaching]
    neutral = short & ((mode == _MISSING) | (mode == _IGNORE)) & (hits < m) & (calm == 0)
    keeps = mode == _IGNORE
    outcome[neutral & premature & ~keeps] = ALARM
    outcome[neutral & ~premature & ~keeps] = INSUFFICIENT
    outcome[neutral & keeps] = RETAIN
    if low_sample is not None:
        outcome[(low_sample & used).any(axis=1)] = RETAIN
    return Decisions(outcome, used, filled, breaching, premature)
