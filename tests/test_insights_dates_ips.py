"""Date functions (bin's siblings datefloor / dateceil, fromMillis, toMillis, parseDate, formatDate) and
IP address functions."""

from __future__ import annotations

from typing import Any

import pytest
from insights_helpers import evaluate

JAN_2 = 1704164645123  # 2024-01-02 03:04:05.123 UTC, a Tuesday


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (f"fromMillis({JAN_2})", "2024-01-02 03:04:05.123"),
        (f"toMillis(fromMillis({JAN_2}))", str(JAN_2)),
        (f"datefloor(fromMillis({JAN_2}), 1h)", "2024-01-02 03:00:00.000"),
        (f"dateceil(fromMillis({JAN_2}), 1h)", "2024-01-02 04:00:00.000"),
        (f"datefloor(fromMillis({JAN_2}), 15m)", "2024-01-02 03:00:00.000"),
        (f"datefloor(fromMillis({JAN_2}), 1s)", "2024-01-02 03:04:05.000"),
        (f"datefloor(fromMillis({JAN_2}), 100ms)", "2024-01-02 03:04:05.100"),
        (f"datefloor(fromMillis({JAN_2}), 1d)", "2024-01-02 00:00:00.000"),
        (f"datefloor(fromMillis({JAN_2}), 1w)", "2024-01-01 00:00:00.000"),
        (f"dateceil(fromMillis({JAN_2}), 1w)", "2024-01-08 00:00:00.000"),
        (f"datefloor(fromMillis({JAN_2}), 1mo)", "2024-01-01 00:00:00.000"),
        (f"dateceil(fromMillis({JAN_2}), 1mo)", "2024-02-01 00:00:00.000"),
        (f"datefloor(fromMillis({JAN_2}), 1q)", "2024-01-01 00:00:00.000"),
        (f"dateceil(fromMillis({JAN_2}), 1q)", "2024-04-01 00:00:00.000"),
        (f"datefloor(fromMillis({JAN_2}), 1y)", "2024-01-01 00:00:00.000"),
        (f"dateceil(fromMillis({JAN_2}), 1y)", "2025-01-01 00:00:00.000"),
        ("dateceil(fromMillis(1704164400000), 1h)", "2024-01-02 03:00:00.000"),
        (f"datefloor(fromMillis({JAN_2}), 2hrs)", "2024-01-02 02:00:00.000"),
        (f"datefloor(fromMillis({JAN_2}), 1minute)", "2024-01-02 03:04:00.000"),
    ],
)
def test_date_function(logs_client: Any, group: str, expression: str, expected: str) -> None:
    assert evaluate(logs_client, group, expression) == expected


def test_parse_date_reads_a_java_pattern_as_utc(logs_client: Any, group: str) -> None:
    assert evaluate(logs_client, group, 'parseDate("2024-01-02 03:04:05", "yyyy-MM-dd HH:mm:ss")') == "1704164645000"


def test_parse_date_reads_milliseconds_and_a_literal(logs_client: Any, group: str) -> None:
    expression = """parseDate("2024-01-02T03:04:05.123", "yyyy-MM-dd'T'HH:mm:ss.SSS")"""
    assert evaluate(logs_client, group, expression) == str(JAN_2)


def test_parse_date_in_a_time_zone(logs_client: Any, group: str) -> None:
    expression = 'parseDate("2024-01-02 05:04:05", "yyyy-MM-dd HH:mm:ss", "+02:00")'
    assert evaluate(logs_client, group, expression) == "1704164645000"


def test_parse_date_of_text_that_does_not_fit_is_missing(logs_client: Any, group: str) -> None:
    assert evaluate(logs_client, group, 'parseDate("yesterday", "yyyy-MM-dd")') is None


def test_format_date_uses_strftime_in_utc(logs_client: Any, group: str) -> None:
    assert evaluate(logs_client, group, f'formatDate(fromMillis({JAN_2}), "%Y/%m/%d %H:%M")') == "2024/01/02 03:04"


def test_format_date_in_a_time_zone(logs_client: Any, group: str) -> None:
    expression = f'strftime(fromMillis({JAN_2}), "%H:%M", "Asia/Tokyo")'
    assert evaluate(logs_client, group, expression) == "12:04"


def test_timestamp_arithmetic_is_in_milliseconds(logs_client: Any, group: str) -> None:
    assert evaluate(logs_client, group, "@ingestionTime - @timestamp >= 0") == "1"


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('isValidIp("192.168.0.1")', "1"),
        ('isValidIp("2001:db8::1")', "1"),
        ('isValidIp("300.1.1.1")', "0"),
        ('isValidIpV4("10.0.0.1")', "1"),
        ('isValidIpV4("::1")', "0"),
        ('isValidIpV6("fe80::1")', "1"),
        ('isValidIpV6("1.2.3.4")', "0"),
        ('isValidIpV6("1::2::3")', "0"),
        ('isIpInSubnet("10.1.2.3", "10.0.0.0/8")', "1"),
        ('isIpInSubnet("11.1.2.3", "10.0.0.0/8")', "0"),
        ('isIpv4InSubnet("192.168.1.77", "192.168.1.64/26")', "1"),
        ('isIpv4InSubnet("192.168.1.128", "192.168.1.64/26")', "0"),
        ('isIpv6InSubnet("2001:db8:0:1::5", "2001:db8::/32")', "1"),
        ('isIpv6InSubnet("2001:db9::5", "2001:db8::/32")', "0"),
        ('isIpInSubnet("fd00::1", "fc00::/7")', "1"),
        ('ipv4ToNumber("1.2.3.4")', "16909060"),
        ('isPrivateIP("172.16.5.4")', "1"),
        ('isPrivateIP("172.32.5.4")', "0"),
        ('isPrivateIP("fd12::1")', "1"),
        ('isReservedIP("127.0.0.1")', "1"),
        ('isReservedIP("169.254.1.1")', "1"),
        ('isReservedIP("8.8.8.8")', "0"),
        ('isPublicIP("8.8.8.8")', "1"),
        ('isPublicIP("10.0.0.1")', "0"),
        ('isPublicIP("not an ip")', "0"),
    ],
)
def test_ip_function(logs_client: Any, group: str, expression: str, expected: str) -> None:
    assert evaluate(logs_client, group, expression) == expected


def test_ip_functions_read_fields(logs_client: Any, group: str) -> None:
    assert evaluate(logs_client, group, 'isIpInSubnet(src, "10.0.0.0/8")', {"src": "10.9.8.7"}) == "1"


def test_ipv4_to_number_of_something_else_is_missing(logs_client: Any, group: str) -> None:
    assert evaluate(logs_client, group, 'ipv4ToNumber("nope")') is None
