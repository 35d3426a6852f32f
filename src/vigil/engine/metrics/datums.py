"""PutMetricData's rules, applied to each MetricDatum, and the datapoints it stores.

The model already checks types, enums and lengths; what is left is what AWS checks by hand: which members go
together, the value range (no NaN or infinity, within ±2^360), the timestamp window (two weeks back, two
hours ahead), the storage resolution (1 or 60), the request's size (1,000 datums, 150 values each) and the
reserved ``AWS/`` namespace prefix.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import orjson
import pyarrow as pa

from vigil.errors import ServiceError
from vigil.store.metrics import PointColumns, PointRow

MAX_DATUMS = 1_000
MAX_VALUES = 150
VALUE_LIMIT = 2.0**360
PAST_LIMIT_MS = 14 * 24 * 3600 * 1000
FUTURE_LIMIT_MS = 2 * 3600 * 1000


def invalid_value(message: str) -> ServiceError:
    return ServiceError("InvalidParameterValue", message)


def invalid_combination(message: str) -> ServiceError:
    return ServiceError("InvalidParameterCombination", message)


_canonical: dict[tuple[tuple[str, str], ...], str] = {}


def canonical_dimensions(dimensions: Sequence[Mapping[str, str]], where: str) -> str:
    """Dimensions as a JSON object sorted by name: the series' identity. A name given twice is refused.
    Remembered per dimension list (a request repeats the same few sets across its datums)."""
    key = tuple((dimension["Name"], dimension["Value"]) for dimension in dimensions)
    known = _canonical.get(key)
    if known is not None:
        return known
    named: dict[str, str] = {}
    for dimension in dimensions:
        name = dimension["Name"]
        if name in named:
            raise invalid_value(f"The collection {where} must not have duplicate dimension names.")
        named[name] = dimension["Value"]
    canonical = orjson.dumps(dict(sorted(named.items()))).decode()
    if len(_canonical) >= 10_000:
        _canonical.clear()
    _canonical[key] = canonical
    return canonical


def _check_value(value: float, where: str) -> None:
    if math.isnan(value) or math.isinf(value) or abs(value) > VALUE_LIMIT:
        raise invalid_value(f"The value {value} for parameter {where} is invalid: values must be within ±2^360.")


def millis(timestamp: Any) -> int:
    """A request's timestamp (a datetime, or epoch seconds from a wire that leaves it as a number) in ms."""
    if isinstance(timestamp, datetime):
        return int(timestamp.timestamp() * 1000)
    return int(float(timestamp) * 1000)


def datapoints(namespace: str, data: Sequence[Mapping[str, Any]], now_ms: int) -> PointColumns:
    """The datapoints one PutMetricData call stores, or AWS's error for the first datum it would refuse."""
    if namespace.startswith("AWS/"):
        raise invalid_value(f'The value {namespace} for parameter Namespace is invalid: "AWS/" is reserved.')
    if not data:
        raise ServiceError("MissingParameter", "The parameter MetricData is required.")
    if len(data) > MAX_DATUMS:
        raise invalid_value(f"The collection MetricData must not have a size greater than {MAX_DATUMS}.")
    single = _single_values(data, now_ms)
    if single is not None:
        return single
    rows: list[PointRow] = []
    for index, datum in enumerate(data, start=1):
        where = f"MetricData.member.{index}"
        rows += _datum_rows(datum, where, now_ms)
    return PointColumns.from_rows(rows)


_by_json: dict[bytes, str] = {}


def _canonical_of_json(key: bytes) -> str:
    """``canonical_dimensions`` of a request's dimension list given as its JSON text, remembered by it."""
    canonical = canonical_dimensions(orjson.loads(key), "Dimensions")
    if len(_by_json) >= 10_000:
        _by_json.clear()
    _by_json[key] = canonical
    return canonical


