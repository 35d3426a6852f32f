"""Scalar functions, JSON values and IP addresses in DuckDB SQL. Arguments arrive already rendered and
already converted to the kind each function takes (text, numbers, booleans or JSON)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vigil.engine.insights.duckdb_sql.text import quote

_IPV4 = r"((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_H = "[0-9a-fA-F]{1,4}"
_IPV6 = (
    f"({_H}:){{7}}{_H}|({_H}:){{1,7}}:|({_H}:){{1,6}}:{_H}|({_H}:){{1,5}}(:{_H}){{1,2}}|({_H}:){{1,4}}(:{_H}){{1,3}}"
    f"|({_H}:){{1,3}}(:{_H}){{1,4}}|({_H}:){{1,2}}(:{_H}){{1,5}}|{_H}:(:{_H}){{1,6}}|:((:{_H}){{1,7}}|:)"
)
_BASE64 = "([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?"
_EARTH_RADIUS_KM = 6371.0


def _ipv4_number(t: str) -> str:
    parts = " + ".join(f"CAST(split_part({t}, '.', {i + 1}) AS BIGINT) * {256 ** (3 - i)}" for i in range(4))
    return f"(CASE WHEN regexp_full_match({t}, {quote(_IPV4)}) THEN {parts} END)"


def _ipv6_hex(t: str) -> str:
    """The address as 32 lower-case hex digits: `::` expanded, every group padded to 4 digits."""
    halves = f"string_split(lower({t}), '::')"
    groups = (
        "(CASE WHEN len(h) = 1 THEN string_split(h[1], ':') ELSE "
        "(CASE WHEN h[1] = '' THEN [] ELSE string_split(h[1], ':') END) || "
        "list_transform(range(8 - len(CASE WHEN h[1] = '' THEN [] ELSE string_split(h[1], ':') END) "
        "- len(CASE WHEN h[2] = '' THEN [] ELSE string_split(h[2], ':') END)), lambda i: '0') || "
        "(CASE WHEN h[2] = '' THEN [] ELSE string_split(h[2], ':') END) END)"
    )
    padded = f"array_to_string(list_transform({groups}, lambda g: lpad(g, 4, '0')), '')"
    expanded = f"list_transform([{halves}], lambda h: {padded})[1]"
    return f"(CASE WHEN regexp_full_match({t}, {quote(_IPV6)}) THEN {expanded} END)"


def _json_path(path: tuple[str | int, ...]) -> str:
    out = ["$"]
    for segment in path:
        if isinstance(segment, int):
            out.append(f"[{segment}]")
        else:
            out.append('."' + segment.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "".join(out)


def json_paths(paths: list[tuple[str | int, ...]]) -> str:
    return "[" + ", ".join(quote(_json_path(path)) for path in paths) + "]"


def _trim(side: str) -> Callable[[list[str]], str]:
    whitespace = {"ltrim": r"^\s+", "rtrim": r"\s+$", "trim": r"^\s+|\s+$"}[side]

    def spell(args: list[str]) -> str:
        if len(args) == 2:
            return f"{side}({args[0]}, {args[1]})"
        return f"regexp_replace({args[0]}, {quote(whitespace)}, '', 'g')"

    return spell


def _haversine(args: list[str]) -> str:
    lat1, lon1, lat2, lon2 = (f"radians({a})" for a in args)
    inner = f"power(sin(({lat2} - {lat1}) / 2), 2) + cos({lat1}) * cos({lat2}) * power(sin(({lon2} - {lon1}) / 2), 2)"
    return f"(2 * {_EARTH_RADIUS_KM} * asin(sqrt(least(1.0, {inner}))))"


def _parsedate(args: list[str]) -> str:
    text, pattern, zone, offset = args
    parsed = f"try_strptime({text}, {pattern})"
    # A format with its own zone yields an instant; without one the text is local time in the given zone.
    if "%z" in pattern or "%Z" in pattern:
        return f"CAST(epoch_ms({parsed}) AS DOUBLE)"
    return f"CAST(epoch_ms(timezone({zone}, {parsed})) - {offset} AS DOUBLE)"


def _formatdate(args: list[str]) -> str:
    time, pattern, zone, offset = args
    local = f"timezone({zone}, to_timestamp(({time} + {offset}) / 1000))"
    return f"(CASE WHEN abs({time}) < 1e14 THEN strftime({local}, {pattern}) END)"


_FUNCTIONS: dict[str, Callable[[list[str]], str]] = {
    "octets": lambda a: f"CAST(strlen({a[0]}) AS DOUBLE)",
    "isempty": lambda a: f"({a[0]} IS NULL OR {a[0]} = '')",
    "isblank": lambda a: f"({a[0]} IS NULL OR regexp_full_match({a[0]}, '\\s*'))",
    "concat": lambda a: f"concat({', '.join(a)})",
    "ltrim": _trim("ltrim"),
    "rtrim": _trim("rtrim"),
    "trim": _trim("trim"),
    "strlen": lambda a: f"CAST(length({a[0]}) AS DOUBLE)",
    "upper": lambda a: f"upper({a[0]})",
    "lower": lambda a: f"lower({a[0]})",
    "substr": lambda a: (
        f"(CASE WHEN {a[1]} >= 0 AND {a[1]} < 1e15 THEN substring({a[0]}, CAST({a[1]} AS BIGINT) + 1"
        + (f", CAST(greatest(least({a[2]}, 1e15), 0) AS BIGINT)" if len(a) == 3 else "")
        + ") END)"
    ),
    "replace": lambda a: f"replace({a[0]}, {a[1]}, {a[2]})",
    "strcontains": lambda a: f"contains({a[0]}, {a[1]})",
    "strcontains_ci": lambda a: (
        f"(CASE WHEN {a[2]} THEN contains(lower({a[0]}), lower({a[1]})) ELSE contains({a[0]}, {a[1]}) END)"
    ),
    "regexreplace": lambda a: f"regexp_replace({a[0]}, {a[1]}, {a[2]}, 'g')",
    "startswith": lambda a: f"starts_with({a[0]}, {a[1]})",
    "endswith": lambda a: f"ends_with({a[0]}, {a[1]})",
    "urlencode": lambda a: f"url_encode({a[0]})",
    "urldecode": lambda a: f"url_decode({a[0]})",
    "base64encode": lambda a: f"to_base64(encode({a[0]}))",
    # Rare and never on a scan's hot path: TRY only guards bytes that are not UTF-8.
    "base64decode": lambda a: (
        f"(CASE WHEN regexp_full_match({a[0]}, {quote(_BASE64)}) THEN TRY(decode(from_base64({a[0]}))) END)"
    ),
    "hextoascii": lambda a: (
        f"(CASE WHEN regexp_full_match({a[0]}, '([0-9a-fA-F]{{2}})*') THEN TRY(decode(unhex({a[0]}))) END)"
    ),
    "hextodec": lambda a: (
        f"(CASE WHEN regexp_full_match({a[0]}, '(0[xX])?[0-9a-fA-F]{{1,15}}') "
        f"THEN CAST(CAST('0x' || regexp_replace({a[0]}, '^0[xX]', '') AS BIGINT) AS DOUBLE) END)"
    ),
    "dectohex": lambda a: (
        f"(CASE WHEN {a[0]} >= 0 AND {a[0]} < 9e18 THEN lower(hex(CAST(trunc({a[0]}) AS BIGINT))) END)"
    ),
    "split": lambda a: f"to_json(string_split({a[0]}, {a[1]}))",
    "abs": lambda a: f"abs({a[0]})",
    "ceil": lambda a: f"ceil({a[0]})",
    "floor": lambda a: f"floor({a[0]})",
    "greatest": lambda a: f"greatest({', '.join(a)})",
    "least": lambda a: f"least({', '.join(a)})",
    "ln": lambda a: f"(CASE WHEN {a[0]} > 0 THEN ln({a[0]}) END)",
    "sqrt": lambda a: f"(CASE WHEN {a[0]} >= 0 THEN sqrt({a[0]}) END)",
    "round": lambda a: f"round({a[0]}, {a[1]})",
    "haversine": _haversine,
    "identity": lambda a: a[0],
    "toint": lambda a: f"(CASE WHEN abs({a[0]}) < 9e18 THEN CAST(CAST(trunc({a[0]}) AS BIGINT) AS DOUBLE) END)",
    "parsedate": _parsedate,
    "formatdate": _formatdate,
    "json_stringify": lambda a: f"CAST({a[0]} AS VARCHAR)",
    "json_array_size": lambda a: (
        f"(CASE WHEN json_type({a[0]}) = 'ARRAY' THEN CAST(json_array_length({a[0]}) AS DOUBLE) END)"
    ),
    "json_array_contains": lambda a: (
        f"(CASE WHEN json_type({a[0]}) = 'ARRAY' "
        f"THEN list_contains(CAST(json_extract({a[0]}, '$[*]') AS VARCHAR[]), CAST({a[1]} AS VARCHAR)) END)"
    ),
}


def render(name: str, args: list[str]) -> str:
    return _FUNCTIONS[name](args)


def _as_list(value: str) -> str:
    """The elements `unnest` emits: an array's elements, any other value as one element, null as none."""
    return (
        f"(CASE WHEN json_type({value}) = 'ARRAY' THEN json_extract({value}, '$[*]') "
        f"WHEN json_type({value}) <> 'NULL' THEN [{value}] END)"
    )


