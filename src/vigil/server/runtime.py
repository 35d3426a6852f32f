"""The running server's parts, wired once: store, writer, engines, services and background jobs."""

from __future__ import annotations

from functools import partial

from vigil.config import Settings
from vigil.engine.logs.groups import LogGroups
from vigil.engine.logs.ingest import Ingest, IngestSettings
from vigil.engine.logs.metric_filters import MetricFilters
from vigil.engine.logs.reading import Reader
from vigil.engine.logs.retention import RetentionSweeper
from vigil.engine.metrics.embedded import EmbeddedMetricFormat
from vigil.engine.metrics.emitters import LogPointEmitters
from vigil.engine.metrics.lambda_reports import LambdaReports
from vigil.engine.metrics.rollups import MetricRollups
from vigil.engine.patterns.trial import PatternTrial
from vigil.engine.queries.definitions import QueryDefinitions
from vigil.engine.queries.insights import InsightsQueries
from vigil.engine.queries.records import LogRecords
from vigil.engine.queries.runner import QueryRunner
from vigil.server.faults import Faults
from vigil.server.services.base import Handler
from vigil.server.services.cloudwatch import CloudWatchService
from vigil.server.services.logs import LogsService
from vigil.server.services.logs_metric_filters import LogsMetricFiltersService
from vigil.server.services.logs_patterns import LogsPatternsService
from vigil.server.services.logs_queries import LogsQueriesService
from vigil.server.services.sns import SnsService
from vigil.store.database import Database
from vigil.store.emitted_points import EmittedPointsStore
from vigil.store.lambda_reports import group_names
from vigil.store.logs import LogsStore
from vigil.store.metric_filters import MetricFiltersStore
from vigil.store.metric_rollups import MetricRollupsStore
from vigil.store.metrics import MetricsStore
from vigil.store.patterns import PatternStore
from vigil.store.queries import QueriesStore
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
        self.queries_store = QueriesStore(self.database, self.writer)
        self.metrics_store = MetricsStore(self.database, self.writer)
        self.metric_filters = MetricFilters(MetricFiltersStore(self.database, self.writer), self.log_groups)
        self.log_metrics = LogPointEmitters(
            EmittedPointsStore(self.database, self.writer, self.metrics_store.series),
            self.writer,
            [self.metric_filters, EmbeddedMetricFormat(), LambdaReports(partial(group_names, self.database))],
        )
        # A filter applies to the events committed after it changes, not to those still waiting to be drawn.
        self.metric_filters.before_change = self.log_metrics.wait_current
        self.query_runner = QueryRunner(
            self.database, max_concurrent=settings.max_concurrent_queries, timeout_s=settings.query_timeout
        )
        queries = LogsQueriesService(
            self.log_groups,
            InsightsQueries(self.log_groups, self.query_runner),
            QueryDefinitions(self.queries_store),
            LogRecords(self.queries_store),
        )
        services = [
            LogsService(self.log_groups, self.ingest, self.reader, self.metric_filters.count),
            LogsMetricFiltersService(self.metric_filters),
            LogsPatternsService(PatternTrial(PatternStore(self.database))),
            queries,
            CloudWatchService(self.metrics_store, self.log_metrics.wait_current),
            SnsService(),
        ]
        # Several modules may serve one AWS service (Logs: groups and events, patterns, queries).
        self.handlers: dict[str, dict[str, Handler]] = {}
        for service in services:
            self.handlers.setdefault(service.name, {}).update(service.handlers())
        self.sweeper = RetentionSweeper(self.logs_store, settings.retention_interval)
        self.metric_rollups = MetricRollups(MetricRollupsStore(self.writer), settings.metric_rollup_interval)
        self.faults = Faults()

    def start(self) -> None:
        self.log_metrics.start()
        self.sweeper.start()
        self.metric_rollups.start()
        self.query_runner.start()

    def reset(self) -> None:
        self.log_metrics.wait_current()
        self.faults.clear()
        self.query_runner.reset()
        self.queries_store.reset()
        self.metrics_store.reset()
        self.metric_filters.reset()
        self.logs_store.reset()

    def close(self) -> None:
        # Queries first: they read through cursors of the database closed below.
        self.query_runner.close()
        self.sweeper.stop()
        self.metric_rollups.stop()
        self.log_metrics.stop()
        self.writer.close()
        self.database.close()
