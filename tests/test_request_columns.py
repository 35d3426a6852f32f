"""Long lists are validated column by column (server/protocols/columns.py): the answer must be exactly the one
the member-by-member validator gives, values and errors alike, whatever the request holds."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import botocore.session
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.errors import ServiceError
from vigil.server.protocols import validate
from vigil.server.protocols.validate import validate_input

_MODELS = botocore.session.get_session()
PUT_METRIC_DATA = _MODELS.get_service_model("cloudwatch").operation_model("PutMetricData").input_shape
PUT_LOG_EVENTS = _MODELS.get_service_model("logs").operation_model("PutLogEvents").input_shape

# Clean values, which the column path must take, and odd ones, which it must leave to the member-by-member
# validator: one odd value spoils a whole list.
odd = st.sampled_from(
    [
        *(None, True, "NaN", "7", [], {}, 2**70, float("inf"), "", "x" * 256, "Furlongs", 0, -1, 2**40),
        *([{"Name": "a", "Value": "b"}] * 31, [{"Name": "a", "Value": "b", "Extra": 1}]),
        *(dt.datetime(2026, 1, 1), {"SampleCount": 1.0}),
    ]
)
names = st.text(min_size=1, max_size=12)
doubles = st.one_of(st.floats(allow_nan=False, width=64), st.integers(-(10**6), 10**6))
# Numbers, as JSON sends them (CBOR sends datetimes, covered by a spoiler and a test of their own).
timestamps = st.one_of(st.floats(min_value=0, max_value=2e9), st.integers(0, 2_000_000_000))
dimension = st.fixed_dictionaries({"Name": names, "Value": names})
datum = st.fixed_dictionaries(
    {"MetricName": names},
    optional={
        "Dimensions": st.lists(dimension, max_size=3),
        "Timestamp": timestamps,
        "Value": doubles,
        "Values": st.lists(doubles, max_size=4),
        "Counts": st.lists(doubles, max_size=4),
        "StatisticValues": st.fixed_dictionaries(
            {"SampleCount": doubles, "Sum": doubles, "Minimum": doubles, "Maximum": doubles}
        ),
        "Unit": st.sampled_from(["Count", "Milliseconds", "None"]),
        "StorageResolution": st.sampled_from([1, 60]),
    },
)
DATUM_MEMBERS = ["MetricName", "Dimensions", "Timestamp", "Value", "Values", "StatisticValues", "Unit", "Unknown"]
spoilers = st.one_of(st.none(), st.tuples(st.integers(0, 19), st.sampled_from(DATUM_MEMBERS), odd))


def spoiled(items: list[dict[str, Any]], spoiler: tuple[int, str, Any] | None) -> list[dict[str, Any]]:
    if spoiler is not None:
        index, member, value = spoiler
        items[index % len(items)][member] = value
    return items


def answer(shape: Any, body: dict[str, Any], wire: str) -> Any:
    try:
        return ("ok", validate_input("cloudwatch" if shape is PUT_METRIC_DATA else "logs", shape, body, wire))
    except ServiceError as error:
        return ("error", error.code, error.message)


def both_ways(shape: Any, body: dict[str, Any], wire: str) -> tuple[Any, Any]:
    by_columns = answer(shape, copy.deepcopy(body), wire)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(validate, "_COLUMNS_FROM", 10**9)
        by_members = answer(shape, copy.deepcopy(body), wire)
    return by_columns, by_members


@settings(max_examples=300, deadline=None)
@given(data=st.lists(datum, min_size=8, max_size=20), spoiler=spoilers, wire=st.sampled_from(["json", "cbor"]))
def test_metric_data_validated_by_columns_matches_member_by_member(
    data: list[dict[str, Any]], spoiler: tuple[int, str, Any] | None, wire: str
) -> None:
    body = {"Namespace": "Shop", "MetricData": spoiled(data, spoiler)}
    by_columns, by_members = both_ways(PUT_METRIC_DATA, body, wire)
    assert repr(by_columns) == repr(by_members)  # repr: NaN equals itself there


event = st.fixed_dictionaries({"timestamp": st.integers(0, 2**62), "message": st.text()})


@settings(max_examples=200, deadline=None)
@given(
    events=st.lists(event, min_size=8, max_size=20),
    spoiler=st.one_of(st.none(), st.tuples(st.integers(0, 19), st.sampled_from(["timestamp", "message", "x"]), odd)),
)
def test_log_events_validated_by_columns_match_member_by_member(
    events: list[dict[str, Any]], spoiler: tuple[int, str, Any] | None
) -> None:
    body = {"logGroupName": "g", "logStreamName": "s", "logEvents": spoiled(events, spoiler)}
    by_columns, by_members = both_ways(PUT_LOG_EVENTS, body, "json")
    assert repr(by_columns) == repr(by_members)  # repr: NaN equals itself there


def test_numbers_for_doubles_and_timestamps_are_converted_in_a_long_list() -> None:
    data = [{"MetricName": "m", "Value": 3, "Timestamp": 1_700_000_000 + i} for i in range(10)]
    checked = validate_input("cloudwatch", PUT_METRIC_DATA, {"Namespace": "Shop", "MetricData": data}, "json")
    first = checked["MetricData"][0]
    assert type(first["Value"]) is float
    assert first["Timestamp"] == dt.datetime.fromtimestamp(1_700_000_000, dt.UTC)


def test_datetimes_for_timestamps_in_a_long_list_keep_their_moment() -> None:
    moments = [dt.datetime(2026, 11, 26, 7, i, tzinfo=dt.UTC) for i in range(9)] + [dt.datetime(2026, 11, 26, 8)]
    data = [{"MetricName": "m", "Value": 1.0, "Timestamp": moment} for moment in moments]
    checked = validate_input("cloudwatch", PUT_METRIC_DATA, {"Namespace": "Shop", "MetricData": data}, "cbor")
    assert [datum["Timestamp"] for datum in checked["MetricData"]] == [m.replace(tzinfo=dt.UTC) for m in moments]
