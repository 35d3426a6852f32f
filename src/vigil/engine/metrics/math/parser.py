"""Tokens -> expression tree, by precedence climbing.

From loosest to tightest: ``OR`` / ``||``; ``AND`` / ``&&``; ``NOT``; comparisons (``== != < <= > >=``);
``+ -``; ``* /``; unary minus; ``^`` (right-associative, so ``-2^2`` is -4 and ``2^3^2`` is 512).
Function names are upper case (AWS requires it) and query Ids start with a lower-case letter, so a name's
case says which it is.
"""

from __future__ import annotations

from vigil.engine.metrics.math.ast import ArrayOf, Binary, Call, Keyword, Node, Number, Ref, String, Unary, children
from vigil.engine.metrics.math.lexer import Token, syntax_error, tokenize

_COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
# Parentheses, brackets, calls and prefix operators parse recursively, and the tree is evaluated recursively:
# both are bounded so that no expression (up to 2,048 characters) can exhaust the stack.
MAX_NESTING = 40
MAX_DEPTH = 400
_LOGICAL = {"OR": "OR", "||": "OR", "AND": "AND", "&&": "AND"}


def parse(text: str, query_id: str) -> Node:
    tree = _Parser(tokenize(text, query_id), query_id).expression()
    deepest, pending = 0, [(tree, 1)]
    while pending:
        node, depth = pending.pop()
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in children(node))
    if deepest > MAX_DEPTH:
        raise syntax_error(query_id, 1, f"the expression is more than {MAX_DEPTH} operations deep")
    return tree


class _Parser:
    def __init__(self, tokens: list[Token], query_id: str) -> None:
        self._tokens = tokens
        self._index = 0
        self._id = query_id
        self._nesting = 0

    def expression(self) -> Node:
        if self._peek().kind == "end":
            raise syntax_error(self._id, self._peek().position, "the expression is empty")
        node = self._or()
        token = self._peek()
        if token.kind != "end":
            raise syntax_error(self._id, token.position, f"unexpected {_describe(token)}")
        return node

    def _peek(self) -> Token:
        return self._tokens[self._index]

    def _nested(self, token: Token) -> None:
        self._nesting += 1
        if self._nesting > MAX_NESTING:
            raise syntax_error(self._id, token.position, f"more than {MAX_NESTING} levels of nesting")

    def _next(self) -> Token:
        token = self._tokens[self._index]
        self._index += 1
        return token

    def _is(self, *texts: str) -> bool:
        token = self._peek()
        return token.kind in ("op", "name") and token.text in texts

    def _expect(self, text: str) -> Token:
        token = self._next()
        if token.kind != "op" or token.text != text:
            raise syntax_error(self._id, token.position, f"expected {text!r} but found {_describe(token)}")
        return token

    def _or(self) -> Node:
        node = self._and()
        while self._is("OR", "||"):
            token = self._next()
            node = Binary("OR", node, self._and(), token.position)
        return node

    def _and(self) -> Node:
        node = self._not()
        while self._is("AND", "&&"):
            token = self._next()
            node = Binary("AND", node, self._not(), token.position)
        return node

    def _not(self) -> Node:
        if self._is("NOT"):
            token = self._next()
            self._nested(token)
            node = Unary("NOT", self._not(), token.position)
            self._nesting -= 1
            return node
        return self._comparison()

    def _comparison(self) -> Node:
        node = self._sum()
        while self._peek().kind == "op" and self._peek().text in _COMPARISONS:
            token = self._next()
            node = Binary(token.text, node, self._sum(), token.position)
        return node

    def _sum(self) -> Node:
        node = self._product()
        while self._peek().kind == "op" and self._peek().text in ("+", "-"):
            token = self._next()
            node = Binary(token.text, node, self._product(), token.position)
        return node

    def _product(self) -> Node:
        node = self._unary()
        while self._peek().kind == "op" and self._peek().text in ("*", "/"):
            token = self._next()
            node = Binary(token.text, node, self._unary(), token.position)
        return node

    def _unary(self) -> Node:
        if self._peek().kind == "op" and self._peek().text in ("-", "+"):
            token = self._next()
            self._nested(token)
            node = Unary(token.text, self._unary(), token.position)
            self._nesting -= 1
            return node
        return self._power()

    def _power(self) -> Node:
        node = self._primary()
        if self._peek().kind == "op" and self._peek().text == "^":
            token = self._next()
            return Binary("^", node, self._unary(), token.position)
        return node

    def _primary(self) -> Node:
        token = self._next()
        if token.kind in ("op", "name"):
            self._nested(token)
        node = self._primary_after(token)
        if token.kind in ("op", "name"):
            self._nesting -= 1
        return node

    def _primary_after(self, token: Token) -> Node:
        if token.kind == "number":
            return Number(float(token.text), token.position)
        if token.kind == "string":
            return String(token.text, token.position)
        if token.kind == "op" and token.text == "(":
            node = self._or()
            self._expect(")")
            return node
        if token.kind == "op" and token.text == "[":
            return ArrayOf(self._list("]"), token.position)
        if token.kind == "name":
            return self._name(token)
        raise syntax_error(self._id, token.position, f"unexpected {_describe(token)}")

    def _name(self, token: Token) -> Node:
        if token.text in _LOGICAL or token.text == "NOT":
            raise syntax_error(self._id, token.position, f"unexpected {_describe(token)}")
        if self._is("("):
            if not token.text.isupper():
                raise syntax_error(self._id, token.position, f"function names are upper case: {token.text}")
            self._next()
            return Call(token.text, self._list(")"), token.position)
        if token.text[0].islower():
            return Ref(token.text, token.position)
        if token.text.isupper():
            return Keyword(token.text, token.position)
        raise syntax_error(self._id, token.position, f"{token.text} is neither a query Id nor a function")

    def _list(self, closing: str) -> tuple[Node, ...]:
        items: list[Node] = []
        if self._is(closing):
            self._next()
            return ()
        while True:
            items.append(self._or())
            if self._is(","):
                self._next()
                continue
            self._expect(closing)
            return tuple(items)


def _describe(token: Token) -> str:
    if token.kind == "end":
        return "end of expression"
    if token.kind == "string":
        return f"the string {token.text!r}"
    return repr(token.text)
