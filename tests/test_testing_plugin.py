"""``vigil.testing``: the pytest plugin users get to test their own CloudWatch code against Vigil."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

USER_TESTS = """
import time

def test_first_writes(logs_client):
    logs_client.create_log_group(logGroupName="mine")
    logs_client.create_log_stream(logGroupName="mine", logStreamName="s")
    logs_client.put_log_events(logGroupName="mine", logStreamName="s",
                               logEvents=[{"timestamp": int(time.time() * 1000), "message": "hi"}])
    assert len(logs_client.get_log_events(logGroupName="mine", logStreamName="s")["events"]) == 1

def test_second_starts_from_a_clean_server(logs_client, vigil_endpoint):
    assert vigil_endpoint.startswith("http://127.0.0.1:")
    assert logs_client.describe_log_groups()["logGroups"] == []
"""


def test_user_tests_get_a_server_and_a_clean_state_per_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
