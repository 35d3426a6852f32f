"""Rules about a parsed query as a whole, checked before it runs so StartQuery itself refuses a bad query:
how many stats, what may follow dedup, where aggregates may appear, and the arguments functions need."""

from __future__ import annotations

from collections.abc import Iterator

from vigil.engine.insights import ast
from vigil.engine.insights.functions import AGGREGATES
from vigil.engine.insights.lexer import malformed
from vigil.errors import ServiceError

MAX_STATS = 2
MAX_CASE_BRANCHES = 10
_DURATION_ARG = {"bin": 0, "datefloor": 1, "dateceil": 1}


def check(query: ast.Query) -> None:
    Checker(query.text).check(query.commands)


def children(expr: ast.Expr) -> tuple[ast.Expr, ...]:
    if isinstance(expr, ast.Unary):
        return (expr.operand,)
    if isinstance(expr, ast.Binary):
        return (expr.left, expr.right)
    if isinstance(expr, ast.Like):
        return (expr.operand, expr.pattern)
    if isinstance(expr, ast.In):
        return (expr.operand, *expr.items)
    if isinstance(expr, ast.Call):
        return expr.args
    if isinstance(expr, ast.Index):
        return (expr.base, expr.index)
    if isinstance(expr, ast.ListLit):
        return expr.items
    return ()


def has_aggregate(expr: ast.Expr) -> bool:
    if isinstance(expr, ast.Call) and expr.name in AGGREGATES:
        return True
    return any(has_aggregate(child) for child in children(expr))


def _expressions(command: ast.Command) -> Iterator[tuple[ast.Expr, bool]]:
    """Each expression of ``command``, and whether aggregates belong in it (stats items)."""
    if isinstance(command, ast.Fields | ast.Display):
        for item in command.items:
            yield item.expr, False
    elif isinstance(command, ast.Filter):
        yield command.condition, False
    elif isinstance(command, ast.Stats):
        for item in command.items:
            yield item.expr, True
        for item in command.by:
            yield item.expr, False
    elif isinstance(command, ast.Sort):
        for key in command.keys:
            yield key.expr, False
    elif isinstance(command, ast.Dedup):
        for field in command.fields:
            yield field, False
    elif isinstance(command, ast.Unnest):
        yield command.expr, False
    elif isinstance(command, ast.Parse) and command.source is not None:
        yield command.source, False


class Checker:
    def __init__(self, text: str) -> None:
        self.text = text
        # Columns a stats made: later commands may name one by its text, `sort count(*)`.
        self.columns: set[str] = set()

    def fail(self, node: ast.Node, message: str) -> ServiceError:
        return malformed(self.text, node.offset, message)

    def check(self, commands: tuple[ast.Command, ...]) -> None:
        stats_seen = 0
        after_dedup = False
        between_stats: ast.Command | None = None
        for command in commands:
            if after_dedup and not isinstance(command, ast.Limit):
                raise self.fail(command, "only limit may follow dedup")
            if isinstance(command, ast.Stats):
                stats_seen += 1
                if stats_seen > MAX_STATS:
                    raise self.fail(command, f"a query may have at most {MAX_STATS} stats commands")
                if stats_seen == 2 and between_stats is not None:
                    raise self.fail(between_stats, "sort and limit must come after the second stats command")
            elif isinstance(command, ast.Sort | ast.Limit) and stats_seen == 1:
                between_stats = between_stats or command
            elif isinstance(command, ast.Dedup):
                after_dedup = True
            for expr, aggregates_allowed in _expressions(command):
                if aggregates_allowed and not has_aggregate(expr):
                    raise self.fail(expr, f"'{expr.text}' in stats must use an aggregate function such as count()")
                self.walk(expr, aggregates_allowed)
            if isinstance(command, ast.Stats):
                self.columns = {item.name for item in (*command.items, *command.by)}

    def walk(self, expr: ast.Expr, aggregates_allowed: bool) -> None:
        if not aggregates_allowed and expr.text in self.columns:
            return
        if isinstance(expr, ast.Duration):
            raise self.fail(
                expr, f"a duration such as {expr.text} is only allowed in bin(), datefloor() and dateceil()"
            )
        if isinstance(expr, ast.RegexLit):
            raise self.fail(expr, "a /regex/ is only allowed after like or =~ and in parse and regexReplace()")
        if isinstance(expr, ast.ListLit):
            raise self.fail(expr, "a [list] is only allowed after in")
        if isinstance(expr, ast.FieldRef) and aggregates_allowed:
            raise self.fail(expr, f"'{expr.text}' in stats must be inside an aggregate function or listed after by")
        if isinstance(expr, ast.Like):
            self.walk(expr.operand, aggregates_allowed)
        elif isinstance(expr, ast.In):
            for item in expr.items:
                if not isinstance(item, ast.StringLit | ast.NumberLit):
                    raise self.fail(item, "the values after in must be strings or numbers")
            self.walk(expr.operand, aggregates_allowed)
        elif isinstance(expr, ast.Call):
            self.call(expr, aggregates_allowed)
        else:
            for child in children(expr):
                self.walk(child, aggregates_allowed)

    def call(self, call: ast.Call, aggregates_allowed: bool) -> None:
        name = call.name
        args = list(call.args)
        if name in AGGREGATES:
            if not aggregates_allowed:
                raise self.fail(call, f"the aggregate function {name}() is only allowed in stats")
            for arg in args:
                if has_aggregate(arg):
                    raise self.fail(arg, "aggregate functions cannot be nested")
            if name == "pct":
                percent = args.pop()
                if not isinstance(percent, ast.NumberLit) or not 0 <= percent.value <= 100:
                    raise self.fail(percent, "pct() takes a percentile between 0 and 100 as its second argument")
            aggregates_allowed = False
        if name in _DURATION_ARG:
            position = _DURATION_ARG[name]
            period = args.pop(position)
            if not isinstance(period, ast.Duration) or period.amount < 1:
                which = "first" if position == 0 else "second"
                raise self.fail(period, f"{name}() takes a period such as 5m as its {which} argument")
        if name == "regexreplace" and isinstance(args[1], ast.RegexLit):
            del args[1]
        if name == "case" and len(args) > 2 * MAX_CASE_BRANCHES + 1:
            raise self.fail(call, f"case() takes at most {MAX_CASE_BRANCHES} conditions")
        for arg in args:
            self.walk(arg, aggregates_allowed)
