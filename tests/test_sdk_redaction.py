"""Redaction: secret-named fields and secret-shaped values are masked before any destination sees a record.

The rules are checked on the ``Redactor`` itself and end to end, through a logger and the pipeline; a property
test checks that cleaning never fails and never lets an AWS access key id through.
"""

from __future__ import annotations

import io
import itertools
import json
import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sdk_helpers import Capture, capturing_logger

import vigil
from vigil.sdk import configuration
from vigil.sdk import pipeline as pipeline_module
from vigil.sdk.context import request_context
from vigil.sdk.destinations.console import ConsoleDestination
from vigil.sdk.formatters import JSONFormatter
from vigil.sdk.pipeline import Pipeline, standard_pipeline
from vigil.sdk.redaction import MASK, Redactor

_names = itertools.count()

AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTYifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7v5n\nq2Zx0+Yk\n-----END RSA PRIVATE KEY-----"
EXAMPLES = settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture
def pipeline() -> Pipeline:
    return standard_pipeline(environment="test", redactor=Redactor())


@pytest.fixture
def capture() -> Capture:
    return Capture()


@pytest.fixture
def logger(capture: Capture) -> Iterator[logging.Logger]:
    yield from capturing_logger("spec.redaction", capture)


@pytest.fixture
def configured(capture: Capture) -> Iterator[Callable[..., logging.Logger]]:
    """``vigil.configure(**options)`` on a fresh named logger with no destinations but ``capture``; the pipeline
    and the logger are put back afterwards."""
    saved = list(pipeline_module._current)
    made: list[logging.Logger] = []

    def configure(**options: Any) -> logging.Logger:
        target = vigil.configure(logger=f"spec.redaction.configured.{next(_names)}", console=False, env={}, **options)
        target.propagate = False
        target.addHandler(capture)
        made.append(target)
        return target

    yield configure
    pipeline_module._current[:] = saved
    for target in made:
        for handler in [*configuration._installed.pop(target.name, []), capture]:
            target.removeHandler(handler)
            handler.close()
        target.setLevel(logging.NOTSET)


def event_of(pipeline: Pipeline, capture: Capture) -> dict[str, Any]:
    [record] = capture.records
    return pipeline.event(record)


# -- field names -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "password",
        "db_password",
        "X-Api-Key",
        "apiKey",
        "accessToken",
        "Authorization",
        "Cookie",
        "client_secret",
        "aws_secret_access_key",
    ],
)
def test_field_with_a_secret_name_is_masked(
    logger: logging.Logger, capture: Capture, pipeline: Pipeline, name: str
) -> None:
    logger.info("request", extra={name: "s3cr3t-value", "user": "ann"})
    event = event_of(pipeline, capture)
    assert (event[name], event["user"]) == (MASK, "ann")


@pytest.mark.parametrize("name", ["token_count", "password_length", "author", "session_id"])
def test_field_whose_name_only_looks_like_a_secret_is_kept(
    logger: logging.Logger, capture: Capture, pipeline: Pipeline, name: str
) -> None:
    logger.info("request", extra={name: "42"})
    assert event_of(pipeline, capture)[name] == "42"


def test_secret_named_field_holding_a_structure_is_masked_whole() -> None:
    assert Redactor().redact({"credentials": {"user": "ann", "key": "k"}, "ok": [1]}) == {
        "credentials": MASK,
        "ok": [1],
    }


# -- values ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "secret",
    [
        AWS_KEY,
        "Bearer abc.def-123_xyz",
        JWT,
        "xoxb-1234567890-abcdefghij",
        PEM,
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111111111111111",
    ],
    ids=["aws-key-id", "bearer", "jwt", "slack", "pem", "card-spaces", "card-dashes", "card-digits"],
)
def test_secret_value_is_masked_inside_longer_text(secret: str) -> None:
    assert Redactor().redact(f"sent {secret} to the gateway") == f"sent {MASK} to the gateway"


@pytest.mark.parametrize(
    "text",
    [
        "order 4111111111111112 shipped",  # 16 digits that fail the Luhn check
        "at 2025-06-28T12:34:56.789Z",
        "at 2025-06-28 12:34:56,789",
        "request 123e4567-e89b-12d3-a456-426614174000",
        "total 1999.99 for 3 items, order 1234567",
    ],
    ids=["non-luhn-16-digits", "iso-timestamp", "log-timestamp", "uuid", "ordinary-numbers"],
)
def test_text_without_secrets_is_kept(text: str) -> None:
    assert Redactor().redact(text) == text


def test_epoch_milliseconds_timestamp_is_kept() -> None:
    assert Redactor().redact("created_at=1750000000009") == "created_at=1750000000009"


def test_secret_in_the_message_is_masked(logger: logging.Logger, capture: Capture, pipeline: Pipeline) -> None:
    logger.info("uploading with key %s", AWS_KEY)
    assert event_of(pipeline, capture)["message"] == f"uploading with key {MASK}"


