"""A parsed query and its target -> a Plan: one stage per command that needs one, the result columns and
the order of the rows (docs/insights.md: default order, result columns, missing values)."""

from __future__ import annotations

from collections.abc import Sequence

from vigil.engine.insights import ast, sorting, values
from vigil.engine.insights.aggregates import aggregate
from vigil.engine.insights.context import EVENT_ID, MESSAGE, TIMESTAMP, Context, Relation
from vigil.engine.insights.expressions import ExprCompiler
from vigil.engine.insights.lexer import malformed
from vigil.engine.insights.plan import GroupWindow, Kind, OrderTerm, Output, Plan, Scan, Stage, X, col
from vigil.engine.insights.regexes import glob_regex, parse_regex
from vigil.engine.logs.limits import DAY_MS
from vigil.store.records import LogGroup

DEFAULT_FIELDS = ("@timestamp", "@message", "@logStream", "@log")
POINTER = "@ptr"
MATCHED = "__matched"
_SIMPLE = ("col", "null", "string", "number", "bool", "jfield_text", "jfield_isnum", "lambda_field")


def windows(groups: Sequence[LogGroup], start_ms: int, end_ms: int, now_ms: int) -> list[GroupWindow]:
    """Each group's events from the later of the query start and its retention cut-off."""
    by_start: dict[int, list[int]] = {}
    for group in groups:
        start = start_ms
        if group.retention_days is not None:
            start = max(start, now_ms - group.retention_days * DAY_MS)
        by_start.setdefault(start, []).append(group.id)
    return [GroupWindow(tuple(ids), start, end_ms) for start, ids in sorted(by_start.items()) if start <= end_ms]