OPS: dict[str, Callable[[list[str], Any], str]] = {
    "jval_parse": lambda a, _: (
        f"(CASE WHEN json_valid({a[0]}) AND ltrim({a[0]})[1] IN ('{{', '[') THEN json({a[0]}) END)"
    ),
    "jval_get": lambda a, path: f"json_extract({a[0]}, {quote(_json_path(path))})",
    "jval_index": lambda a, _: (
        f"json_extract({a[0]}, CASE WHEN regexp_full_match({a[1]}, '[0-9]+') THEN '$[' || {a[1]} || ']' "
        f"ELSE '$.\"' || replace({a[1]}, '\"', '\\\"') || '\"' END)"
    ),
    "jval_text": lambda a, _: (
        f"(CASE json_type({a[0]}) WHEN 'VARCHAR' THEN json_extract_string({a[0]}, '$') "
        f"WHEN 'OBJECT' THEN NULL WHEN 'ARRAY' THEN NULL WHEN 'NULL' THEN NULL ELSE CAST({a[0]} AS VARCHAR) END)"
    ),
    "jval_display": lambda a, _: (
        f"(CASE json_type({a[0]}) WHEN 'VARCHAR' THEN json_extract_string({a[0]}, '$') "
        f"WHEN 'NULL' THEN NULL ELSE CAST({a[0]} AS VARCHAR) END)"
    ),
    "jval_isnum": lambda a, _: f"(json_type({a[0]}) IN ('BIGINT', 'UBIGINT', 'DOUBLE'))",
    "jval_present": lambda a, _: f"({a[0]} IS NOT NULL AND json_type({a[0]}) <> 'NULL')",
    "num_json": lambda a, _: f"to_json({a[0]})",
    "str_json": lambda a, _: f"to_json({a[0]})",
    "unnest": lambda a, _: f"unnest({_as_list(a[0])})",
    "unnest_position": lambda a, _: f"generate_subscripts({_as_list(a[0])}, 1)",
    "ipv4_number": lambda a, _: _ipv4_number(a[0]),
    "ipv6_hex": lambda a, _: _ipv6_hex(a[0]),
}
