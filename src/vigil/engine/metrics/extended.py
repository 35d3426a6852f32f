"""CloudWatch's extended statistics, read from their names.

``p99``, ``p99.9``; ``tm90`` / ``wm90`` / ``tc90`` / ``ts90`` (0 % to 90 %); ``IQM`` (the trimmed mean from
25 % to 75 %); ``TM(10%:90%)``, ``WM(…)``, ``TC(…)``, ``TS(…)`` with percentage or value bounds, either of
which may be left out; ``PR(100:2000)``, the percentage of values in a value range.
"""

from __future__ import annotations

import re
from decimal import Decimal

from vigil.errors import ServiceError
from vigil.store.extended_statistics import ExtendedStatistic

_NUMBER = r"\d+(?:\.\d+)?"
_SHORT = re.compile(rf"(p|tm|wm|tc|ts)({_NUMBER})")
_RANGE = re.compile(rf"(TM|WM|TC|TS|PR)\(({_NUMBER}%?)?:({_NUMBER}%?)?\)")


def _refuse(name: str, where: str, code: str, why: str) -> ServiceError:
    return ServiceError(code, f"The value {name} for parameter {where} is not a valid statistic: {why}.")


def extended_statistic(name: str, where: str, code: str = "InvalidParameterValue") -> ExtendedStatistic:
    if name == "IQM":
        return ExtendedStatistic(name, "tm", Decimal(25), Decimal(75), percent=True)
    if short := _SHORT.fullmatch(name):
        kind, bound = short.group(1), Decimal(short.group(2))
        if bound > 100:
            raise _refuse(name, where, code, "percentages run from 0 to 100")
        return ExtendedStatistic(name, kind, None if kind == "p" else Decimal(0), bound, percent=True)
    if ranged := _RANGE.fullmatch(name):
        kind, low_text, high_text = ranged.group(1).lower(), ranged.group(2), ranged.group(3)
        bounds = [text for text in (low_text, high_text) if text]
        if not bounds:
            raise _refuse(name, where, code, "give at least one bound")
        percent = bounds[0].endswith("%")
        if any(text.endswith("%") != percent for text in bounds) or (kind == "pr" and percent):
            raise _refuse(name, where, code, "bounds are both percentages or both values (PR takes values)")
        low = Decimal(low_text.rstrip("%")) if low_text else None
        high = Decimal(high_text.rstrip("%")) if high_text else None
        if percent and any(bound > 100 for bound in (low, high) if bound is not None):
            raise _refuse(name, where, code, "percentages run from 0 to 100")
        if low is not None and high is not None and low >= high:
            raise _refuse(name, where, code, "the lower bound must be below the upper one")
        return ExtendedStatistic(name, kind, low, high, percent=percent)
    raise _refuse(
        name, where, code, "use pNN, tmNN, wmNN, tcNN, tsNN, IQM, TM(a:b), WM(a:b), TC(a:b), TS(a:b) or PR(a:b)"
    )
