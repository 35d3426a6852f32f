"""Lambda's platform metrics, drawn from the lines Lambda writes to ``/aws/lambda/<function>``.

AWS publishes ``AWS/Lambda`` Invocations, Duration and Errors itself; here they come from the function's log
group once its events are stored (the lines a Lambda emulator or a copy of real Lambda logs carry). What
counts is in store/lambda_reports.py; docs/metrics.md says what was decided where AWS is silent.
Throttles and ConcurrentExecutions leave no line and are not published.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from vigil.store.lambda_reports import lambda_select

LAMBDA_GROUP_PREFIX = "/aws/lambda/"
NAMESPACE = "AWS/Lambda"

NamesOf = Callable[[Sequence[int]], dict[int, str]]


class LambdaReports:
    """A source of the log metrics (engine/metrics/emitters.py) for the Lambda log groups of a range of events."""

    def __init__(self, names_of: NamesOf) -> None:
        """``names_of``: the names of the log groups that exist among some ids."""
        self._names_of = names_of
        self._lock = threading.Lock()
        # A group's id is never reused and its name never changes: whether it is a Lambda group is asked once.
        self._is_lambda: dict[int, bool] = {}

    def point_selects(self, group_ids: set[int]) -> tuple[list[str], bool]:
        with self._lock:
            unknown = [group_id for group_id in group_ids if group_id not in self._is_lambda]
        if unknown:
            names = self._names_of(sorted(unknown))
            with self._lock:
                for group_id in unknown:
                    # A group missing here was deleted meanwhile: its events are not stored anyway.
                    self._is_lambda[group_id] = names.get(group_id, "").startswith(LAMBDA_GROUP_PREFIX)
        with self._lock:
            lambda_groups = sorted(group_id for group_id in group_ids if self._is_lambda.get(group_id))
        if not lambda_groups:
            return [], False
        return [lambda_select(lambda_groups, LAMBDA_GROUP_PREFIX, NAMESPACE)], False
