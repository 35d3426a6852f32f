"""IF(condition, whenTrue[, whenFalse]), as AWS documents it.

A series condition decides each of its datapoints (any value but 0 is true): a true one takes ``whenTrue``'s
value then (0 if that series has none), a false one ``whenFalse``'s (dropped if that series has none or
``whenFalse`` is left out). Periods where the condition has no datapoint have no result. A number condition
chooses a whole series: ``whenTrue``, or ``whenFalse`` (an empty series when left out).
"""

from __future__ import annotations

import numpy as np

from vigil.engine.metrics.math.scope import Scope
from vigil.engine.metrics.math.values import Series, Value, empty_series, values_on


def if_(scope: Scope, args: list[Value]) -> Value:
    evaluation = scope.evaluation
    condition, when_true = args[0], args[1]
    when_false = args[2] if len(args) > 2 else None
    if isinstance(condition, float):
        if condition != 0 and not np.isnan(condition):
            return evaluation.series(when_true, "The second argument of IF")
        if when_false is None:
            chosen = evaluation.series(when_true, "The second argument of IF")
            return empty_series(chosen.times, chosen.period, chosen.label)
        return evaluation.series(when_false, "The third argument of IF")
    decider = evaluation.series(condition, "The condition of IF")
    times = decider.times
    present = decider.present
    truth = present & (np.nan_to_num(decider.values) != 0)

    def branch(value: Value | None, what: str, missing_as_zero: bool) -> np.ndarray:
        if value is None:
            return np.full(len(times), np.nan)
        if isinstance(value, float):
            return np.full(len(times), value)
        found = values_on(evaluation.series(value, what), times)
        return np.nan_to_num(found, nan=0.0) if missing_as_zero else found

    chosen_true = branch(when_true, "The second argument of IF", missing_as_zero=True)
    chosen_false = branch(when_false, "The third argument of IF", missing_as_zero=False)
    values = np.where(truth, chosen_true, np.where(present, chosen_false, np.nan))
    return Series(times, evaluation.finite(values, ~np.isnan(values)), decider.period, decider.label, decider.info)
