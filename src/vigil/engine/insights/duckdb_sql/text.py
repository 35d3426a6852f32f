"""How DuckDB SQL spells literals and how values are rendered as result text (docs/insights.md, decision 7)."""

from __future__ import annotations

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%g"
# Epoch milliseconds DuckDB timestamps can hold (years 1 to 9999).
_TIME_RANGE = (-62_135_596_800_000, 253_402_300_799_999)


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def number_text(value: str) -> str:
    """Whole numbers without a decimal point; others as the shortest text that reads back the same
    (DuckDB's DOUBLE -> VARCHAR, the same as Python's repr); NaN and infinities are no value."""
    v = f"CAST({value} AS DOUBLE)"
    return (
        f"(CASE WHEN NOT isfinite({v}) THEN NULL "
        f"WHEN {v} = trunc({v}) AND abs({v}) < 1e15 THEN CAST(CAST({v} AS BIGINT) AS VARCHAR) "
        f"ELSE CAST({v} AS VARCHAR) END)"
    )


def time_text(value: str) -> str:
    """Epoch milliseconds as `YYYY-MM-DD HH:MM:SS.mmm` in UTC."""
    low, high = _TIME_RANGE
    v = f"CAST({value} AS BIGINT)"
    return (
        f"(CASE WHEN {value} BETWEEN {low} AND {high} "
        f"THEN strftime(make_timestamp({v} * 1000), '{TIMESTAMP_FORMAT}') END)"
    )
