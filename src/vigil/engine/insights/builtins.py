"""Scalar functions: each builds a plan expression from its call, converting arguments to the kinds the
function works on. Missing arguments give a missing result, except in concat (missing counts as "")
and coalesce. Date and IP helpers live in dates.py and addresses.py."""

from __future__ import annotations

from collections.abc import Callable

from vigil.engine.insights import addresses, ast, dates, values
from vigil.engine.insights.expressions import ExprCompiler
from vigil.engine.insights.plan import Kind, X, lit
from vigil.engine.insights.regexes import re2

Builder = Callable[[ExprCompiler, ast.Call], X]


def _texts(c: ExprCompiler, call: ast.Call) -> tuple[X, ...]:
    return tuple(values.text(c.compile(arg)) for arg in call.args)


def _numbers(c: ExprCompiler, call: ast.Call) -> tuple[X, ...]:
    return tuple(values.number(c.compile(arg)) for arg in call.args)


def on_text(name: str, kind: Kind = Kind.STR) -> Builder:
    return lambda c, call: X("fn", _texts(c, call), kind, name)


def on_numbers(name: str, kind: Kind = Kind.NUM) -> Builder:
    return lambda c, call: X("fn", _numbers(c, call), kind, name)


def _choice(branches: list[tuple[X, X]], default: X | None) -> X:
    """CASE over (condition, value) branches; DYN results carry text and is-number side by side."""
    kind = values.unify([value for _, value in branches] + ([default] if default is not None else []))

    def case(pick: Callable[[X], X], result_kind: Kind) -> X:
        args: list[X] = []
        for condition, value in branches:
            args.extend((condition, pick(value)))
        if default is not None:
            args.append(pick(default))
        return X("case", tuple(args), result_kind, default is not None)

    if kind is Kind.DYN:
        return values.dyn(case(values.text, Kind.STR), case(values.is_number, Kind.BOOL))
    return case(lambda value: values.convert(value, kind), kind)


def _coalesce(c: ExprCompiler, call: ast.Call) -> X:
    options = [c.compile(arg) for arg in call.args]
    return _choice([(values.present(option), option) for option in options[:-1]], options[-1])


def _if(c: ExprCompiler, call: ast.Call) -> X:
    condition, then, otherwise = call.args
    return _choice([(c.condition(condition), c.compile(then))], c.compile(otherwise))


def _case(c: ExprCompiler, call: ast.Call) -> X:
    args = list(call.args)
    default = c.compile(args.pop()) if len(args) % 2 else None
    branches = [(c.condition(args[i]), c.compile(args[i + 1])) for i in range(0, len(args), 2)]
    return _choice(branches, default)


def _ispresent(c: ExprCompiler, call: ast.Call) -> X:
    return values.present(c.compile(call.args[0]))


def _isnumeric(c: ExprCompiler, call: ast.Call) -> X:
    return values.present(values.number(c.compile(call.args[0])))


def _constant(pick: Callable[[ExprCompiler], int]) -> Builder:
    return lambda c, call: lit(pick(c))


def _strcontains(c: ExprCompiler, call: ast.Call) -> X:
    texts = _texts(c, call)
    if len(call.args) == 3:
        ignore_case = values.condition(c.compile(call.args[2]))
        return X("fn", (*texts[:2], ignore_case), Kind.BOOL, "strcontains_ci")
    return X("fn", texts, Kind.BOOL, "strcontains")


def _substr(c: ExprCompiler, call: ast.Call) -> X:
    subject = values.text(c.compile(call.args[0]))
    return X("fn", (subject, *(values.number(c.compile(arg)) for arg in call.args[1:])), Kind.STR, "substr")


def _regexreplace(c: ExprCompiler, call: ast.Call) -> X:
    subject, pattern, replacement = call.args
    if isinstance(pattern, ast.RegexLit | ast.StringLit):
        regex = lit(re2(pattern.pattern if isinstance(pattern, ast.RegexLit) else pattern.value))
    else:
        raise c.error(pattern, "regexReplace() takes its pattern as a /regex/ or a string")
    return X(
        "fn", (values.text(c.compile(subject)), regex, values.text(c.compile(replacement))), Kind.STR, "regexreplace"
    )


