"""The CloudWatch handler's pure batching (``batches.py``) and its disk spool (``spool.py``).

Batching is where every PutLogEvents rule is applied, so these tests pin each rule at its exact edge; the
properties check that any input comes out as batches AWS would accept, with nothing lost, added or reordered.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vigil.sdk.shipping.batches import (
    TRUNCATION_MARK,
    WINDOW_MARGIN_MS,
    Event,
    batches,
    fit,
    prepare,
    within_window,
)
from vigil.sdk.shipping.limits import (
    EVENT_OVERHEAD_BYTES,
    MAX_AGE_MS,
    MAX_AHEAD_MS,
    MAX_BATCH_BYTES,
    MAX_BATCH_EVENTS,
    MAX_BATCH_SPAN_MS,
    MAX_EVENT_BYTES,
)
from vigil.sdk.shipping.spool import Spool

EXAMPLES = settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

NOW = 1_750_000_000_000  # a fixed "now" in epoch milliseconds: the pure functions take it as an argument
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS

# One, two, three and four UTF-8 bytes per character: cuts must never land inside the longer ones.
CHARACTERS = ("a", "é", "€", "𝄞")


def decodes(part: bytes) -> bool:
    try:
        part.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def cost(batch: list[Event]) -> int:
    return sum(len(message) + EVENT_OVERHEAD_BYTES for _, message in batch)


def sized(total: int, timestamp: int = NOW) -> Event:
    """An event that costs exactly ``total`` bytes in a batch."""
    return timestamp, b"x" * (total - EVENT_OVERHEAD_BYTES)


# -- fit ---------------------------------------------------------------------------------------------------------


def test_message_within_the_limit_is_left_alone() -> None:
    message = "é".encode() * 5
    assert fit(message, limit=10) == [message]


def test_split_never_cuts_a_multibyte_character_at_the_limit() -> None:
    message = "abcdefghi€€€".encode()  # the first € occupies bytes 9-11, across the cut at 10

    parts = fit(message, limit=10)

    assert parts == [b"abcdefghi", "€€€".encode()]
    assert [part.decode("utf-8") for part in parts] == ["abcdefghi", "€€€"]


def test_split_of_an_oversized_event_keeps_order_and_concatenates_to_the_original() -> None:
    # A four-byte character straddles each cut at the real limit.
    unit = "a" * (MAX_EVENT_BYTES - 2) + "𝄞"
    message = (unit * 2 + "end").encode()

    parts = fit(message)

    assert len(parts) == 3
    assert all(len(part) <= MAX_EVENT_BYTES for part in parts)
    assert all(decodes(part) for part in parts)
    assert b"".join(parts) == message


def test_truncate_keeps_a_prefix_marks_it_and_stays_within_the_limit() -> None:
    message = ("€" * 20).encode()

    (only,) = fit(message, policy="truncate", limit=20)

    assert only.endswith(TRUNCATION_MARK)
    assert len(only) <= 20
    kept = only[: -len(TRUNCATION_MARK)]
    assert message.startswith(kept)
    assert kept.decode("utf-8") == "€€"  # 8 bytes of room: two whole characters, not two and two thirds


def test_truncate_of_an_event_over_the_real_limit_gives_one_event_at_most_the_limit() -> None:
    message = "é".encode() * MAX_EVENT_BYTES

    (only,) = fit(message, policy="truncate")

    assert MAX_EVENT_BYTES - 4 <= len(only) <= MAX_EVENT_BYTES
    assert only.endswith(TRUNCATION_MARK)
    assert decodes(only)


text_messages = st.text(alphabet=st.sampled_from(CHARACTERS) | st.characters(), max_size=80).map(str.encode)


@EXAMPLES
@given(message=text_messages, limit=st.integers(min_value=4, max_value=40))
def test_split_parts_are_whole_characters_within_the_limit_and_rebuild_the_message(message: bytes, limit: int) -> None:
    parts = fit(message, limit=limit)

    assert b"".join(parts) == message
    assert all(len(part) <= limit for part in parts)
    assert all(decodes(part) for part in parts)
    assert len(parts) == 1 or all(parts)


@EXAMPLES
@given(message=text_messages, limit=st.integers(min_value=len(TRUNCATION_MARK) + 4, max_value=40))
def test_truncated_message_is_a_marked_prefix_of_whole_characters(message: bytes, limit: int) -> None:
    (only,) = fit(message, policy="truncate", limit=limit)

    assert len(only) <= limit
    assert decodes(only)
    if len(message) <= limit:
        assert only == message
    else:
        assert only.endswith(TRUNCATION_MARK)
        assert message.startswith(only[: -len(TRUNCATION_MARK)])


# -- within_window -----------------------------------------------------------------------------------------------


def test_timestamp_inside_the_window_is_kept() -> None:
    for timestamp in (NOW, NOW - 13 * DAY_MS, NOW + HOUR_MS):
        assert within_window(timestamp, NOW) == timestamp


def test_too_old_timestamp_moves_to_the_oldest_accepted_time_plus_the_margin() -> None:
    assert within_window(NOW - 20 * DAY_MS, NOW) == NOW - MAX_AGE_MS + WINDOW_MARGIN_MS


def test_too_new_timestamp_moves_to_the_newest_accepted_time_minus_the_margin() -> None:
    assert within_window(NOW + 5 * HOUR_MS, NOW) == NOW + MAX_AHEAD_MS - WINDOW_MARGIN_MS


def test_timestamps_accepted_by_aws_but_inside_the_margin_are_moved_clear_of_the_edge() -> None:
    one_minute = 60_000
    assert within_window(NOW - MAX_AGE_MS + one_minute, NOW) == NOW - MAX_AGE_MS + WINDOW_MARGIN_MS
    assert within_window(NOW + MAX_AHEAD_MS - one_minute, NOW) == NOW + MAX_AHEAD_MS - WINDOW_MARGIN_MS


# -- prepare -----------------------------------------------------------------------------------------------------


def test_prepare_sorts_by_time_and_keeps_logging_order_for_equal_times() -> None:
    events = [(NOW + 3, b"c"), (NOW + 1, b"a1"), (NOW + 2, b"b"), (NOW + 1, b"a2")]

    assert prepare(events, NOW) == [(NOW + 1, b"a1"), (NOW + 1, b"a2"), (NOW + 2, b"b"), (NOW + 3, b"c")]


def test_prepare_windows_before_sorting() -> None:
    events = [(NOW, b"now"), (NOW + 5 * HOUR_MS, b"future"), (NOW - 20 * DAY_MS, b"old")]

    assert prepare(events, NOW) == [
        (NOW - MAX_AGE_MS + WINDOW_MARGIN_MS, b"old"),
        (NOW, b"now"),
        (NOW + MAX_AHEAD_MS - WINDOW_MARGIN_MS, b"future"),
    ]


def test_prepare_keeps_the_parts_of_a_split_record_together_and_in_order() -> None:
    big = b"p" * MAX_EVENT_BYTES + b"q" * MAX_EVENT_BYTES + b"r"
    events = [(NOW, b"before"), (NOW, big), (NOW, b"after")]

    ready = prepare(events, NOW)

    assert [message[:1] for _, message in ready] == [b"b", b"p", b"q", b"r", b"a"]
    assert b"".join(message for _, message in ready[1:4]) == big


def test_prepare_truncates_with_the_truncate_policy() -> None:
    (event,) = prepare([(NOW, b"z" * (MAX_EVENT_BYTES + 1))], NOW, oversize="truncate")

    assert len(event[1]) <= MAX_EVENT_BYTES
    assert event[1].endswith(TRUNCATION_MARK)


# -- batches -----------------------------------------------------------------------------------------------------


def test_no_events_make_no_batches() -> None:
    assert list(batches([])) == []


def test_batch_is_cut_at_ten_thousand_events() -> None:
    events = [(NOW, b"m")] * (MAX_BATCH_EVENTS + 1)

    assert [len(batch) for batch in batches(events)] == [MAX_BATCH_EVENTS, 1]


def test_a_larger_max_events_cannot_raise_the_limit() -> None:
    events = [(NOW, b"m")] * (MAX_BATCH_EVENTS + 1)

    assert [len(batch) for batch in batches(events, max_events=50_000)] == [MAX_BATCH_EVENTS, 1]


def test_a_smaller_max_events_cuts_earlier() -> None:
    events = [(NOW, b"m")] * 5

    assert [len(batch) for batch in batches(events, max_events=2)] == [2, 2, 1]


def test_batch_exactly_at_the_byte_limit_is_one_batch() -> None:
    quarter = MAX_BATCH_BYTES // 4
    events = [sized(quarter)] * 4
    assert cost(events) == MAX_BATCH_BYTES

    assert list(batches(events)) == [events]


def test_one_byte_over_the_byte_limit_makes_two_batches() -> None:
    quarter = MAX_BATCH_BYTES // 4
    events = [sized(quarter)] * 3 + [sized(quarter + 1)]

    assert list(batches(events)) == [events[:3], events[3:]]


def test_the_26_byte_overhead_is_counted_for_every_event() -> None:
    # 1,048,576 bytes of messages alone would fit 2 events of 524,288 bytes; with the overhead they do not.
    events = [(NOW, b"x" * (MAX_BATCH_BYTES // 2))] * 2

    assert [len(batch) for batch in batches(events)] == [1, 1]


def test_an_event_of_the_largest_size_fills_a_batch_alone() -> None:
    events = [(NOW, b"a"), (NOW, b"x" * MAX_EVENT_BYTES), (NOW, b"b")]

    assert [len(batch) for batch in batches(events)] == [1, 1, 1]


def test_batch_spanning_just_under_24_hours_is_one_batch() -> None:
    events = [(NOW, b"first"), (NOW + MAX_BATCH_SPAN_MS - 1, b"last")]

    assert list(batches(events)) == [events]


def test_an_event_24_hours_after_the_first_of_its_batch_starts_a_new_batch() -> None:
    events = [(NOW, b"first"), (NOW + MAX_BATCH_SPAN_MS, b"next day")]

    assert list(batches(events)) == [events[:1], events[1:]]


def test_span_is_measured_from_the_first_event_of_each_batch() -> None:
    events = [(NOW + hours * HOUR_MS, f"{hours}h".encode()) for hours in (0, 20, 30, 40, 50)]

    assert [[message for _, message in batch] for batch in batches(events)] == [
        [b"0h", b"20h"],
        [b"30h", b"40h", b"50h"],
    ]


# -- the whole path, as properties -------------------------------------------------------------------------------


@st.composite
def records(draw: st.DrawFn) -> Event:
    """A record as the handler queues it: a time within a month of now, a message of 0 to 2.2 MB."""
    # Whole quarter-days often land exactly 24 hours apart (the span rule's edge); the other three draw too old,
    # accepted and too new times equally often.
    offset = draw(
        st.integers(min_value=-8, max_value=0).map(lambda n: n * DAY_MS // 4)
        | st.integers(min_value=-30 * DAY_MS, max_value=-MAX_AGE_MS)
        | st.integers(min_value=-MAX_AGE_MS, max_value=MAX_AHEAD_MS)
        | st.integers(min_value=MAX_AHEAD_MS, max_value=30 * DAY_MS)
    )
    timestamp = NOW + offset
    character = draw(st.sampled_from(CHARACTERS))
    length = draw(st.sampled_from([0, 1, 100, 100, 100, 300_000, 600_000, 1_100_000, 2_200_000]))
    return timestamp, (character * (length // len(character.encode()))).encode()


@settings(EXAMPLES, max_examples=100)
@given(
    events=st.lists(records(), max_size=12),
    max_events=st.integers(min_value=1, max_value=12) | st.sampled_from([MAX_BATCH_EVENTS, 50_000]),
    oversize=st.sampled_from(["split", "truncate"]),
)
def test_any_records_become_batches_that_obey_every_putlogevents_rule(
    events: list[Event], max_events: int, oversize: str
) -> None:
    for batch in batches(prepare(events, NOW, oversize), max_events):
        assert 1 <= len(batch) <= min(max_events, MAX_BATCH_EVENTS)
        assert cost(batch) <= MAX_BATCH_BYTES
        assert all(len(message) <= MAX_EVENT_BYTES and decodes(message) for _, message in batch)
        times = [timestamp for timestamp, _ in batch]
        assert times == sorted(times)
        assert times[-1] - times[0] < MAX_BATCH_SPAN_MS
        assert all(NOW - MAX_AGE_MS < timestamp < NOW + MAX_AHEAD_MS for timestamp in times)


@settings(EXAMPLES, max_examples=40)
@given(events=st.lists(records(), max_size=12), max_events=st.integers(min_value=1, max_value=20))
def test_batching_loses_adds_and_reorders_nothing(events: list[Event], max_events: int) -> None:
    sent = list(itertools.chain.from_iterable(batches(prepare(events, NOW), max_events)))

    # Per (windowed) time, the bytes sent are the records' bytes in logging order: split parts are consecutive.
    expected: dict[int, list[bytes]] = defaultdict(list)
    for timestamp, message in events:
        expected[within_window(timestamp, NOW)].append(message)
    received: dict[int, list[bytes]] = defaultdict(list)
    for timestamp, message in sent:
        received[timestamp].append(message)
    assert {time: b"".join(parts) for time, parts in received.items()} == {
        time: b"".join(parts) for time, parts in expected.items()
    }
    assert len(sent) == sum(len(fit(message)) for _, message in events)
    assert [timestamp for timestamp, _ in sent] == sorted(timestamp for timestamp, _ in sent)


# -- the spool ---------------------------------------------------------------------------------------------------

GROUP = "/app/orders"
STREAM = "web-1"


SpoolFactory = Callable[..., Spool]


@pytest.fixture
def spools(tmp_path: Path) -> Iterator[SpoolFactory]:
    """``spools()`` opens a Spool on one directory, as each process would; all are closed afterwards."""
    opened: list[Spool] = []

    def open_spool(max_bytes: int = 1 << 20, stream: str = STREAM) -> Spool:
        spool = Spool(tmp_path / "spool", GROUP, stream, max_bytes)
        opened.append(spool)
        return spool

    yield open_spool
    for spool in opened:
        spool.close()


def read_all(spool: Spool) -> list[Event]:
    """Everything the spool holds, oldest first, committing as a shipper does after each delivered batch."""
    events: list[Event] = []
    while (chunk := spool.read(MAX_BATCH_EVENTS, MAX_BATCH_BYTES)) is not None:
        path, offset, found = chunk
        events += found
        spool.commit(path, offset)
    return events


def spool_files(spool: Spool) -> list[str]:
    return sorted(path.name for path in spool.directory.iterdir()) if spool.directory.exists() else []


FIRST = [(NOW, "first é".encode()), (NOW + 1, "second €".encode()), (NOW + 2, 'third 𝄞 "quoted"\n'.encode())]
LATER = [(NOW + 3, b"fourth"), (NOW + 4, b"fifth")]


def test_spooled_records_read_back_in_order_and_are_gone_once_committed(spools: SpoolFactory) -> None:
    spool = spools()
    assert spool.append(FIRST) == len(FIRST)
    assert spool.append(LATER) == len(LATER)

    assert read_all(spool) == FIRST + LATER
    assert spool.read(MAX_BATCH_EVENTS, MAX_BATCH_BYTES) is None
    assert not spool.has_backlog()


def test_read_stops_at_max_events_and_max_bytes_and_resumes_after_commit(spools: SpoolFactory) -> None:
    spool = spools()
    spool.append(FIRST + LATER)

    path, offset, two = spool.read(2, MAX_BATCH_BYTES)
    assert two == FIRST[:2]
    spool.commit(path, offset)
    small = len(FIRST[2][1]) + EVENT_OVERHEAD_BYTES  # room for the third record only
    path, offset, one = spool.read(10, small)
    assert one == FIRST[2:]
    spool.commit(path, offset)

    assert read_all(spool) == LATER


def test_uncommitted_records_are_read_again(spools: SpoolFactory) -> None:
    spool = spools()
    spool.append(FIRST)

    _, _, attempt = spool.read(10, MAX_BATCH_BYTES)

    assert read_all(spool) == attempt == FIRST


def test_a_segment_held_by_a_live_process_is_not_replayed_by_another(spools: SpoolFactory) -> None:
    writer = spools()
    writer.append(FIRST)

    other = spools()

    assert not other.has_backlog()
    assert other.read(10, MAX_BATCH_BYTES) is None


def test_a_new_process_replays_what_the_last_one_left_after_close(spools: SpoolFactory) -> None:
    first = spools()
    first.append(FIRST)
    first.append(LATER)
    first.close()

    second = spools()

    assert second.has_backlog()
    assert read_all(second) == FIRST + LATER


def test_a_new_process_resumes_after_what_the_last_one_committed(spools: SpoolFactory) -> None:
    first = spools()
    first.append(FIRST + LATER)
    path, offset, _ = first.read(3, MAX_BATCH_BYTES)
    first.commit(path, offset)
    first.close()

    assert read_all(spools()) == LATER


def test_a_half_written_last_line_is_ignored(spools: SpoolFactory) -> None:
    first = spools()
    first.append(FIRST)
    first.close()
    (segment,) = first.directory.glob("*.spool")
    with segment.open("ab") as crashed:
        crashed.write(b'[1750000000009,"cut off by a cra')

    assert read_all(spools()) == FIRST


def test_a_damaged_line_is_skipped_and_the_rest_still_replays(spools: SpoolFactory) -> None:
    first = spools()
    first.append(FIRST[:1])
    (segment,) = first.directory.glob("*.spool")
    with segment.open("ab") as damaged:
        damaged.write(b"\x00\x13 not a record\n")
    first.append(FIRST[1:])
    first.close()

    assert read_all(spools()) == FIRST


def test_max_bytes_makes_append_return_how_many_fitted_so_the_caller_can_count_drops(spools: SpoolFactory) -> None:
    line = len(b'[1750000000000,"x"]\n')
    spool = spools(max_bytes=2 * line)
    events = [(NOW, b"x")] * 5

    written = spool.append(events)

    assert written == 2
    assert len(events) - written == 3  # what the shipper counts as dropped
    assert read_all(spool) == events[:2]


def test_a_full_spool_refuses_everything_until_records_are_replayed(spools: SpoolFactory) -> None:
    line = len(b'[1750000000000,"x"]\n')
    spool = spools(max_bytes=2 * line)
    spool.append([(NOW, b"x")] * 2)

    assert spool.append([(NOW, b"x")]) == 0
    read_all(spool)
    assert spool.append([(NOW, b"x")] * 3) == 2


def test_max_bytes_counts_what_a_previous_process_left(spools: SpoolFactory) -> None:
    line = len(b'[1750000000000,"x"]\n')
    first = spools(max_bytes=2 * line)
    first.append([(NOW, b"x")])
    first.close()

    assert spools(max_bytes=2 * line).append([(NOW, b"x")] * 3) == 1


def test_replaying_the_last_record_of_a_left_segment_removes_its_files(spools: SpoolFactory) -> None:
    first = spools()
    first.append(FIRST)
    first.close()
    second = spools()

    read_all(second)

    assert spool_files(second) == []


def test_closing_after_everything_is_replayed_removes_the_segment_files(spools: SpoolFactory) -> None:
    spool = spools()
    spool.append(FIRST)
    read_all(spool)

    spool.close()

    assert spool_files(spool) == []


def test_each_stream_has_its_own_spool(spools: SpoolFactory) -> None:
    web = spools(stream="web-1")
    web.append(FIRST)
    web.close()

    assert read_all(spools(stream="web-2")) == []
    assert read_all(spools(stream="web-1")) == FIRST
