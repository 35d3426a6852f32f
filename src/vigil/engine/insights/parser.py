"""Query text -> ast.Query: commands separated by `|` (expressions are parsed by expression_parser.py).

Keywords and function names are case-insensitive. Errors name the line and column, what was expected and
what was found. Checks that need the whole query (how many stats, what follows dedup) live in checks.py.
"""

from __future__ import annotations

from vigil.engine.insights import ast
from vigil.engine.insights.expression_parser import ExpressionParser
from vigil.engine.insights.lexer import T, malformed

_UNSUPPORTED = ("pattern", "diff", "anomaly", "lookup", "join", "addtotals", "logcompare")
_SOURCE_KEYS = {"nameprefix": "name_prefixes", "accountidentifiers": "account_ids", "class": "classes"}
_OFFSET_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 7 * 86_400_000}


class Parser(ExpressionParser):
    # ---- query ---------------------------------------------------------------------------------------

    def query(self) -> ast.Query:
        commands: list[ast.Command] = []
        source: ast.SourceCommand | None = None
        first = True
        # The API allows an empty query string (or one of comments only): it asks for no command at all.
        while self.peek().type is not T.END:
            token = self.peek()
            if token.is_word("source"):
                if not first:
                    raise malformed(self.text, token.start, "SOURCE must be the first command")
                source = self.source()
            else:
                commands.append(self.command())
            first = False
            token = self.take()
            if token.type is T.END:
                break
            if not token.is_op("|"):
                raise self.error(token, "'|' or the end of the query")
            if self.peek().type is T.END:
                raise self.error(self.peek(), "a command")
        return ast.Query(tuple(commands), source, text=self.text)

    def command(self) -> ast.Command:
        token = self.take()
        if token.type is not T.IDENT:
            raise self.error(token, "a command")
        word = token.text.lower()
        start = token.start
        command: ast.Command
        if word == "fields":
            command = ast.Fields(self.items(), offset=start)
        elif word == "display":
            command = ast.Display(self.items(), offset=start)
        elif word in ("filter", "where", "filterindex"):
            command = ast.Filter(self.expr(), word, offset=start)
        elif word == "stats":
            command = self.stats(start)
        elif word == "sort":
            command = self.sort(start)
        elif word == "limit":
            command = self.limit(start)
        elif word == "parse":
            command = self.parse(start)
        elif word == "dedup":
            command = ast.Dedup(tuple(self.comma_list(self.expr)), offset=start)
        elif word == "unnest":
            expr = self.expr()
            if not self.accept_word("into"):
                raise self.error(self.peek(), "'into'")
            command = ast.Unnest(expr, self.name(), offset=start)
        elif word == "unmask":
            command = ast.Unmask(offset=start)
        elif word in _UNSUPPORTED:
            raise malformed(self.text, start, f"the {word} command is not supported yet")
        else:
            raise self.error(token, "a command (fields, display, filter, stats, sort, limit, parse, dedup, unnest)")
        return command

    # ---- commands ------------------------------------------------------------------------------------

    def items(self) -> tuple[ast.Item, ...]:
        def item() -> ast.Item:
            start = self.offset
            expr = self.expr()
            alias = self.name() if self.accept_word("as") else None
            return ast.Item(expr, alias, text=self.node_text(start), offset=expr.offset)

        return tuple(self.comma_list(item))

    def name(self) -> str:
        token = self.take()
        if token.type is not T.IDENT:
            raise self.error(token, "a field name")
        assert isinstance(token.value, tuple)
        return ".".join(token.value)

    def stats(self, start: int) -> ast.Stats:
        items: list[ast.Item] = []
        by: list[ast.Item] = []
        items.extend(self.items())
        if self.accept_word("by"):
            by.extend(self.items())
        return ast.Stats(tuple(items), tuple(by), offset=start)

    def sort(self, start: int) -> ast.Sort:
        def key() -> ast.SortKey:
            expr = self.expr()
            descending = False
            direction = self.accept_word("asc", "desc")
            if direction is not None:
                descending = direction.text.lower() == "desc"
            return ast.SortKey(expr, descending, offset=expr.offset)

        return ast.Sort(tuple(self.comma_list(key)), offset=start)

    def limit(self, start: int) -> ast.Limit:
        any_rows = self.accept_word("any") is not None
        token = self.take()
        if token.type is not T.NUMBER or not isinstance(token.value, int) or token.value < 1:
            raise self.error(token, "a positive whole number")
        return ast.Limit(token.value, any_rows, offset=start)

    def parse(self, start: int) -> ast.Parse:
        source: ast.Expr | None = None
        token = self.peek(operand=True)
        if token.type not in (T.STRING, T.REGEX):
            source = self.postfix()
            token = self.peek(operand=True)
        if token.type not in (T.STRING, T.REGEX):
            raise self.error(token, 'a "glob" pattern or a /regex/')
        self.take(operand=True)
        assert isinstance(token.value, str)
        if token.type is T.REGEX:
            return ast.Parse(source, token.value, True, (), offset=start)
        if not self.accept_word("as"):
            raise self.error(self.peek(), "'as' and the names the '*'s capture into")
        names = tuple(self.comma_list(self.name))
        stars = token.value.count("*")
        if stars != len(names):
            raise malformed(self.text, token.start, f"the pattern has {stars} '*' but {len(names)} names follow")
        return ast.Parse(source, token.value, False, names, offset=start)

    def source(self) -> ast.SourceCommand:
        start = self.take().start
        token = self.take()
        if not token.is_word("loggroups"):
            raise self.error(token, "logGroups(...)")
        self.expect_op("(")
        found: dict[str, tuple[str, ...]] = {}
        if not self.accept_op(")"):
            while True:
                key = self.take()
                attribute = _SOURCE_KEYS.get(key.text.lower()) if key.type is T.IDENT else None
                if attribute is None:
                    raise self.error(key, "namePrefix, accountIdentifiers or class")
                self.expect_op(":")
                found[attribute] = self.string_list()
                if self.accept_op(")"):
                    break
                self.expect_op(",")
        offsets: dict[str, int] = {}
        while (word := self.accept_word("start", "end")) is not None:
            self.expect_op("=")
            offsets[word.text.lower()] = self.offset_ms()
        return ast.SourceCommand(
            **found, start_offset_ms=offsets.get("start"), end_offset_ms=offsets.get("end"), offset=start
        )

    def string_list(self) -> tuple[str, ...]:
        self.expect_op("[")
        values: list[str] = []
        if self.accept_op("]"):
            return ()
        while True:
            token = self.take()
            if token.type is not T.STRING:
                raise self.error(token, "a quoted string")
            assert isinstance(token.value, str)
            values.append(token.value)
            if self.accept_op("]"):
                return tuple(values)
            self.expect_op(",")

    def offset_ms(self) -> int:
        sign = -1 if self.accept_op("-") else 1
        token = self.take()
        if token.type is not T.DURATION:
            raise self.error(token, "a relative time such as -1h or 0s")
        amount, unit = token.duration()
        if unit not in _OFFSET_MS:
            raise self.error(token, "a relative time in ms, s, m, h, d or w")
        return sign * amount * _OFFSET_MS[unit]


def parse(text: str) -> ast.Query:
    return Parser(text).query()
