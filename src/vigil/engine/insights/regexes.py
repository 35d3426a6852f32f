"""Insights regexes and globs as RE2 patterns.

Insights writes named groups `(?<name>…)`; RE2 wants `(?P<name>…)`. For `parse`, only the named groups
may capture, so the captures line up with the names in order; every other group becomes `(?:…)`.
"""

from __future__ import annotations

import re

_NAMED = re.compile(r"\(\?<([A-Za-z_@][A-Za-z0-9_@.]*)>")
_PYTHON_NAMED = re.compile(r"\(\?P<([^>]+)>")
_SPECIAL = set("\\.^$|?*+()[]{}")


def re2(pattern: str) -> str:
    return _NAMED.sub(r"(?P<\1>", pattern)


def parse_regex(pattern: str) -> tuple[str, tuple[str, ...]]:
    """(RE2 pattern whose only capturing groups are the named ones, their names in order)."""
    out: list[str] = []
    names: list[str] = []
    index = 0
    in_class = False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            # `[]…]` and `[^]…]`: a `]` right after the opening is a member, not the end.
            lead = 2 if pattern.startswith("^]", index + 1) else 1 if pattern.startswith("]", index + 1) else 0
            out.append(pattern[index : index + 1 + lead])
            index += 1 + lead
            continue
        elif char == "(":
            named = _NAMED.match(pattern, index) or _PYTHON_NAMED.match(pattern, index)
            if named:
                names.append(named.group(1))
                out.append(f"(?P<{named.group(1)}>")
                index = named.end()
                continue
            if not pattern.startswith("(?", index):
                out.append("(?:")
                index += 1
                continue
        out.append(char)
        index += 1
    return "".join(out), tuple(names)


def glob_regex(glob: str) -> str:
    """`*` captures lazily, except a `*` ending the pattern, which takes the rest of the line."""
    parts = glob.split("*")
    out: list[str] = []
    for position, part in enumerate(parts):
        out.append("".join("\\" + c if c in _SPECIAL else c for c in part))
        if position < len(parts) - 1:
            out.append("(.*)" if position == len(parts) - 2 and parts[-1] == "" else "(.*?)")
    return "".join(out)
