"""ast expressions -> typed plan expressions, for the rows of one relation."""

from __future__ import annotations

from collections.abc import Callable

from vigil.engine.insights import ast, values
from vigil.engine.insights.context import Context, Relation
from vigil.engine.insights.lexer import malformed
from vigil.engine.insights.plan import Kind, X, lit
from vigil.engine.insights.regexes import re2
from vigil.errors import ServiceError

_ARITHMETIC = {"+": "add", "-": "sub", "*": "mul", "/": "div", "%": "mod", "^": "pow"}
_COMPARISON = {"=": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}

Aggregator = Callable[["ExprCompiler", ast.Call], X]


class ExprCompiler:
    def __init__(self, context: Context, relation: Relation, text: str, aggregate: Aggregator | None = None) -> None:
        self.context = context
        self.relation = relation
        self.text = text
        self.aggregate = aggregate

    def error(self, node: ast.Node, message: str) -> ServiceError:
        return malformed(self.text, node.offset, f"{message}")

    def compile(self, expr: ast.Expr) -> X:
        if isinstance(expr, ast.FieldRef):
            return self.context.resolve(self.relation, expr.segments)
        if expr.text in self.relation.fields and self.aggregate is None:
            # A column named after its expression (`count(*)`, `strlen(@message)`) is that expression.
            return self.relation.fields[expr.text]
        if isinstance(expr, ast.StringLit):
            return lit(expr.value)
        if isinstance(expr, ast.NumberLit):
            return lit(expr.value)
        if isinstance(expr, ast.Unary):
            operand = self.compile(expr.operand)
            if expr.op == "not":
                return values.negate(values.condition(operand))
            return X("neg", (values.number(operand),), Kind.NUM)
        if isinstance(expr, ast.Binary):
            return self.binary(expr)
        if isinstance(expr, ast.Like):
            return self.like(expr)
        if isinstance(expr, ast.In):
            operand = self.compile(expr.operand)
            test = values.in_list(operand, [self.compile(item) for item in expr.items])
            return self.negated(operand, test) if expr.negated else test
        if isinstance(expr, ast.Call):
            return self.call(expr)
        if isinstance(expr, ast.Index):
            return self.index(expr)
        raise self.error(expr, f"'{expr.text}' is not allowed here")

    def condition(self, expr: ast.Expr) -> X:
        return values.condition(self.compile(expr))

    def binary(self, expr: ast.Binary) -> X:
        if expr.op in ("and", "or"):
            return values.boolean(expr.op, self.condition(expr.left), self.condition(expr.right))
        left, right = self.compile(expr.left), self.compile(expr.right)
        if expr.op in _COMPARISON:
            return values.compare(_COMPARISON[expr.op], left, right)
        return X(_ARITHMETIC[expr.op], (values.number(left), values.number(right)), Kind.NUM)

    def like(self, expr: ast.Like) -> X:
        operand = self.compile(expr.operand)
        subject = values.text(operand)
        if isinstance(expr.pattern, ast.RegexLit):
            test = values.boolean("regex", subject, lit(re2(expr.pattern.pattern)))
        else:
            assert isinstance(expr.pattern, ast.StringLit)
            test = values.boolean("contains", subject, lit(expr.pattern.value))
        return self.negated(operand, test) if expr.negated else test

    def negated(self, operand: X, test: X) -> X:
        """`not like` / `not in`: false when the operand is missing, as every comparison with it is."""
        return values.boolean("and", values.present(operand), values.negate(test))

    def index(self, expr: ast.Index) -> X:
        base = self.compile(expr.base)
        if base.kind is not Kind.JSON:
            base = X("jval_parse", (values.text(base),), Kind.JSON)
        if isinstance(expr.index, ast.NumberLit | ast.StringLit):
            key = expr.index.value
            if isinstance(key, float):
                if not key.is_integer():
                    raise self.error(expr.index, "a list index must be a whole number")
                key = int(key)
            return X("jval_get", (base,), Kind.JSON, (key,))
        return X("jval_index", (base, values.text(self.compile(expr.index))), Kind.JSON)

    def call(self, call: ast.Call) -> X:
        from vigil.engine.insights.builtins import SCALAR_BUILDERS

        builder = SCALAR_BUILDERS.get(call.name)
        if builder is not None:
            return builder(self, call)
        if self.aggregate is None:
            raise self.error(call, f"the aggregate function {call.name}() is only allowed in stats")
        return self.aggregate(self, call)