def _single_values(data: Sequence[Mapping[str, Any]], now_ms: int) -> PointColumns | None:
    """The usual request, checked column by column: every datum one valid ``Value`` in the time window. None
    for anything else, and for any mistake: the datum-by-datum path then finds the first one and words it."""
    members = set().union(*data)
    if "Values" in members or "StatisticValues" in members:
        return None
    try:
        values = np.array([datum["Value"] for datum in data], dtype=np.float64)
    except KeyError:
        return None
    if not bool(np.all(np.abs(values) <= VALUE_LIMIT)):  # NaN compares false too
        return None
    if "Timestamp" not in members:
        timestamps = [now_ms] * len(data)
    else:
        moments = [datum.get("Timestamp") for datum in data]
        if set(map(type, moments)) == {datetime}:
            timestamps = [int(moment.timestamp() * 1000) for moment in moments]
        else:
            timestamps = [now_ms if moment is None else millis(moment) for moment in moments]
        if min(timestamps) < now_ms - PAST_LIMIT_MS or max(timestamps) > now_ms + FUTURE_LIMIT_MS:
            return None
    if "StorageResolution" in members:
        resolutions: list[int] | pa.Array = [datum.get("StorageResolution", 60) for datum in data]
        if not {1, 60}.issuperset(resolutions):
            return None
    else:
        resolutions = pa.repeat(pa.scalar(60, pa.int32()), len(data))
    if "Dimensions" in members:
        keys = list(map(orjson.dumps, [datum.get("Dimensions", ()) for datum in data]))
        dimensions = list(map(_by_json.get, keys))
        if None in dimensions:
            for index, key in enumerate(keys):
                if dimensions[index] is None:
                    try:
                        # The cache again: an earlier datum of this request may have filled it.
                        dimensions[index] = _by_json.get(key) or _canonical_of_json(key)
                    except ServiceError:
                        return None
    else:
        dimensions = ["{}"] * len(data)
    column = pa.array(values, pa.float64())
    return PointColumns(
        metric_name=[datum["MetricName"] for datum in data],
        dimensions=dimensions,
        timestamp=timestamps,
        value=column,
        sample_count=1.0,
        sum=column,
        minimum=column,
        maximum=column,
        unit=[datum.get("Unit", "None") for datum in data] if "Unit" in members else pa.repeat("None", len(data)),
        storage_resolution=resolutions,
    )


def _datum_rows(datum: Mapping[str, Any], where: str, now_ms: int) -> list[PointRow]:
    given = [name for name in ("Value", "Values", "StatisticValues") if datum.get(name) is not None]
    if len(given) > 1:
        raise invalid_combination(f"The parameters {where}.{' and '.join(given)} are mutually exclusive.")
    if not given:
        raise ServiceError("MissingParameter", f"One of {where}.Value, Values or StatisticValues is required.")
    resolution = datum.get("StorageResolution", 60)
    if resolution not in (1, 60):
        raise invalid_value(f"The value {resolution} for parameter {where}.StorageResolution is invalid: use 1 or 60.")
    timestamp = millis(datum["Timestamp"]) if datum.get("Timestamp") is not None else now_ms
    if not now_ms - PAST_LIMIT_MS <= timestamp <= now_ms + FUTURE_LIMIT_MS:
        raise invalid_value(
            f"The parameter {where}.Timestamp must specify a time no more than two weeks in the past "
            "and no more than two hours in the future."
        )
    common = {
        "metric_name": datum["MetricName"],
        "dimensions": canonical_dimensions(datum.get("Dimensions") or [], f"{where}.Dimensions"),
        "timestamp": timestamp,
        "unit": datum.get("Unit") or "None",
        "storage_resolution": resolution,
    }
    if "Value" in given:
        value = float(datum["Value"])
        _check_value(value, f"{where}.Value")
        return [PointRow(value=value, sample_count=1.0, sum=value, minimum=value, maximum=value, **common)]
    if "Values" in given:
        values = [float(v) for v in datum["Values"]]
        counts = [float(c) for c in datum.get("Counts") or [1.0] * len(values)]
        if len(values) > MAX_VALUES:
            raise invalid_value(f"The collection {where}.Values must not have a size greater than {MAX_VALUES}.")
        if len(counts) != len(values):
            raise invalid_combination(f"The parameters {where}.Values and {where}.Counts must be of the same size.")
        for position, value in enumerate(values, start=1):
            _check_value(value, f"{where}.Values.member.{position}")
        return [
            PointRow(value=v, sample_count=c, sum=v * c, minimum=v, maximum=v, **common)
            for v, c in zip(values, counts, strict=True)
            if c > 0
        ]
    statistics = datum["StatisticValues"]
    sample_count, total = float(statistics["SampleCount"]), float(statistics["Sum"])
    minimum, maximum = float(statistics["Minimum"]), float(statistics["Maximum"])
    for name, value in (("SampleCount", sample_count), ("Sum", total), ("Minimum", minimum), ("Maximum", maximum)):
        _check_value(value, f"{where}.StatisticValues.{name}")
    if sample_count <= 0 or minimum > maximum:
        raise invalid_value(f"The StatisticValues of {where} are inconsistent: SampleCount > 0 and Minimum <= Maximum.")
    return [PointRow(value=None, sample_count=sample_count, sum=total, minimum=minimum, maximum=maximum, **common)]
