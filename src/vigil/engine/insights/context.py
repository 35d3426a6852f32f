"""What the planner knows while it walks the commands: the scan it is building, the fields of the
current rows, and where each name comes from (system fields, Lambda fields, JSON discovery)."""

from __future__ import annotations

from dataclasses import dataclass, field

from vigil.engine.insights import values
from vigil.engine.insights.plan import NULL, Kind, OrderTerm, Scan, X, col

# Columns every event row carries from the scan.
GROUP_ID, STREAM_ID, EVENT_ID, TIMESTAMP, INGESTION_TIME, MESSAGE, STREAM_NAME = (
    "__gid",
    "__sid",
    "__eid",
    "__ts",
    "__it",
    "__msg",
    "__stream",
)

# Lambda platform lines (START / END / REPORT RequestId: …): field -> (kind, scale to apply to the number).
LAMBDA_FIELDS: dict[str, tuple[Kind, float]] = {
    "@type": (Kind.STR, 1),
    "@requestId": (Kind.STR, 1),
    "@duration": (Kind.NUM, 1),
    "@billedDuration": (Kind.NUM, 1),
    "@initDuration": (Kind.NUM, 1),
    # Insights reports memory in bytes (its own sample query divides by 1000 twice to get MB).
    "@memorySize": (Kind.NUM, 1_000_000),
    "@maxMemoryUsed": (Kind.NUM, 1_000_000),
    "@xrayTraceId": (Kind.STR, 1),
    "@xraySegmentId": (Kind.STR, 1),
}


@dataclass
class Relation:
    """The rows between two commands: their named fields and their current order."""

    fields: dict[str, X]
    events: bool  # rows are log events (system fields, discovery, @ptr), not stats groups
    order: list[OrderTerm]
    stats_columns: list[str] = field(default_factory=list)  # names a stats produced, for `count` -> `count()`


class Context:
    def __init__(self, scan: Scan, *, now_ms: int, start_ms: int, end_ms: int) -> None:
        self.scan = scan
        self.now_ms = now_ms
        self.start_ms = start_ms
        self.end_ms = end_ms
        self._counter = 0

    def column(self, prefix: str = "c") -> str:
        self._counter += 1
        return f"{prefix}{self._counter}"

    def resolve(self, relation: Relation, segments: tuple[str, ...]) -> X:
        name = ".".join(segments)
        if name in relation.fields:
            return relation.fields[name]
        for cut in range(len(segments) - 1, 0, -1):
            prefix = relation.fields.get(".".join(segments[:cut]))
            if prefix is not None and prefix.kind is Kind.JSON:
                return X("jval_get", (prefix,), Kind.JSON, _json_path(segments[cut:]))
        if relation.events:
            return self._event_field(name, segments)
        return self._stats_column(relation, name)

    def _event_field(self, name: str, segments: tuple[str, ...]) -> X:
        system = {
            "@timestamp": col(TIMESTAMP, Kind.TIME),
            "@ingestionTime": col(INGESTION_TIME, Kind.TIME),
            "@message": col(MESSAGE, Kind.STR),
        }
        if name in system:
            return system[name]
        if name == "@logStream":
            self.scan.stream_names = True
            return col(STREAM_NAME, Kind.STR)
        if name == "@log":
            return X("group_log", (col(GROUP_ID, Kind.NUM),), Kind.STR)
        if name in LAMBDA_FIELDS:
            self.scan.lambda_fields = True
            kind, scale = LAMBDA_FIELDS[name]
            raw = X("lambda_field", kind=Kind.STR, value=name[1:])
            if kind is Kind.NUM:
                number = X("to_num", (raw,), Kind.NUM)
                return number if scale == 1 else X("mul", (number, X("number", kind=Kind.NUM, value=scale)), Kind.NUM)
            return raw
        first = segments[0]
        if first.startswith("@"):
            # Discovered names that start with `@` get one more; any other `@name` is no field at all.
            if not first.startswith("@@"):
                return NULL
            segments = (first[1:], *segments[1:])
        return self.json_field(_json_path(segments))

    def json_field(self, path: tuple[str | int, ...]) -> X:
        paths = self.scan.json_paths
        if path not in paths:
            paths.append(path)
        index = paths.index(path)
        return values.dyn(X("jfield_text", kind=Kind.STR, value=index), X("jfield_isnum", kind=Kind.BOOL, value=index))

    def _stats_column(self, relation: Relation, name: str) -> X:
        """After stats, a bare function name such as `count` means the one column named `count(...)`."""
        prefix = name.lower() + "("
        matches = [column for column in relation.stats_columns if column.lower().startswith(prefix)]
        if len(matches) == 1:
            return relation.fields[matches[0]]
        return NULL


def _json_path(segments: tuple[str, ...]) -> tuple[str | int, ...]:
    """Dotted discovery names number array elements from 0: `a.items.0.id`."""
    return tuple(int(segment) if segment.isdigit() else segment for segment in segments)
