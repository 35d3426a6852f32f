"""Request context: the fields bound in a scope ride along on every record logged inside it, and only there.

Isolation is checked with real threads and real asyncio tasks, forced to interleave by barriers and events
rather than by sleeping.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import logging
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from sdk_helpers import Capture, capturing_logger

from vigil.sdk.context import bind, clear_context, get_context, request_context, reset_context, unbind
from vigil.sdk.pipeline import Pipeline, standard_pipeline
from vigil.sdk.redaction import Redactor

_names = itertools.count()
WAIT = 10.0  # seconds: generous, only reached if the code under test hangs


@pytest.fixture(autouse=True)
def empty_context() -> Iterator[None]:
    """Each test starts and ends with no fields bound in the test's thread."""
    clear_context()
    yield
    clear_context()


@pytest.fixture
def pipeline() -> Pipeline:
    return standard_pipeline(environment="test", redactor=Redactor())


@pytest.fixture
def capture() -> Capture:
    return Capture()


@pytest.fixture
def logger(capture: Capture) -> Iterator[logging.Logger]:
    yield from capturing_logger("spec.context", capture)


def field(pipeline: Pipeline, record: logging.LogRecord, name: str = "request_id") -> Any:
    return pipeline.event(record).get(name)


# -- scopes ------------------------------------------------------------------------------------------------------


def test_request_context_binds_fields_inside_the_with_block_only() -> None:
    with request_context(request_id="r-1", user_id="u-7") as fields:
        assert fields == {"request_id": "r-1", "user_id": "u-7"}
        assert get_context() == {"request_id": "r-1", "user_id": "u-7"}
    assert get_context() == {}


def test_fields_appear_on_every_record_logged_inside_and_not_after(
    logger: logging.Logger, capture: Capture, pipeline: Pipeline
) -> None:
    with request_context(request_id="r-1"):
        logger.info("received")
        logger.warning("slow")
    logger.info("idle")
    assert [field(pipeline, record) for record in capture.records] == ["r-1", "r-1", None]


def test_record_keeps_the_context_of_its_call_when_its_event_is_built_later(
    logger: logging.Logger, capture: Capture, pipeline: Pipeline
) -> None:
    with request_context(request_id="r-1"):
        logger.info("queued for a background destination")
    with request_context(request_id="r-2"):
        assert field(pipeline, capture.records[0]) == "r-1"


def test_nested_scope_adds_and_overrides_then_restores_the_outer_fields() -> None:
    with request_context(request_id="outer", user_id="u-7"):
        with request_context(request_id="inner", step="pay"):
            assert get_context() == {"request_id": "inner", "user_id": "u-7", "step": "pay"}
        assert get_context() == {"request_id": "outer", "user_id": "u-7"}


def test_scope_left_by_an_exception_restores_the_outer_fields() -> None:
    with request_context(request_id="outer"):
        with pytest.raises(RuntimeError), request_context(request_id="inner"):
            raise RuntimeError("handler failed")
        assert get_context() == {"request_id": "outer"}


def test_one_scope_object_can_be_entered_again_while_active() -> None:
    scope = request_context(request_id="r-1")
    with scope:
        with request_context(request_id="other"), scope:
            assert get_context() == {"request_id": "r-1"}
        assert get_context() == {"request_id": "r-1"}
    assert get_context() == {}


def test_decorated_function_runs_with_the_fields_bound() -> None:
    @request_context(job="nightly-report")
    def run(day: str) -> Mapping[str, Any]:
        """Build the report."""
        return {**get_context(), "day": day}

    assert run("2025-06-28") == {"job": "nightly-report", "day": "2025-06-28"}
    assert get_context() == {}
    assert (run.__name__, run.__doc__) == ("run", "Build the report.")


def test_decorated_function_that_raises_restores_the_context() -> None:
    @request_context(job="nightly-report")
    def run() -> None:
        raise RuntimeError("no data")

    with pytest.raises(RuntimeError):
        run()
    assert get_context() == {}


def test_decorated_coroutine_function_runs_with_the_fields_bound() -> None:
    @request_context(request_id="r-async")
    async def handle() -> Mapping[str, Any]:
        await asyncio.sleep(0)
        return dict(get_context())

    assert inspect.iscoroutinefunction(handle)
    assert asyncio.run(handle()) == {"request_id": "r-async"}
    assert get_context() == {}


# -- bind, unbind, clear, reset ----------------------------------------------------------------------------------


