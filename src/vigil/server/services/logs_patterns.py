"""CloudWatch Logs operations about filter patterns themselves."""

from __future__ import annotations

from vigil.engine.patterns.trial import PatternTrial
from vigil.server.services.base import Params, RequestContext, Result, Service, operation


class LogsPatternsService(Service):
    name = "logs"

    def __init__(self, trial: PatternTrial) -> None:
        self.trial = trial

    @operation("TestMetricFilter")
    def test_metric_filter(self, ctx: RequestContext, p: Params) -> Result:
        matches = self.trial.run(p["filterPattern"], p["logEventMessages"])
        return {
            "matches": [
                {"eventNumber": m.event_number, "eventMessage": m.message, "extractedValues": m.extracted}
                for m in matches
            ]
        }
