"""The running server's parts, wired once: store, writer, engines, services and background jobs."""

from __future__ import annotations

from functools import partial

from vigil.config import Settings
from vigil.engine import clock
from vigil.engine.alarms.alarms import Alarms
from vigil.engine.alarms.datapoints import RangeReader
from vigil.engine.alarms.evaluation import AlarmEvaluation
from vigil.engine.alarms.ticker import AlarmTicker
from vigil.engine.logs.groups import LogGroups
from vigil.engine.logs.ingest import Ingest, IngestSettings
from vigil.engine.logs.metric_filters import MetricFilters
from vigil.engine.logs.reading import Reader
from vigil.engine.logs.retention import RetentionSweeper
from vigil.engine.metrics.embedded import EmbeddedMetricFormat
from vigil.engine.metrics.emitters import LogPointEmitters
from vigil.engine.metrics.lambda_reports import LambdaReports
from vigil.engine.metrics.rollups import MetricRollups
from vigil.engine.notifications.channels.base import Channel
from vigil.engine.notifications.channels.email import EmailChannel, SmtpSettings
from vigil.engine.notifications.channels.http import HttpChannel
from vigil.engine.notifications.channels.pagerduty import PagerDutyChannel
from vigil.engine.notifications.channels.slack import SlackChannel
from vigil.engine.notifications.delivery import DeliveryWorker
from vigil.engine.notifications.links import Links
from vigil.engine.notifications.publish import SnsPublisher
from vigil.engine.notifications.signing import Signer
from vigil.engine.notifications.subscriptions import Subscriptions
from vigil.engine.notifications.topics import Topics
from vigil.engine.patterns.trial import PatternTrial
from vigil.engine.queries.definitions import QueryDefinitions
from vigil.engine.queries.insights import InsightsQueries
from vigil.engine.queries.records import LogRecords
from vigil.engine.queries.runner import QueryRunner
from vigil.server.faults import Faults
from vigil.server.services.base import Handler
from vigil.server.services.cloudwatch import CloudWatchService
from vigil.server.services.cloudwatch_alarms import CloudWatchAlarmsService
from vigil.server.services.logs import LogsService
from vigil.server.services.logs_metric_filters import LogsMetricFiltersService
from vigil.server.services.logs_patterns import LogsPatternsService
from vigil.server.services.logs_queries import LogsQueriesService
from vigil.server.services.sns import SnsService
from vigil.store.alarm_points import AlarmPointsStore
from vigil.store.alarms import AlarmsStore
from vigil.store.database import Database
from vigil.store.emitted_points import EmittedPointsStore
from vigil.store.lambda_reports import group_names
from vigil.store.logs import LogsStore
from vigil.store.metric_filters import MetricFiltersStore
from vigil.store.metric_rollups import MetricRollupsStore
from vigil.store.metrics import MetricsStore
from vigil.store.patterns import PatternStore
from vigil.store.queries import QueriesStore
from vigil.store.sns import SnsStore
from vigil.store.sns_outbox import OutboxStore
from vigil.store.writer import Writer

SIGNING_FOLDER = "sns-signing"


def delivery_channels(settings: Settings, links: Links) -> dict[str, Channel]:
    """The channel of each SNS protocol: add a channel's instance to the list and its ``protocols`` are served.
    Rows of a protocol without a channel wait in the outbox."""
    signer = Signer(settings.data_dir / SIGNING_FOLDER)
    smtp = SmtpSettings(
        host=settings.smtp_host,
        port=settings.smtp_port,
        security=settings.smtp_security,  # type: ignore[arg-type]  # the CLI allows only the three choices
        username=settings.smtp_username or None,
        password=settings.smtp_password or None,
        sender=settings.smtp_from,
    )
    channels: list[Channel] = [
        HttpChannel(links, signer),
        EmailChannel(smtp, links, signer),
        SlackChannel(links),
        PagerDutyChannel(settings.pagerduty_events_url),
    ]
    return {protocol: channel for channel in channels for protocol in channel.protocols}


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
        self.sns_store = SnsStore(self.database, self.writer)
        self.sns_outbox = OutboxStore(self.database, self.writer)
        self.sns_links = Links((settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/"))
        self.sns_delivery = DeliveryWorker(
            self.sns_outbox, delivery_channels(settings, self.sns_links), delay_scale=settings.sns_retry_delay_scale
        )
        self.sns_topics = Topics(self.sns_store)
        self.sns_subscriptions = Subscriptions(self.sns_store, self.sns_delivery.wake)
        # What alarm actions publish through (engine/notifications/publishing.Publisher).
        self.sns = SnsPublisher(self.sns_store, self.sns_outbox, self.sns_topics, self.sns_delivery.wake)
        self.sns_service = SnsService(self.sns_topics, self.sns_subscriptions, self.sns)
        self.alarms = Alarms(AlarmsStore(self.database, self.writer), self.sns, clock.now_ms)
        self.alarm_evaluation = AlarmEvaluation(
            self.alarms,
            RangeReader(AlarmPointsStore(self.database), self.metrics_store, round(settings.alarm_tick * 1000)),
        )
        self.alarm_ticker = AlarmTicker(self.alarm_evaluation, settings.alarm_tick, clock.now_ms)
        services = [
            LogsService(self.log_groups, self.ingest, self.reader, self.metric_filters.count),
            LogsMetricFiltersService(self.metric_filters),
            LogsPatternsService(PatternTrial(PatternStore(self.database))),
            queries,
            CloudWatchService(self.metrics_store, self.log_metrics.wait_current),
            CloudWatchAlarmsService(self.alarms),
            self.sns_service,
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
        self.alarm_ticker.start()
        self.sns_delivery.start()

    def reset(self) -> None:
        self.log_metrics.wait_current()
        self.faults.clear()
        self.query_runner.reset()
        self.alarms.reset()
        self.queries_store.reset()
        self.metrics_store.reset()
        self.sns_store.reset()
        self.metric_filters.reset()
        self.logs_store.reset()

    def close(self) -> None:
        # Queries first: they read through cursors of the database closed below.
        self.query_runner.close()
        self.alarm_ticker.stop()
        self.sweeper.stop()
        self.metric_rollups.stop()
        self.log_metrics.stop()
        self.sns_delivery.stop()
        self.writer.close()
        self.database.close()
