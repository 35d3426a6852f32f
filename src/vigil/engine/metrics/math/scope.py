"""What a function sees while one query's expression is evaluated: the evaluation (errors, dropped points)
and the request around it (its metrics, SEARCH, the default period grid)."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from vigil.engine.metrics.math.values import Evaluation, SeriesArray


class Scope(Protocol):
    evaluation: Evaluation

    def metrics(self, contains: str) -> SeriesArray:
        """The request's MetricStat queries whose Id contains ``contains``, in request order."""
        ...

    def search(self, text: str, stat: str, period: int) -> SeriesArray:
        """One series per stored metric the SEARCH expression ``text`` matches."""
        ...

    def default_grid(self) -> tuple[np.ndarray, int]:
        """The period starts, and the period, of a series made from nothing (TIME_SERIES)."""
        ...
