"""The processor pipeline: a record becomes an event dict once, and JSON bytes once, however many destinations."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from vigil.sdk.processors import Event, EventBuilder, Processor, StandardEvent
from vigil.sdk.redaction import Redactor
from vigil.sdk.rendering import render_json


class Pipeline:
    """A builder makes a record's event, processors run on it in order; results are cached on the record."""

    def __init__(self, processors: Sequence[Processor] = (), builder: EventBuilder | None = None) -> None:
        self.builder: EventBuilder = builder or StandardEvent()
        self.processors = tuple(processors)

    def event(self, record: logging.LogRecord) -> Event:
        """The processed event. Shared by every destination: treat it as read-only."""
        attributes = record.__dict__
        cached = attributes.get("_vigil_event")
        if cached is not None and cached[0] is self:
            return cached[1]  # type: ignore[no-any-return]
        event = self.builder(record)
        for processor in self.processors:
            event = processor(record, event)
        attributes["_vigil_event"] = (self, event)
        return event

    def json(self, record: logging.LogRecord) -> bytes:
        attributes = record.__dict__
        cached = attributes.get("_vigil_json")
        if cached is not None and cached[0] is self:
            return cached[1]  # type: ignore[no-any-return]
        cached = attributes.get("_vigil_event")
        data = render_json(cached[1] if cached is not None and cached[0] is self else self.event(record))
        attributes["_vigil_json"] = (self, data)
        return data


def standard_pipeline(
    app_name: str | None = None,
    environment: str | None = None,
    redactor: Redactor | None = None,
    processors: Iterable[Processor] = (),
) -> Pipeline:
    """Vigil's default: base fields, environment and app, request context, ``extra=``, exception, then the
    user's processors, then redaction, last so that nothing a processor adds escapes it."""
    fixed: dict[str, Any] = {}
    if environment:
        fixed["environment"] = environment
    if app_name:
        fixed["app"] = app_name
    processors = list(processors)
    # The builder masks what it takes in; what user processors add is masked by running the redactor after them.
    chain = [*processors, redactor] if processors and redactor is not None else processors
    return Pipeline(chain, StandardEvent(fixed, redactor))


def environment_name(env: Mapping[str, str] | None = None) -> str:
    """The deployment environment, from the variables frameworks and platforms set."""
    env = os.environ if env is None else env
    for variable in ("VIGIL_ENVIRONMENT", "APP_ENV", "ENVIRONMENT", "ENV", "FLASK_ENV"):
        value = env.get(variable)
        if value:
            return value
    return "development"


_current: list[Pipeline] = []


def current_pipeline() -> Pipeline:
    """The pipeline ``vigil.configure`` set up, or the defaults read from the environment."""
    if not _current:
        _current.append(
            standard_pipeline(app_name=os.environ.get("APP_NAME"), environment=environment_name(), redactor=Redactor())
        )
    return _current[0]


def set_current_pipeline(pipeline: Pipeline) -> None:
    _current[:] = [pipeline]
