"""Date functions: bin, datefloor, dateceil, fromMillis, toMillis, now, parseDate, formatDate.

Periods up to days align to the Unix epoch (UTC); weeks start on Monday; months, quarters and years are
calendar-aligned, counted in months from January 1970. Units are not capped: bin(300s) is five minutes.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from collections.abc import Callable

from vigil.engine.insights import ast, values
from vigil.engine.insights.expressions import ExprCompiler
from vigil.engine.insights.plan import NULL, Kind, X, lit

UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 7 * 86_400_000}
MINUTE_MS = UNIT_MS["m"]
UNIT_MONTHS = {"mo": 1, "q": 3, "y": 12}
# 1970-01-05, the first Monday after the epoch (a Thursday): weeks are counted from there.
WEEK_ORIGIN_MS = 4 * 86_400_000


def period(duration: ast.Duration) -> tuple[str, int, int]:
    """("ms", length in ms, origin) or ("months", number of months, 0)."""
    if duration.unit in UNIT_MONTHS:
        return "months", duration.amount * UNIT_MONTHS[duration.unit], 0
    origin = WEEK_ORIGIN_MS if duration.unit == "w" else 0
    return "ms", duration.amount * UNIT_MS[duration.unit], origin


def floor_period(time: X, duration: ast.Duration) -> X:
    return X("floor_period", (time,), Kind.TIME, period(duration))


def _bin(c: ExprCompiler, call: ast.Call) -> X:
    timestamp = c.context.resolve(c.relation, ("@timestamp",))
    if timestamp is NULL:
        raise c.error(call, "bin() reads @timestamp, which the rows after stats do not have")
    duration = call.args[0]
    assert isinstance(duration, ast.Duration)
    return floor_period(values.number(timestamp), duration)


def _datefloor(c: ExprCompiler, call: ast.Call) -> X:
    duration = call.args[1]
    assert isinstance(duration, ast.Duration)
    return floor_period(values.number(c.compile(call.args[0])), duration)


def _dateceil(c: ExprCompiler, call: ast.Call) -> X:
    duration = call.args[1]
    assert isinstance(duration, ast.Duration)
    return X("ceil_period", (values.number(c.compile(call.args[0])),), Kind.TIME, period(duration))


def _frommillis(c: ExprCompiler, call: ast.Call) -> X:
    return X("time_of", (values.number(c.compile(call.args[0])),), Kind.TIME)


def _tomillis(c: ExprCompiler, call: ast.Call) -> X:
    return values.number(c.compile(call.args[0]))


def _now(c: ExprCompiler, call: ast.Call) -> X:
    return lit(c.context.now_ms // 1000)


# Java DateTimeFormatter letters -> strptime / strftime directives.
_JAVA = {
    "yyyy": "%Y",
    "uuuu": "%Y",
    "yy": "%y",
    "MMMM": "%B",
    "MMM": "%b",
    "MM": "%m",
    "M": "%-m",
    "dd": "%d",
    "d": "%-d",
    "HH": "%H",
    "H": "%-H",
    "hh": "%I",
    "h": "%-I",
    "mm": "%M",
    "m": "%-M",
    "ss": "%S",
    "s": "%-S",
    "SSSSSS": "%f",
    "SSS": "%g",
    "a": "%p",
    "EEEE": "%A",
    "EEE": "%a",
    "XXX": "%z",
    "XX": "%z",
    "X": "%z",
    "ZZZ": "%z",
    "Z": "%z",
    "z": "%Z",
}
_JAVA_TOKEN = re.compile(r"'([^']*)'|([A-Za-z])\2*")


def java_format(pattern: str) -> str | None:
    """A strptime format for a Java date pattern, or None when it uses letters we do not know."""
    out: list[str] = []
    position = 0
    for match in _JAVA_TOKEN.finditer(pattern):
        out.append(pattern[position : match.start()].replace("%", "%%"))
        position = match.end()
        if match.group(1) is not None:
            out.append(match.group(1).replace("%", "%%") or "'")
            continue
        directive = _JAVA.get(match.group())
        if directive is None:
            return None
        out.append(directive)
    out.append(pattern[position:].replace("%", "%%"))
    return "".join(out)


def _literal(c: ExprCompiler, arg: ast.Expr, what: str) -> str:
    if not isinstance(arg, ast.StringLit):
        raise c.error(arg, f"{what} must be a quoted string")
    return arg.value


@functools.cache
def _zones() -> frozenset[str]:
    """The zone names this machine knows (none when it has no time zone database: then any is tried)."""
    return frozenset(zoneinfo.available_timezones())


_OFFSET = re.compile(r"([+-])(\d{2}):?(\d{2})")


def _zone(c: ExprCompiler, call: ast.Call, index: int) -> tuple[X, X]:
    """(zone name, extra offset in ms): a named zone, or UTC shifted by a `+hh:mm` offset."""
    if len(call.args) <= index:
        return lit("UTC"), lit(0)
    zone = _literal(c, call.args[index], "the time zone")
    offset = _OFFSET.fullmatch(zone)
    if offset:
        sign = -1 if offset.group(1) == "-" else 1
        return lit("UTC"), lit(sign * (int(offset.group(2)) * 60 + int(offset.group(3))) * MINUTE_MS)
    if zone.upper() in ("UTC", "Z", "GMT"):
        return lit("UTC"), lit(0)
    known = _zones()
    if known and zone not in known:
        raise c.error(call.args[index], f"unknown time zone {zone!r}")
    return lit(zone), lit(0)


def _parsedate(c: ExprCompiler, call: ast.Call) -> X:
    pattern = _literal(c, call.args[1], "the date format")
    strptime = java_format(pattern)
    if strptime is None:
        raise c.error(call.args[1], f"parseDate() does not understand the date format {pattern!r}")
    subject = values.text(c.compile(call.args[0]))
    return X("fn", (subject, lit(strptime), *_zone(c, call, 2)), Kind.NUM, "parsedate")


def _formatdate(c: ExprCompiler, call: ast.Call) -> X:
    pattern = _literal(c, call.args[1], "the date format")
    time = values.number(c.compile(call.args[0]))
    return X("fn", (time, lit(pattern), *_zone(c, call, 2)), Kind.STR, "formatdate")


BUILDERS: dict[str, Callable[[ExprCompiler, ast.Call], X]] = {
    "bin": _bin,
    "datefloor": _datefloor,
    "dateceil": _dateceil,
    "frommillis": _frommillis,
    "tomillis": _tomillis,
    "now": _now,
    "parsedate": _parsedate,
    "formatdate": _formatdate,
    "strftime": _formatdate,
}
