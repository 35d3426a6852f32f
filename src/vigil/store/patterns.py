"""Running a compiled filter pattern over messages that are not stored (TestMetricFilter)."""

from __future__ import annotations

from collections.abc import Sequence

from vigil.store.database import Database


class PatternStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    def match_messages(
        self, messages: Sequence[str], predicate_sql: str, values_sql: Sequence[str]
    ) -> list[tuple[int, list[str | None]]]:
        """The 1-based numbers of the messages that satisfy ``predicate_sql`` (an expression over the
        column ``message``), in order, each with the values of ``values_sql`` for that message."""
        values = "".join(f", {value}" for value in values_sql)
        rows = (
            self._db.cursor()
            .execute(
                f"SELECT n{values} FROM unnest(?::VARCHAR[]) WITH ORDINALITY AS t(message, n) "
                f"WHERE {predicate_sql} ORDER BY n",
                [list(messages)],
            )
            .fetchall()
        )
        return [(int(row[0]), list(row[1:])) for row in rows]
