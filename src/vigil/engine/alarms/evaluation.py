"""One evaluation tick: every metric alarm's datapoints read together, CloudWatch's decision over all of them
at once (decision.py), a new state (with AWS's reason) for each alarm whose state changes, then the composites
those changes reach and the composite actions an actions suppressor held back.

Alarms with a period of a minute or more are evaluated every minute; high-resolution alarms (10, 20 and 30
seconds) every 10 seconds as well.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vigil.engine.alarms.alarms import Alarms, Change
from vigil.engine.alarms.datapoints import RangeReader, alarm_period
from vigil.engine.alarms.decision import ALARM as DECIDED_ALARM
from vigil.engine.alarms.decision import INSUFFICIENT, MODES, OK, RETAIN, compare, decide
from vigil.engine.alarms.definitions import STATIC_COMPARISONS
from vigil.engine.alarms.model import ALARM, INSUFFICIENT_DATA, METRIC_ALARM, AlarmRecord
from vigil.engine.alarms.model import OK as OK_STATE
from vigil.engine.alarms.reasons import Datapoint, Evaluated, threshold_reason, threshold_reason_data

HISTORY_KEPT_MS = 14 * 24 * 3600 * 1000
_STATE_OF = {OK: OK_STATE, DECIDED_ALARM: ALARM, INSUFFICIENT: INSUFFICIENT_DATA}
_OPERATOR = {name: code for code, name in enumerate(STATIC_COMPARISONS)}


@dataclass(frozen=True)
class TickReport:
    evaluated: int
    transitions: int


class AlarmEvaluation:
    def __init__(self, alarms: Alarms, reader: RangeReader) -> None:
        self.alarms = alarms
        self.reader = reader

    def tick(self, at: int, *, high_resolution_only: bool = False) -> TickReport:
        """Evaluate the alarms as of ``at`` (epoch milliseconds)."""
        with self.alarms.lock:
            chosen = [
                alarm
                for alarm in self.alarms.records.values()
                if alarm.alarm_type == METRIC_ALARM
                and (not high_resolution_only or alarm_period(alarm.configuration) < 60)
            ]
        changes = self._changes(chosen, at) if chosen else []
        # States change now, whatever moment the datapoints were evaluated as of (tests evaluate past minutes).
        now = self.alarms.clock()
        moved = self.alarms.apply(changes, now)
        self.alarms.release_suppressed(now)
        if not high_resolution_only:
            self.alarms.store.prune_history(now - HISTORY_KEPT_MS)
        return TickReport(len(chosen), len(moved))

    def _changes(self, chosen: list[AlarmRecord], at: int) -> list[Change]:
        ranges = self.reader.read(chosen, at)
        configurations = [alarm.configuration for alarm in chosen]
        n = np.array([c["EvaluationPeriods"] for c in configurations], dtype=np.int64)
        m = np.array([c.get("DatapointsToAlarm", c["EvaluationPeriods"]) for c in configurations], dtype=np.int64)
        mode = np.array([MODES[c.get("TreatMissingData", "missing")] for c in configurations], dtype=np.int64)
        threshold = np.array([c["Threshold"] for c in configurations], dtype=np.float64)
        operator = np.array([_OPERATOR[c["ComparisonOperator"]] for c in configurations], dtype=np.int64)
        breaching = compare(ranges.values, threshold, operator)
        decisions = decide(ranges.values, breaching, n, m, mode, ranges.low_sample)
        current = np.array([alarm.state.value for alarm in chosen])
        decided = np.array([_STATE_OF.get(int(code), "") for code in decisions.outcome])
        moving = np.nonzero((decisions.outcome != RETAIN) & (decided != current))[0]
        changes = []
        with self.alarms.lock:
            for i in moving.tolist():
                alarm = chosen[i]
                now = self.alarms.records.get(alarm.key)
                # Reconfigured (or deleted) while its datapoints were read: the next tick decides.
                if now is None or now.configuration_updated != alarm.configuration_updated:
                    continue
                evaluated = Evaluated(
                    datapoints=[
                        Datapoint(
                            int(ranges.starts[i, j]),
                            None if not decisions.used[i, j] else float(ranges.values[i, j]),
                            None if np.isnan(ranges.sample_counts[i, j]) else float(ranges.sample_counts[i, j]),
                            bool(decisions.breaching[i, j]),
                        )
                        for j in range(ranges.values.shape[1] - 1, -1, -1)
                        if decisions.used[i, j] or decisions.filled[i, j]
                    ],
                    n=int(n[i]),
                    m=int(m[i]),
                    threshold=float(threshold[i]),
                    comparison=alarm.configuration["ComparisonOperator"],
                    treat_missing=alarm.configuration.get("TreatMissingData", "missing"),
                    premature=bool(decisions.premature[i]),
                )
                state = str(decided[i])
                configuration = alarm.configuration
                statistic = (
                    {"statistic": configuration["Statistic"]}
                    if "Statistic" in configuration
                    else {"extendedStatistic": configuration["ExtendedStatistic"]}
                    if "ExtendedStatistic" in configuration
                    else {}
                )
                data = threshold_reason_data(
                    evaluated,
                    query_ms=at,
                    period=alarm_period(configuration),
                    statistic=statistic,
                    unit=configuration.get("Unit"),
                )
                changes.append(Change(alarm.key, state, threshold_reason(state, evaluated), data))
        return changes