def test_nested_dicts_and_lists_in_extra_are_masked_at_any_depth(
    logger: logging.Logger, capture: Capture, pipeline: Pipeline
) -> None:
    payload = {
        "user": {"name": "ann", "password": "hunter2"},
        "headers": [{"Authorization": "Basic YW5uOmh1bnRlcjI="}, {"Accept": "text/html"}],
        "notes": ["fine", f"key {AWS_KEY}", ("Bearer abc123", 3)],
    }
    logger.info("request", extra={"payload": payload})
    assert event_of(pipeline, capture)["payload"] == {
        "user": {"name": "ann", "password": MASK},
        "headers": [{"Authorization": MASK}, {"Accept": "text/html"}],
        "notes": ["fine", f"key {MASK}", [MASK, 3]],
    }
    assert payload["user"] == {"name": "ann", "password": "hunter2"}  # the caller's data is left alone


def test_request_context_is_masked(logger: logging.Logger, capture: Capture, pipeline: Pipeline) -> None:
    with request_context(request_id="r-1", api_key="k-123", forwarded=f"Bearer {AWS_KEY.lower()}"):
        logger.info("inside")
    event = event_of(pipeline, capture)
    assert (event["request_id"], event["api_key"], event["forwarded"]) == ("r-1", MASK, MASK)


def test_clean_returns_the_very_same_objects_when_there_is_nothing_to_mask() -> None:
    fields = {"user": "ann", "count": 3}
    cleaned, message = Redactor().clean(fields, "hello")
    assert cleaned is fields
    assert message == "hello"


def test_field_with_a_non_text_name_is_kept(logger: logging.Logger, capture: Capture, pipeline: Pipeline) -> None:
    logger.info("by status", extra={404: "not found"})
    assert event_of(pipeline, capture)[404] == "not found"


# -- configuration -----------------------------------------------------------------------------------------------


def test_configure_without_redaction_leaves_secrets_alone(
    configured: Callable[..., logging.Logger], capture: Capture
) -> None:
    configured(redact=False).info("with Bearer abc123", extra={"password": "hunter2"})
    event = json.loads(JSONFormatter().format(capture.records[0]))
    assert (event["message"], event["password"]) == ("with Bearer abc123", "hunter2")


def test_configure_redact_keys_adds_to_the_default_names(
    configured: Callable[..., logging.Logger], capture: Capture
) -> None:
    configured(redact_keys=["pin"]).info("unlock", extra={"pin": "1234", "card_pin": "9876", "password": "p"})
    event = json.loads(JSONFormatter().format(capture.records[0]))
    assert (event["pin"], event["card_pin"], event["password"]) == (MASK, MASK, MASK)


def test_redaction_applies_in_every_destination(logger: logging.Logger, tmp_path: Path, pipeline: Pipeline) -> None:
    console = io.StringIO()
    logger.addHandler(ConsoleDestination(console, format="console"))
    json_lines = io.StringIO()
    as_json = logging.StreamHandler(json_lines)
    as_json.setFormatter(JSONFormatter(pipeline))
    logger.addHandler(as_json)
    log_file = logging.FileHandler(tmp_path / "app.log", encoding="utf-8")
    log_file.setFormatter(JSONFormatter(pipeline))
    logger.addHandler(log_file)

    logger.warning("retrying with %s", AWS_KEY, extra={"password": "hunter2"})
    log_file.close()

    outputs = [console.getvalue(), json_lines.getvalue(), (tmp_path / "app.log").read_text(encoding="utf-8")]
    for output in outputs:
        assert "hunter2" not in output
        assert AWS_KEY not in output
        assert output.count(MASK) == 2
    assert f"password={MASK}" in outputs[0]


# -- property ----------------------------------------------------------------------------------------------------


AWS_KEY_SHAPE = r"(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}"
STANDALONE_KEY = re.compile(rf"(?<!\w){AWS_KEY_SHAPE}(?!\w)")
SEPARATORS = st.sampled_from([" ", "\n", "\t", ",", ";", ":", "=", '"', "'", "(", ")", "/", ".", "-", "[", ""])
key_ids = st.from_regex(rf"\A{AWS_KEY_SHAPE}\Z")


@st.composite
def text_around_a_key(draw: st.DrawFn) -> str:
    """Any text with an access key id inside it, standing on its own (a separator or the end on each side)."""
    before, after = draw(st.text(max_size=20)), draw(st.text(max_size=20))
    opening, closing = draw(SEPARATORS), draw(SEPARATORS)
    if before and not opening:
        opening = " "
    if after and not closing:
        closing = " "
    return f"{before}{opening}{draw(key_ids)}{closing}{after}"


texts = st.one_of(text_around_a_key(), st.text(max_size=30))
values = st.recursive(
    st.one_of(texts, st.integers(), st.floats(allow_nan=False), st.none(), st.booleans()),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.tuples(children, children),
        st.dictionaries(st.one_of(st.text(max_size=10), st.integers()), children, max_size=3),
    ),
    max_leaves=10,
)


def strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings_in(item)


@EXAMPLES
@given(fields=st.dictionaries(st.text(max_size=12), values, max_size=4), message=texts)
def test_clean_never_raises_and_never_lets_an_access_key_id_through(fields: dict[str, Any], message: str) -> None:
    planted = {key for text in [message, *strings_in(fields)] for key in STANDALONE_KEY.findall(text)}
    cleaned, cleaned_message = Redactor().clean(fields, message)
    assert set(cleaned) == set(fields)
    for text in [cleaned_message, *strings_in(dict(cleaned))]:
        assert not any(key in text for key in planted)