def test_bind_adds_fields_to_the_current_context() -> None:
    bind(request_id="r-1")
    bind(user_id="u-7")
    assert get_context() == {"request_id": "r-1", "user_id": "u-7"}


def test_unbind_removes_only_the_named_fields() -> None:
    bind(request_id="r-1", user_id="u-7", step="pay")
    unbind("user_id", "step", "not-bound")
    assert get_context() == {"request_id": "r-1"}


def test_clear_context_removes_every_field() -> None:
    bind(request_id="r-1")
    clear_context()
    assert get_context() == {}


def test_reset_context_restores_the_context_before_the_bind() -> None:
    bind(request_id="r-1")
    token = bind(request_id="r-2", user_id="u-7")
    reset_context(token)
    assert get_context() == {"request_id": "r-1"}


def test_context_cannot_be_changed_through_what_get_context_returns() -> None:
    bind(request_id="r-1")
    with pytest.raises(TypeError):
        get_context()["request_id"] = "forged"  # type: ignore[index]


# -- threads -----------------------------------------------------------------------------------------------------


def test_each_thread_has_its_own_fields(logger: logging.Logger, capture: Capture, pipeline: Pipeline) -> None:
    both_bound = threading.Barrier(2, timeout=WAIT)
    seen: dict[str, Mapping[str, Any]] = {}

    def serve(request_id: str) -> None:
        bind(request_id=request_id)
        both_bound.wait()
        seen[request_id] = get_context()
        logger.info("served", extra={"expected": request_id})

    threads = [threading.Thread(target=serve, args=(f"r-{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert seen == {"r-1": {"request_id": "r-1"}, "r-2": {"request_id": "r-2"}}
    assert sorted(field(pipeline, record) for record in capture.records) == ["r-1", "r-2"]
    assert all(field(pipeline, record) == record.expected for record in capture.records)  # type: ignore[attr-defined]


def test_new_thread_does_not_see_the_fields_of_the_thread_that_started_it() -> None:
    seen: list[Mapping[str, Any]] = []
    with request_context(request_id="main"):
        thread = threading.Thread(target=lambda: seen.append(get_context()))
        thread.start()
        thread.join(WAIT)
        assert get_context() == {"request_id": "main"}
    assert seen == [{}]


# -- asyncio tasks -----------------------------------------------------------------------------------------------


def test_concurrent_tasks_never_see_each_others_fields(
    logger: logging.Logger, capture: Capture, pipeline: Pipeline
) -> None:
    async def serve(request_id: str, mine: asyncio.Event, theirs: asyncio.Event) -> None:
        with request_context(request_id=request_id):
            mine.set()
            await theirs.wait()  # the other task is inside its own scope now
            for step in range(3):
                logger.info("step %d", step, extra={"expected": request_id})
                await asyncio.sleep(0)

    async def main() -> None:
        first, second = asyncio.Event(), asyncio.Event()
        await asyncio.wait_for(
            asyncio.gather(serve("r-1", first, second), serve("r-2", second, first)),
            WAIT,
        )

    asyncio.run(main())
    expected = [record.expected for record in capture.records]  # type: ignore[attr-defined]
    assert sorted(expected) == ["r-1"] * 3 + ["r-2"] * 3
    assert all(one != next_one for one, next_one in itertools.pairwise(expected))  # the tasks took turns
    assert [field(pipeline, record) for record in capture.records] == expected


def test_bind_inside_a_task_stays_in_that_task() -> None:
    async def worker(request_id: str, bound: asyncio.Event, checked: asyncio.Event) -> Mapping[str, Any]:
        bind(request_id=request_id)
        bound.set()
        await checked.wait()
        return get_context()

    async def main() -> tuple[Mapping[str, Any], ...]:
        bound, checked = asyncio.Event(), asyncio.Event()
        task = asyncio.create_task(worker("r-task", bound, checked))
        await bound.wait()
        in_parent = get_context()
        bind(request_id="r-parent")
        checked.set()
        return in_parent, await task

    in_parent, in_task = asyncio.run(main())
    assert in_parent == {}
    assert in_task == {"request_id": "r-task"}


def test_task_created_inside_a_scope_inherits_its_fields() -> None:
    async def child() -> Mapping[str, Any]:
        await asyncio.sleep(0)
        return get_context()

    async def main() -> Mapping[str, Any]:
        with request_context(request_id="r-parent", user_id="u-7"):
            task = asyncio.create_task(child())
        return await task  # awaited after the scope closed: the task kept what it inherited

    assert asyncio.run(main()) == {"request_id": "r-parent", "user_id": "u-7"}
