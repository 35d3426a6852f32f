"""Expressions of the Insights language, by precedence:

    or < and < not < comparisons, like, =~, in < + - < * / % < unary minus < ^

The token helpers here are shared with the command parser (parser.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from vigil.engine.insights import ast
from vigil.engine.insights.functions import FUNCTIONS, arity_text
from vigil.engine.insights.lexer import Lexer, T, Token, malformed
from vigil.errors import ServiceError

_COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")
Parsed = TypeVar("Parsed")


class ExpressionParser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.lexer = Lexer(text)
        self.offset = 0

    # ---- tokens --------------------------------------------------------------------------------------

    def peek(self, *, operand: bool = False) -> Token:
        return self.lexer.token(self.offset, operand=operand)

    def take(self, *, operand: bool = False) -> Token:
        token = self.peek(operand=operand)
        self.offset = token.end
        return token

    def error(self, token: Token, expected: str) -> ServiceError:
        found = "the end of the query" if token.type is T.END else repr(token.text)
        return malformed(self.text, token.start, f"expected {expected}, found {found}")

    def expect_op(self, op: str) -> Token:
        token = self.take()
        if not token.is_op(op):
            raise self.error(token, f"'{op}'")
        return token

    def accept_op(self, op: str) -> bool:
        if self.peek().is_op(op):
            self.take()
            return True
        return False

    def accept_word(self, *words: str) -> Token | None:
        token = self.peek()
        if token.is_word(*words):
            return self.take()
        return None

    def comma_list(self, parse_one: Callable[[], Parsed]) -> list[Parsed]:
        found = [parse_one()]
        while self.accept_op(","):
            found.append(parse_one())
        return found

    def node_text(self, start: int) -> str:
        return self.text[self.lexer.skip(start) : self.offset].strip()

    # ---- expressions ---------------------------------------------------------------------------------

    def expr(self) -> ast.Expr:
        return self.or_expr()

    def binary_level(self, words: tuple[str, ...], operand: Callable[[], ast.Expr]) -> ast.Expr:
        start = self.offset
        left = operand()
        while (token := self.accept_word(*words)) is not None:
            right = operand()
            left = ast.Binary(token.text.lower(), left, right, text=self.node_text(start), offset=left.offset)
        return left

    def or_expr(self) -> ast.Expr:
        return self.binary_level(("or",), self.and_expr)

    def and_expr(self) -> ast.Expr:
        return self.binary_level(("and",), self.not_expr)

    def not_expr(self) -> ast.Expr:
        token = self.peek()
        if token.is_word("not"):
            self.take()
            operand = self.not_expr()
            return ast.Unary("not", operand, text=self.node_text(token.start), offset=token.start)
        return self.comparison()

    def comparison(self) -> ast.Expr:
        start = self.offset
        left = self.additive()
        token = self.peek()
        if token.type is T.OP and token.text in _COMPARISONS:
            self.take()
            right = self.additive()
            return ast.Binary(token.text, left, right, text=self.node_text(start), offset=left.offset)
        negated = False
        if token.is_word("not"):
            after = self.lexer.token(token.end, operand=False)
            if not after.is_word("like", "in"):
                return left
            self.take()
            negated = True
            token = self.peek()
        if token.is_word("like") or token.is_op("=~"):
            self.take()
            pattern = self.take(operand=True)
            if pattern.type not in (T.STRING, T.REGEX) or (token.is_op("=~") and pattern.type is not T.REGEX):
                raise self.error(pattern, "a /regex/" if token.is_op("=~") else 'a "string" or a /regex/')
            assert isinstance(pattern.value, str)
            literal: ast.Expr = (
                ast.RegexLit(pattern.value, text=pattern.text, offset=pattern.start)
                if pattern.type is T.REGEX
                else ast.StringLit(pattern.value, text=pattern.text, offset=pattern.start)
            )
            return ast.Like(left, literal, negated, text=self.node_text(start), offset=left.offset)
        if token.is_word("in"):
            self.take()
            items = self.list_literal()
            return ast.In(left, items.items, negated, text=self.node_text(start), offset=left.offset)
        return left

    def additive(self) -> ast.Expr:
        return self.arithmetic(("+", "-"), self.multiplicative)

    def multiplicative(self) -> ast.Expr:
        return self.arithmetic(("*", "/", "%"), self.unary)

    def arithmetic(self, ops: tuple[str, ...], operand: Callable[[], ast.Expr]) -> ast.Expr:
        start = self.offset
        left = operand()
        while (token := self.peek()).type is T.OP and token.text in ops:
            self.take()
            right = operand()
            left = ast.Binary(token.text, left, right, text=self.node_text(start), offset=left.offset)
        return left

    def unary(self) -> ast.Expr:
        token = self.peek(operand=True)
        if token.is_op("-"):
            self.take(operand=True)
            operand = self.unary()
            if isinstance(operand, ast.NumberLit):
                return ast.NumberLit(-operand.value, text=self.node_text(token.start), offset=token.start)
            return ast.Unary("-", operand, text=self.node_text(token.start), offset=token.start)
        return self.power()

    def power(self) -> ast.Expr:
        start = self.offset
        base = self.postfix()
        if self.peek().is_op("^"):
            self.take()
            exponent = self.unary()
            return ast.Binary("^", base, exponent, text=self.node_text(start), offset=base.offset)
        return base

    def postfix(self) -> ast.Expr:
        start = self.offset
        expr = self.primary()
        while (token := self.peek()).is_op("[", "."):
            self.take()
            if token.is_op("["):
                index = self.expr()
                self.expect_op("]")
                expr = ast.Index(expr, index, text=self.node_text(start), offset=expr.offset)
                continue
            name = self.take()
            if name.type is not T.IDENT:
                raise self.error(name, "an attribute name")
            assert isinstance(name.value, tuple)
            for segment in name.value:
                key = ast.StringLit(segment, text=segment, offset=name.start)
                expr = ast.Index(expr, key, text=self.node_text(start), offset=expr.offset)
        return expr

    def primary(self) -> ast.Expr:
        token = self.take(operand=True)
        start = token.start
        if token.type is T.NUMBER:
            assert isinstance(token.value, int | float)
            return ast.NumberLit(token.value, text=token.text, offset=start)
        if token.type is T.STRING:
            assert isinstance(token.value, str)
            return ast.StringLit(token.value, text=token.text, offset=start)
        if token.type is T.REGEX:
            assert isinstance(token.value, str)
            return ast.RegexLit(token.value, text=token.text, offset=start)
        if token.type is T.DURATION:
            amount, unit = token.duration()
            return ast.Duration(amount, unit, text=token.text, offset=start)
        if token.is_op("("):
            inner = self.expr()
            self.expect_op(")")
            return inner
        if token.is_op("["):
            self.offset = start
            return self.list_literal()
        if token.type is T.IDENT:
            assert isinstance(token.value, tuple)
            if self.peek().is_op("(") and len(token.value) == 1 and not token.text.startswith("`"):
                return self.call(token)
            return ast.FieldRef(token.value, text=token.text, offset=start)
        raise self.error(token, "a field name, a value or '('")

    def list_literal(self) -> ast.ListLit:
        open_token = self.take()
        if not open_token.is_op("["):
            raise self.error(open_token, "'[' and a list of values")
        items: list[ast.Expr] = []
        if not self.accept_op("]"):
            items.extend(self.comma_list(self.expr))
            self.expect_op("]")
        return ast.ListLit(tuple(items), text=self.node_text(open_token.start), offset=open_token.start)

    def call(self, name_token: Token) -> ast.Call:
        name = name_token.text.lower()
        signature = FUNCTIONS.get(name)
        if signature is None:
            raise malformed(self.text, name_token.start, f"unknown function '{name_token.text}'")
        self.expect_op("(")
        args: list[ast.Expr] = []
        star = False
        if self.peek(operand=True).is_op("*") and name == "count":
            self.take(operand=True)
            star = True
            self.expect_op(")")
        elif not self.accept_op(")"):
            args.extend(self.comma_list(self.expr))
            closing = self.take()
            if not closing.is_op(")"):
                raise self.error(closing, "',' or ')'")
        count = len(args)
        if count < signature.min_args or (signature.max_args is not None and count > signature.max_args):
            raise malformed(
                self.text,
                name_token.start,
                f"{name_token.text}() takes {arity_text(signature)}, not {count}",
            )
        return ast.Call(name, tuple(args), star, text=self.node_text(name_token.start), offset=name_token.start)
