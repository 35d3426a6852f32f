"""The functions the language knows, with their arity: the parser refuses unknown names and wrong counts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Signature:
    min_args: int
    max_args: int | None  # None: any number
    aggregate: bool = False


_MANY = None

AGGREGATES: dict[str, Signature] = {
    "count": Signature(0, 1, True),
    "count_distinct": Signature(1, 1, True),
    "sum": Signature(1, 1, True),
    "avg": Signature(1, 1, True),
    "min": Signature(1, 1, True),
    "max": Signature(1, 1, True),
    "pct": Signature(2, 2, True),
    "stddev": Signature(1, 1, True),
    "earliest": Signature(1, 1, True),
    "latest": Signature(1, 1, True),
    "sortsfirst": Signature(1, 1, True),
    "sortslast": Signature(1, 1, True),
}

SCALARS: dict[str, Signature] = {
    # general
    "ispresent": Signature(1, 1),
    "isnumeric": Signature(1, 1),
    "coalesce": Signature(1, _MANY),
    "if": Signature(3, 3),
    "case": Signature(2, 21),
    "messagesize": Signature(1, 1),
    "querystarttime": Signature(0, 0),
    "queryendtime": Signature(0, 0),
    "querytimerange": Signature(0, 0),
    # strings
    "isempty": Signature(1, 1),
    "isblank": Signature(1, 1),
    "concat": Signature(1, _MANY),
    "ltrim": Signature(1, 2),
    "rtrim": Signature(1, 2),
    "trim": Signature(1, 2),
    "strlen": Signature(1, 1),
    "toupper": Signature(1, 1),
    "tolower": Signature(1, 1),
    "substr": Signature(2, 3),
    "replace": Signature(3, 3),
    "strcontains": Signature(2, 3),
    "regexreplace": Signature(3, 3),
    "startswith": Signature(2, 2),
    "endswith": Signature(2, 2),
    "urlencode": Signature(1, 1),
    "urldecode": Signature(1, 1),
    "base64encode": Signature(1, 1),
    "base64decode": Signature(1, 1),
    "split": Signature(2, 2),
    "hextoascii": Signature(1, 1),
    "hextodec": Signature(1, 1),
    "dectohex": Signature(1, 1),
    # numbers
    "abs": Signature(1, 1),
    "ceil": Signature(1, 1),
    "floor": Signature(1, 1),
    "greatest": Signature(1, _MANY),
    "least": Signature(1, _MANY),
    "log": Signature(1, 1),
    "sqrt": Signature(1, 1),
    "round": Signature(1, 2),
    "haversine": Signature(4, 4),
    "tonumber": Signature(1, 1),
    "toint": Signature(1, 1),
    "tolong": Signature(1, 1),
    "todouble": Signature(1, 1),
    # dates
    "bin": Signature(1, 1),
    "datefloor": Signature(2, 2),
    "dateceil": Signature(2, 2),
    "frommillis": Signature(1, 1),
    "tomillis": Signature(1, 1),
    "now": Signature(0, 0),
    "parsedate": Signature(2, 3),
    "formatdate": Signature(2, 3),
    "strftime": Signature(2, 3),
    # IP addresses
    "isvalidip": Signature(1, 1),
    "isvalidipv4": Signature(1, 1),
    "isvalidipv6": Signature(1, 1),
    "isipinsubnet": Signature(2, 2),
    "isipv4insubnet": Signature(2, 2),
    "isipv6insubnet": Signature(2, 2),
    "ipv4tonumber": Signature(1, 1),
    "isprivateip": Signature(1, 1),
    "ispublicip": Signature(1, 1),
    "isreservedip": Signature(1, 1),
    # JSON
    "jsonparse": Signature(1, 1),
    "jsonstringify": Signature(1, 1),
    "jsonarraysize": Signature(1, 1),
    "jsonarraycontains": Signature(2, 2),
}

FUNCTIONS: dict[str, Signature] = {**AGGREGATES, **SCALARS}


def arity_text(signature: Signature) -> str:
    low, high = signature.min_args, signature.max_args
    if high == low:
        return f"{low} argument{'s' if low != 1 else ''}"
    if high is None:
        return f"at least {low} argument{'s' if low != 1 else ''}"
    return f"{low} to {high} arguments"
