"""SQL for CloudWatch alarms: their rows (configuration and state) and their history.

Every change is one writer transaction: the alarms it replaces or removes and the history items it adds
together, so a state change is never stored without its history item (nor the other way round).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import duckdb
import pyarrow as pa

from vigil.store.database import Database
from vigil.store.writer import Writer


@dataclass(frozen=True)
class AlarmRow:
    account_id: str
    region: str
    name: str
    alarm_type: str
    configuration: str  # JSON
    configuration_updated: int
    state_value: str
    state_reason: str
    state_reason_data: str | None  # JSON
    state_updated: int
    state_transitioned: int
    acknowledgement: str | None  # JSON
    tags: str  # JSON


@dataclass(frozen=True)
class HistoryRow:
    account_id: str
    region: str
    alarm_name: str
    alarm_type: str
    timestamp: int
    item_type: str
    summary: str
    data: str  # JSON


@dataclass(frozen=True)
class HistoryQuery:
    account_id: str
    region: str
    alarm_name: str | None
    alarm_types: Sequence[str]
    item_type: str | None
    start: int | None
    end: int | None
    ascending: bool
    after: tuple[int, int] | None  # (timestamp, seq) of the last item of the previous page
    limit: int


_ALARM_COLUMNS = [f.name for f in fields(AlarmRow)]
_ALARM_TYPES = [
    pa.string(),
    pa.string(),
    pa.string(),
    pa.string(),
    pa.string(),
    pa.int64(),
    pa.string(),
    pa.string(),
    pa.string(),
    pa.int64(),
    pa.int64(),
    pa.string(),
    pa.string(),
]
_HISTORY_COLUMNS = [f.name for f in fields(HistoryRow)]
_HISTORY_TYPES = [pa.string()] * 4 + [pa.int64()] + [pa.string()] * 3


def _table(rows: Sequence[object], names: list[str], types: list[pa.DataType]) -> pa.Table:
    return pa.table(
        {name: pa.array([getattr(row, name) for row in rows], kind) for name, kind in zip(names, types, strict=True)}
    )


class AlarmsStore:
    def __init__(self, database: Database, writer: Writer) -> None:
        self._db = database
        self._writer = writer

    def load(self) -> list[AlarmRow]:
        rows = self._db.cursor().execute(f"SELECT {', '.join(_ALARM_COLUMNS)} FROM alarms").fetchall()
        return [AlarmRow(*row) for row in rows]

    def write(
        self,
        *,
        upsert: Sequence[AlarmRow] = (),
        delete: Sequence[tuple[str, str, str]] = (),
        history: Sequence[HistoryRow] = (),
    ) -> None:
        """Replace ``upsert`` (inserting those that are new), remove ``delete`` and add ``history``, in one
        transaction. Tens of thousands of rows cost a few statements over Arrow tables."""
        incoming = _table(upsert, _ALARM_COLUMNS, _ALARM_TYPES)
        removed = pa.table(
            {
                "account_id": pa.array([key[0] for key in delete], pa.string()),
                "region": pa.array([key[1] for key in delete], pa.string()),
                "name": pa.array([key[2] for key in delete], pa.string()),
            }
        )
        items = _table(history, _HISTORY_COLUMNS, _HISTORY_TYPES)

        def run(cur: duckdb.DuckDBPyConnection) -> None:
            cur.register("incoming_alarms", incoming)
            cur.register("removed_alarms", removed)
            cur.register("incoming_history", items)
            try:
                cur.execute(
                    "DELETE FROM alarms USING (SELECT account_id, region, name FROM incoming_alarms "
                    "UNION ALL SELECT account_id, region, name FROM removed_alarms) AS gone "
                    "WHERE alarms.account_id = gone.account_id AND alarms.region = gone.region "
                    "AND alarms.name = gone.name"
                )
                names = ", ".join(_ALARM_COLUMNS)
                cur.execute(f"INSERT INTO alarms ({names}) SELECT {names} FROM incoming_alarms")
                history_names = ", ".join(_HISTORY_COLUMNS)
                cur.execute(f"INSERT INTO alarm_history ({history_names}) SELECT {history_names} FROM incoming_history")
            finally:
                for name in ("incoming_alarms", "removed_alarms", "incoming_history"):
                    cur.unregister(name)

        self._writer.run(run)

    def history(self, query: HistoryQuery) -> list[tuple[int, HistoryRow]]:
        """History items in timestamp order (newest first unless ``ascending``), each with its ``seq``."""
        where, params = ["account_id = ?", "region = ?"], [query.account_id, query.region]
        if query.alarm_name is not None:
            where.append("alarm_name = ?")
            params.append(query.alarm_name)
        if query.alarm_types:
            where.append(f"alarm_type IN ({', '.join('?' * len(query.alarm_types))})")
            params += list(query.alarm_types)
        if query.item_type is not None:
            where.append("item_type = ?")
            params.append(query.item_type)
        if query.start is not None:
            where.append("timestamp >= ?")
            params.append(query.start)
        if query.end is not None:
            where.append("timestamp <= ?")
            params.append(query.end)
        order = "ASC" if query.ascending else "DESC"
        if query.after is not None:
            beyond = ">" if query.ascending else "<"
            where.append(f"(timestamp {beyond} ? OR (timestamp = ? AND seq {beyond} ?))")
            params += [query.after[0], query.after[0], query.after[1]]
        rows = (
            self._db.cursor()
            .execute(
                f"SELECT seq, {', '.join(_HISTORY_COLUMNS)} FROM alarm_history WHERE {' AND '.join(where)} "
                f"ORDER BY timestamp {order}, seq {order} LIMIT ?",
                [*params, query.limit],
            )
            .fetchall()
        )
        return [(int(row[0]), HistoryRow(*row[1:])) for row in rows]

    def prune_history(self, before: int) -> None:
        """Forget history items older than ``before`` (CloudWatch keeps two weeks)."""
        self._writer.run(lambda cur: cur.execute("DELETE FROM alarm_history WHERE timestamp < ?", [before]))

    def reset(self) -> None:
        def wipe(cur: duckdb.DuckDBPyConnection) -> None:
            cur.execute("DELETE FROM alarms")
            cur.execute("DELETE FROM alarm_history")

        self._writer.run(wipe)
