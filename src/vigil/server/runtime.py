"""The running server's parts, wired once: store, writer, engines, services and background jobs."""

from __future__ import annotations

from vigil.config import Settings
from vigil.engine.logs.groups import LogGroups
from vigil.engine.logs.ingest import Ingest, IngestSettings
from vigil.engine.logs.reading import Reader
from vigil.engine.logs.retention import RetentionSweeper
from vigil.server.services.base import Handler
from vigil.server.services.cloudwatch import CloudWatchService
from vigil.server.services.logs import LogsService
from vigil.server.services.sns import SnsService
from vigil.store.database import Database
from vigil.store.logs import LogsStore
from vigil.store.writer import Writer


class Runtime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.database = Database(settings.data_dir, memory_limit=settings.memory_limit)
        self.writer = Writer(self.database)
        self.logs_store = LogsStore(self.database, self.writer)
        self.log_groups = LogGroups(self.logs_store)
        self.ingest = Ingest(self.log_groups, IngestSettings(max_event_bytes=settings.max_event_bytes))
        self.reader = Reader(self.log_groups)
        services = [LogsService(self.log_groups, self.ingest, self.reader), CloudWatchService(), SnsService()]
        # Several modules may serve one AWS service (Logs: groups and events, patterns, queries).
        self.handlers: dict[str, dict[str, Handler]] = {}
        for service in services:
            self.handlers.setdefault(service.name, {}).update(service.handlers())
        self.sweeper = RetentionSweeper(self.logs_store, settings.retention_interval)

    def start(self) -> None:
        self.sweeper.start()

    def reset(self) -> None:
        self.logs_store.reset()

    def close(self) -> None:
        self.sweeper.stop()
        self.writer.close()
        self.database.close()
