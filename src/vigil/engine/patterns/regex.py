"""``%regex%`` in filter patterns: AWS's character rules, and the RE2 text DuckDB runs.

AWS allows letters, digits, ``: _ # = @ / ; , -``, the operators ``^ $ ? [ ] { } | \\ * + .`` and the
escapes ``\\d \\D \\s \\S \\w \\W \\xhh``; everything else (groups, multi-byte characters, other symbols) is
refused. Spaces are allowed too (Vigil's choice: AWS's own examples use them). A regex that passes
those rules is also compiled here, so a pattern DuckDB's RE2 would refuse fails as an invalid pattern
and never as an error half-way through a query.
"""

from __future__ import annotations

import re
import warnings

_SYMBOLS = frozenset(":_#=@/;,- ")
_OPERATORS = frozenset("^$?[]{}|\\*+.")
_CLASS_ESCAPES = frozenset("dDsSwW")
_HEX = frozenset("0123456789abcdefABCDEF")
_MAX_REPEAT = 1000  # RE2's limit on {m,n}
_REPEAT = re.compile(r"\{(\d*),?(\d*)\}")
_POSIX_CLASS = re.compile(r"\[:\^?([^:\]]*):\]")
_POSIX_NAMES = frozenset(
    {
        "alnum",
        "alpha",
        "ascii",
        "blank",
        "cntrl",
        "digit",
        "graph",
        "lower",
        "print",
        "punct",
        "space",
        "upper",
        "word",
        "xdigit",
    }
)


def _character_error(body: str) -> tuple[str, int] | None:
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\":
            following = body[i + 1 : i + 2]
            if following in _CLASS_ESCAPES or (following and following in _SYMBOLS | _OPERATORS):
                i += 2
                continue
            if following == "x" and len(body) >= i + 4 and set(body[i + 2 : i + 4]) <= _HEX:
                i += 4
                continue
            return f"unsupported escape {body[i : i + 2]!r} in a regular expression", i
        if char in "()":
            code = "\\x28" if char == "(" else "\\x29"
            return f"{char!r} is not allowed in a regular expression (write {code})", i
        if not char.isascii():
            return f"multi-byte character {char!r} is not allowed in a regular expression", i
        if not (char.isalnum() or char in _SYMBOLS or char in _OPERATORS):
            return f"{char!r} is not allowed in a regular expression", i
        i += 1
    return None


def _structure_error(re2: str) -> str | None:
    for match in _REPEAT.finditer(re2):
        if any(bound and int(bound) > _MAX_REPEAT for bound in match.groups()):
            return f"repetition {match[0]} exceeds {_MAX_REPEAT}"
    for match in _POSIX_CLASS.finditer(re2):
        if match[1] not in _POSIX_NAMES:
            return f"unknown character class {match[0]}"
    if re.search(r"[*+?}]\+", re.sub(r"\\.", "a", re2)):
        return "possessive repetition is not supported"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Python warns about "[[" as a possible nested set
            # Python has no POSIX classes; an escape class stands in for one wherever it may appear.
            re.compile(_POSIX_CLASS.sub(r"\\w", re2))
    except re.error as problem:
        return f"invalid regular expression ({problem.msg})"
    return None


def regex_error(body: str) -> tuple[str, int] | None:
    """What is wrong with a ``%…%`` body and where (an offset into it), or None."""
    if not body:
        return "empty regular expression", 0
    problem = _character_error(body)
    if problem is not None:
        return problem
    structure = _structure_error(to_re2(body))
    return None if structure is None else (structure, 0)


def to_re2(body: str) -> str:
    """AWS's ``{,n}`` means at most n; RE2 reads it as literal text, so it becomes ``{0,n}``."""
    return re.sub(r"(?<!\\)\{,(\d+)\}", r"{0,\1}", body)
