"""SQL text for the pattern compilers: literals inlined and quoted, so a compiled predicate needs no bind
parameters and can be embedded in any query (DuckDB dialect)."""

from __future__ import annotations

NUMBER_RE2 = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
COMPARISONS = {"=": "=", "!=": "<>", "<": "<", ">": ">", "<=": "<=", ">=": ">="}


def string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def number(value: float) -> str:
    return f"CAST({string(repr(value))} AS DOUBLE)"


def like(glob: str) -> str:
    """``value LIKE …`` for a glob whose ``*`` matches any run of characters (everything else literal)."""
    escaped = glob.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").replace("*", "%")
    return f"LIKE {string(escaped)} ESCAPE '\\'"


def any_of(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"


def all_of(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"
