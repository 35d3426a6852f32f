"""PutMetricAlarm's and PutCompositeAlarm's rules, beyond what botocore's model checks, and the configuration
each stores (AWS's member names, as DescribeAlarms returns them).

Sources: the PutMetricAlarm and PutCompositeAlarm API references (Period 10, 20, 30 or a multiple of 60;
Period x EvaluationPeriods at most one day below an hour's period, seven days from an hour; Statistic or
ExtendedStatistic; Metrics excludes the single-metric members; exactly one query returns data; at most five
actions per state; the actions suppressor's periods).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from vigil.engine.metrics.datums import canonical_dimensions
from vigil.engine.metrics.extended import extended_statistic
from vigil.engine.metrics.math.checks import check_expressions, check_statistic
from vigil.engine.metrics.statistics import check_period
from vigil.errors import ServiceError

TREAT_MISSING = ("missing", "ignore", "breaching", "notBreaching")
LOW_SAMPLE = ("evaluate", "ignore")
STATIC_COMPARISONS = (
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
)
BAND_COMPARISONS = ("LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold", "GreaterThanUpperThreshold")
SINGLE_METRIC_MEMBERS = ("Namespace", "MetricName", "Dimensions", "Period", "Unit", "Statistic", "ExtendedStatistic")
ACTION_MEMBERS = ("AlarmActions", "OKActions", "InsufficientDataActions")
MAX_MATH_METRICS = 10
# Members of newer CloudWatch features (Metrics Insights and PromQL alarms, evaluation windows, warm-up) that
# Vigil does not evaluate: refused rather than stored and silently ignored.
UNSUPPORTED = (
    "EvaluationWindow",
    "WarmUpConfiguration",
    "EvaluationCriteria",
    "EvaluationInterval",
    "ActionConfiguration",
)
_ID = re.compile(r"[a-z][a-zA-Z0-9_]*")
_ARN = re.compile(r"arn:aws[a-z-]*:([a-z0-9-]+):([a-z0-9-]*):([^:]*):(.+)")


def invalid(message: str) -> ServiceError:
    return ServiceError("ValidationError", message)


def _check_actions(params: Mapping[str, Any], region: str) -> None:
    for member in ACTION_MEMBERS:
        for action in params.get(member) or []:
            match = _ARN.fullmatch(action)
            if not match:
                raise invalid(f"Invalid arn syntax: {action}")
            service, action_region = match.group(1), match.group(2)
            regional = service in ("sns", "lambda", "autoscaling", "ssm", "ssm-incidents", "swf")
            if regional and action_region and action_region != region:
                raise invalid(f"Invalid region {action_region} specified. Only {region} is supported.")


def _common(params: Mapping[str, Any], region: str) -> dict[str, Any]:
    for member in UNSUPPORTED:
        if member in params:
            raise invalid(f"{member} is not supported by Vigil; alarms are evaluated on metrics and metric math.")
    _check_actions(params, region)
    configuration: dict[str, Any] = {"AlarmName": params["AlarmName"]}
    if "AlarmDescription" in params:
        configuration["AlarmDescription"] = params["AlarmDescription"]
    configuration["ActionsEnabled"] = bool(params.get("ActionsEnabled", True))
    for member in ACTION_MEMBERS:
        configuration[member] = list(params.get(member) or [])
    return configuration


def _period_limit(period: int, evaluation_periods: int) -> None:
    limit = 86_400 if period < 3_600 else 604_800
    if period * evaluation_periods > limit:
        raise invalid(
            f"The evaluation period (Period x EvaluationPeriods = {period * evaluation_periods} seconds) must not "
            f"exceed {limit:,} seconds" + (" for alarms with a period under one hour." if limit == 86_400 else ".")
        )


def _alarm_period(period: int, where: str) -> int:
    if period in (10, 20, 30) or (period >= 60 and period % 60 == 0):
        return period
    raise invalid(f"The parameter {where} must be 10, 20, 30 or a multiple of 60; {period} is not.")


def _single_metric(params: Mapping[str, Any], configuration: dict[str, Any]) -> int:
    for member in ("Namespace", "MetricName", "Period"):
        if member not in params:
            raise invalid(f"{member} must not be null for an alarm on a single metric.")
    if ("Statistic" in params) == ("ExtendedStatistic" in params):
        raise ServiceError(
            "InvalidParameterCombination",
            "Exactly one element of the Statistic and ExtendedStatistic parameters must be specified.",
        )
    if "ExtendedStatistic" in params:
        extended_statistic(params["ExtendedStatistic"], "ExtendedStatistic", "ValidationError")
    dimensions = list(params.get("Dimensions") or [])
    canonical_dimensions(dimensions, "Dimensions")
    period = _alarm_period(int(params["Period"]), "Period")
    configuration.update({"MetricName": params["MetricName"], "Namespace": params["Namespace"]})
    for member in ("Statistic", "ExtendedStatistic"):
        if member in params:
            configuration[member] = params[member]
    configuration.update({"Dimensions": dimensions, "Period": period})
    if "Unit" in params:
        configuration["Unit"] = params["Unit"]
    return period


def _math(params: Mapping[str, Any], configuration: dict[str, Any]) -> int:
    given = [member for member in SINGLE_METRIC_MEMBERS if member in params]
    if given:
        raise ServiceError(
            "InvalidParameterCombination",
            f"Metrics cannot be used with {', '.join(given)}: the queries in Metrics name their own metrics.",
        )
    queries = params["Metrics"]
    if not queries:
        raise invalid("Metrics must hold at least one query.")
    seen: set[str] = set()
    periods: set[int] = set()
    for query in queries:
        identifier = query["Id"]
        if not _ID.fullmatch(identifier) or identifier in seen:
            raise invalid(
                f"Invalid metric data query id {identifier!r}: it must be unique, start with a lowercase "
                "letter and hold only letters, digits and underscores."
            )
        seen.add(identifier)
        if ("MetricStat" in query) == ("Expression" in query):
            raise invalid(f"Query {identifier} must have exactly one of MetricStat and Expression.")
        if "MetricStat" in query:
            spec = query["MetricStat"]
            periods.add(_alarm_period(int(spec["Period"]), f"MetricStat.Period of query {identifier}"))
            check_period(int(spec["Period"]), f"MetricStat.Period of query {identifier}", "ValidationError")
            check_statistic(spec["Stat"], f"MetricStat.Stat of query {identifier}")
            canonical_dimensions((spec["Metric"].get("Dimensions") or []), "Dimensions")
        elif "Period" in query:
            periods.add(_alarm_period(int(query["Period"]), f"Period of query {identifier}"))
    if sum(1 for query in queries if "MetricStat" in query) > MAX_MATH_METRICS:
        raise invalid(f"An alarm's metric math may use at most {MAX_MATH_METRICS} metrics.")
    returning = [query for query in queries if query.get("ReturnData", True)]
    if len(returning) != 1:
        raise invalid("Exactly one element of the Metrics list must have ReturnData set to true.")
    if len(periods) != 1:
        raise invalid("Every metric in Metrics must use the same Period.")
    check_expressions(queries)
    configuration["Metrics"] = [dict(query) for query in queries]
    return periods.pop()


def metric_alarm_configuration(params: Mapping[str, Any], region: str) -> dict[str, Any]:
    """The configuration PutMetricAlarm stores, after AWS's checks."""
    configuration = _common(params, region)
    if "ThresholdMetricId" in params or params.get("ComparisonOperator") in BAND_COMPARISONS:
        raise invalid(
            "Anomaly detection bands are not available in Vigil yet: ComparisonOperator must be one of "
            + ", ".join(STATIC_COMPARISONS)
            + ", with a Threshold."
        )
    for member in ("EvaluationPeriods", "ComparisonOperator", "Threshold"):
        if member not in params:
            raise invalid(f"{member} must not be null.")
    period = _math(params, configuration) if "Metrics" in params else _single_metric(params, configuration)
    evaluation_periods = int(params["EvaluationPeriods"])
    configuration["EvaluationPeriods"] = evaluation_periods
    if "DatapointsToAlarm" in params:
        if int(params["DatapointsToAlarm"]) > evaluation_periods:
            raise invalid("DatapointsToAlarm must be less than or equal to EvaluationPeriods.")
        configuration["DatapointsToAlarm"] = int(params["DatapointsToAlarm"])
    _period_limit(period, evaluation_periods)
    configuration["Threshold"] = float(params["Threshold"])
    configuration["ComparisonOperator"] = params["ComparisonOperator"]
    if "TreatMissingData" in params:
        if params["TreatMissingData"] not in TREAT_MISSING:
            raise invalid(f"TreatMissingData must be one of {', '.join(TREAT_MISSING)}.")
        configuration["TreatMissingData"] = params["TreatMissingData"]
    if "EvaluateLowSampleCountPercentile" in params:
        if params["EvaluateLowSampleCountPercentile"] not in LOW_SAMPLE:
            raise invalid("EvaluateLowSampleCountPercentile must be evaluate or ignore.")
        configuration["EvaluateLowSampleCountPercentile"] = params["EvaluateLowSampleCountPercentile"]
    return configuration


def composite_alarm_configuration(params: Mapping[str, Any], region: str) -> dict[str, Any]:
    """The configuration PutCompositeAlarm stores, after AWS's checks (the rule is parsed by the caller)."""
    configuration = _common(params, region)
    configuration["AlarmRule"] = params["AlarmRule"]
    suppressor = params.get("ActionsSuppressor")
    if suppressor is None:
        if "ActionsSuppressorWaitPeriod" in params or "ActionsSuppressorExtensionPeriod" in params:
            raise invalid("ActionsSuppressorWaitPeriod and ActionsSuppressorExtensionPeriod need ActionsSuppressor.")
        return configuration
    for member in ("ActionsSuppressorWaitPeriod", "ActionsSuppressorExtensionPeriod"):
        if member not in params:
            raise invalid(f"{member} is required when ActionsSuppressor is specified.")
        if int(params[member]) < 0:
            raise invalid(f"{member} must not be negative.")
    configuration["ActionsSuppressor"] = suppressor
    configuration["ActionsSuppressorWaitPeriod"] = int(params["ActionsSuppressorWaitPeriod"])
    configuration["ActionsSuppressorExtensionPeriod"] = int(params["ActionsSuppressorExtensionPeriod"])
    return configuration