class Planner:
    def __init__(
        self, query: ast.Query, groups: Sequence[LogGroup], *, start_ms: int, end_ms: int, limit: int, now_ms: int
    ) -> None:
        self.query = query
        self.limit = limit
        scan = Scan(
            windows=windows(groups, start_ms, end_ms, now_ms),
            group_logs={group.id: f"{group.account_id}:{group.name}" for group in groups},
        )
        self.context = Context(scan, now_ms=now_ms, start_ms=start_ms, end_ms=end_ms)
        newest_first = [OrderTerm(col(TIMESTAMP, Kind.NUM), True), OrderTerm(col(EVENT_ID, Kind.NUM), True)]
        self.relation = Relation(fields={}, events=True, order=newest_first)
        self.stages: list[Stage] = []
        self.shown: list[str] = []
        self.segments: dict[str, tuple[str, ...]] = {name: (name,) for name in DEFAULT_FIELDS}
        self.explicit = False  # fields, display or stats chose the columns
        self.counting = True  # rows are still the events that match (no stats, limit, dedup or unnest yet)
        self.matched_stage: int | None = None
        self.matched_column: str | None = None

    def compiler(self, *, aggregates: bool = False) -> ExprCompiler:
        return ExprCompiler(self.context, self.relation, self.query.text, aggregate if aggregates else None)

    def add(self, stage: Stage) -> Stage:
        self.stages.append(stage)
        return stage

    def materialize(self, stage: Stage, value: X) -> X:
        """``value`` as columns of ``stage``; a discovered value keeps its text and is-number apart."""
        if value.kind is Kind.DYN:
            text, is_number = self.context.column(), self.context.column()
            # A missing value is no number: grouping must not tell "missing" from "null" by this column.
            stage.columns += [(text, values.text(value)), (is_number, values.never_missing(values.is_number(value)))]
            return values.dyn(col(text, Kind.STR), col(is_number, Kind.BOOL))
        name = self.context.column()
        stage.columns.append((name, values.never_missing(value) if value.kind is Kind.BOOL else value))
        return col(name, value.kind)

    def show(self, names: Sequence[str], items: Sequence[ast.Item] = ()) -> None:
        for item in items:
            if isinstance(item.expr, ast.FieldRef) and item.alias is None:
                self.segments[item.name] = item.expr.segments
        for name in names:
            if name not in self.shown:
                self.shown.append(name)

    # ---- commands ------------------------------------------------------------------------------------

    def plan(self) -> Plan:
        for command in self.query.commands:
            getattr(self, f"on_{type(command).__name__.lower()}")(command)
        names = self.shown if self.explicit else [*DEFAULT_FIELDS, *self.shown]
        outputs = [
            Output(name, values.display(self.context.resolve(self.relation, self.segments.get(name, (name,)))))
            for name in dict.fromkeys(names)
            if name != POINTER
        ]
        return Plan(
            scan=self.context.scan,
            stages=self.stages,
            outputs=outputs,
            order=self.relation.order,
            limit=self.limit,
            events=self.relation.events,
            matched_stage=self.matched_stage,
            matched_column=self.matched_column,
            rows_are_matched=self.counting,
        )

    def define(self, items: Sequence[ast.Item]) -> None:
        for item in items:
            if isinstance(item.expr, ast.FieldRef) and item.alias is None:
                continue
            value = self.compiler().compile(item.expr)
            if value.op not in _SIMPLE and not (value.kind is Kind.DYN and value.args[0].op in _SIMPLE):
                value = self.materialize(self.add(Stage()), value)
            self.relation.fields[item.name] = value

    def on_fields(self, command: ast.Fields) -> None:
        self.define(command.items)
        self.show([item.name for item in command.items], command.items)
        self.explicit = True

    def on_display(self, command: ast.Display) -> None:
        self.define(command.items)
        self.shown = []
        self.show([item.name for item in command.items], command.items)
        self.explicit = True

    def on_filter(self, command: ast.Filter) -> None:
        self.add(Stage(where=self.compiler().condition(command.condition)))
        if self.counting:
            self.matched_stage = len(self.stages) - 1

    def on_stats(self, command: ast.Stats) -> None:
        stage = Stage(aggregate=True)
        fields: dict[str, X] = {}
        keys: list[X] = []
        for item in command.by:
            key = self.materialize(stage, self.compiler().compile(item.expr))
            fields[item.name] = key
            keys.append(key)
        for item in command.items:
            fields[item.name] = self.materialize(stage, self.compiler(aggregates=True).compile(item.expr))
        if self.matched_column is not None:
            carried = X("agg", (col(self.matched_column, Kind.NUM),), Kind.NUM, "max")
            stage.columns.append((self.matched_column, carried))
        elif self.counting and self.matched_stage is not None:
            self.matched_column = MATCHED
            stage.columns.append((MATCHED, X("matched_total", kind=Kind.NUM)))
        self.add(stage)
        order = [term for key in keys for term in sorting.order_by(key, False)]
        names = [item.name for item in (*command.by, *command.items)]
        self.relation = Relation(fields, events=False, order=order, stats_columns=names)
        self.shown = []
        self.show(names)
        self.explicit = True
        self.counting = False

    def on_sort(self, command: ast.Sort) -> None:
        terms = [
            term for key in command.keys for term in sorting.order_by(self.compiler().compile(key.expr), key.descending)
        ]
        # Ties keep the order the rows had.
        self.relation.order = terms + self.relation.order

    def on_limit(self, command: ast.Limit) -> None:
        if command is self.query.commands[-1]:
            # The last command only caps the result, as StartQuery's limit does: the rows are still the
            # matched events, and a query that returns them newest first can run in time slices.
            self.limit = min(self.limit, command.count)
            return
        self.add(Stage(order=list(self.relation.order), limit=command.count))
        self.counting = False

    def on_parse(self, command: ast.Parse) -> None:
        compiler = self.compiler()
        source = values.text(compiler.compile(command.source) if command.source else col(MESSAGE, Kind.STR))
        if command.regex:
            pattern, names = parse_regex(command.pattern)
            if not names:
                raise malformed(self.query.text, command.offset, "a parse regex needs named groups (?<name>...)")
        else:
            pattern, names = glob_regex(command.pattern), command.names
        stage = self.add(Stage())
        captured = self.materialize(stage, X("regex_struct", (source,), Kind.STR, (pattern, names)))
        for name in names:
            # A capture that took no text is absent, like a capture from an event that did not match.
            self.relation.fields[name] = X("nullif_empty", (X("struct_get", (captured,), Kind.STR, name),), Kind.STR)
        self.show(names)

    def on_dedup(self, command: ast.Dedup) -> None:
        keys = [sorting.partition_key(self.compiler().compile(field)) for field in command.fields]
        first = X("first_of_group", tuple(keys), Kind.BOOL, tuple(self.relation.order))
        # A missing value never counts as a duplicate.
        missing = [values.boolean("is_null", key) for key in keys]
        condition = first
        for test in missing:
            condition = values.boolean("or", condition, test)
        self.add(Stage(qualify=condition))
        self.counting = False

    def on_unnest(self, command: ast.Unnest) -> None:
        value = self.compiler().compile(command.expr)
        if value.kind is not Kind.JSON:
            value = X("jval_parse", (values.text(value),), Kind.JSON)
        stage = self.add(Stage())
        self.relation.fields[command.into] = self.materialize(stage, X("unnest", (value,), Kind.JSON))
        # The elements of one event keep their list order.
        position = self.materialize(stage, X("unnest_position", (value,), Kind.NUM))
        self.relation.order = [*self.relation.order, OrderTerm(position, False)]
        self.show([command.into])
        self.counting = False

    def on_unmask(self, command: ast.Unmask) -> None:
        """Vigil masks nothing, so there is nothing to unmask."""