def _split(c: ExprCompiler, call: ast.Call) -> X:
    return X("fn", _texts(c, call), Kind.JSON, "split")


def _round(c: ExprCompiler, call: ast.Call) -> X:
    digits = call.args[1] if len(call.args) == 2 else None
    if digits is not None and not (isinstance(digits, ast.NumberLit) and float(digits.value).is_integer()):
        raise c.error(digits, "round() takes a whole number of digits as its second argument")
    places = int(digits.value) if isinstance(digits, ast.NumberLit) else 0
    return X("fn", (values.number(c.compile(call.args[0])), lit(places)), Kind.NUM, "round")


def _tostring_json(value: X) -> X:
    if value.kind is Kind.JSON:
        return value
    if value.kind in values.NUMERIC and value.kind is not Kind.TIME:
        return X("num_json", (values.number(value),), Kind.JSON)
    return X("str_json", (values.text(value),), Kind.JSON)


def _jsonparse(c: ExprCompiler, call: ast.Call) -> X:
    value = c.compile(call.args[0])
    return value if value.kind is Kind.JSON else X("jval_parse", (values.text(value),), Kind.JSON)


def _jsonstringify(c: ExprCompiler, call: ast.Call) -> X:
    return X("fn", (_tostring_json(c.compile(call.args[0])),), Kind.STR, "json_stringify")


def _jsonarraysize(c: ExprCompiler, call: ast.Call) -> X:
    return X("fn", (_jsonparse(c, call),), Kind.NUM, "json_array_size")


def _jsonarraycontains(c: ExprCompiler, call: ast.Call) -> X:
    array = _jsonparse(c, ast.Call("jsonparse", call.args[:1]))
    return X("fn", (array, _tostring_json(c.compile(call.args[1]))), Kind.BOOL, "json_array_contains")


SCALAR_BUILDERS: dict[str, Builder] = {
    # general
    "ispresent": _ispresent,
    "isnumeric": _isnumeric,
    "coalesce": _coalesce,
    "if": _if,
    "case": _case,
    "messagesize": on_text("octets", Kind.NUM),
    "querystarttime": _constant(lambda c: c.context.start_ms),
    "queryendtime": _constant(lambda c: c.context.end_ms),
    "querytimerange": _constant(lambda c: c.context.end_ms - c.context.start_ms),
    # strings
    "isempty": on_text("isempty", Kind.BOOL),
    "isblank": on_text("isblank", Kind.BOOL),
    "concat": on_text("concat"),
    "ltrim": on_text("ltrim"),
    "rtrim": on_text("rtrim"),
    "trim": on_text("trim"),
    "strlen": on_text("strlen", Kind.NUM),
    "toupper": on_text("upper"),
    "tolower": on_text("lower"),
    "substr": _substr,
    "replace": on_text("replace"),
    "strcontains": _strcontains,
    "regexreplace": _regexreplace,
    "startswith": on_text("startswith", Kind.BOOL),
    "endswith": on_text("endswith", Kind.BOOL),
    "urlencode": on_text("urlencode"),
    "urldecode": on_text("urldecode"),
    "base64encode": on_text("base64encode"),
    "base64decode": on_text("base64decode"),
    "split": _split,
    "hextoascii": on_text("hextoascii"),
    "hextodec": on_text("hextodec", Kind.NUM),
    "dectohex": on_numbers("dectohex", Kind.STR),
    # numbers
    "abs": on_numbers("abs"),
    "ceil": on_numbers("ceil"),
    "floor": on_numbers("floor"),
    "greatest": on_numbers("greatest"),
    "least": on_numbers("least"),
    "log": on_numbers("ln"),
    "sqrt": on_numbers("sqrt"),
    "round": _round,
    "haversine": on_numbers("haversine"),
    "tonumber": on_numbers("identity"),
    "todouble": on_numbers("identity"),
    "toint": on_numbers("toint"),
    "tolong": on_numbers("toint"),
    # JSON
    "jsonparse": _jsonparse,
    "jsonstringify": _jsonstringify,
    "jsonarraysize": _jsonarraysize,
    "jsonarraycontains": _jsonarraycontains,
    **dates.BUILDERS,
    **addresses.BUILDERS,
}
