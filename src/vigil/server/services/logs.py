"""CloudWatch Logs operations: AWS request members in, engine calls, AWS response members out."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from vigil.engine.logs.groups import LogGroups
from vigil.engine.logs.ingest import Ingest
from vigil.engine.logs.reading import Reader
from vigil.engine.logs.scope import Scope
from vigil.server.services.base import Params, RequestContext, Result, Service, operation, with_next_token
from vigil.store.records import LogEvent, LogGroup, LogStream


def _group(scope: Scope, group: LogGroup, metric_filters: int) -> Result:
    arn = scope.log_group_arn(group.name)
    out: Result = {
        "logGroupName": group.name,
        "creationTime": group.creation_time,
        "metricFilterCount": metric_filters,
        "arn": f"{arn}:*",
        "storedBytes": group.stored_bytes,
        "logGroupClass": group.log_group_class,
        "logGroupArn": arn,
        "deletionProtectionEnabled": group.deletion_protection,
    }
    if group.retention_days is not None:
        out["retentionInDays"] = group.retention_days
    if group.kms_key_id:
        out["kmsKeyId"] = group.kms_key_id
    return out


def _stream(scope: Scope, group: LogGroup, stream: LogStream) -> Result:
    out: Result = {
        "logStreamName": stream.name,
        "creationTime": stream.creation_time,
        "arn": scope.log_stream_arn(group.name, stream.name),
        # AWS stopped reporting stream sizes on 2019-06-17: "always reported as zero" for log streams.
        "storedBytes": 0,
    }
    for key, value in (
        ("firstEventTimestamp", stream.first_event_time),
        ("lastEventTimestamp", stream.last_event_time),
        ("lastIngestionTime", stream.last_ingestion_time),
    ):
        if value is not None:
            out[key] = value
    return out


def _pattern_group(scope: Scope, group: LogGroup) -> Result:
    """DescribeLogGroups with ``logGroupNamePattern``: AWS documents that only ``arn``, ``creationTime``
    and ``logGroupName`` are included in the response."""
    return {
        "logGroupName": group.name,
        "creationTime": group.creation_time,
        "arn": f"{scope.log_group_arn(group.name)}:*",
    }


def _output_event(event: LogEvent) -> Result:
    return {"timestamp": event.timestamp, "message": event.message, "ingestionTime": event.ingestion_time}


def _filtered_event(event: LogEvent) -> Result:
    return {
        "logStreamName": event.stream_name,
        "timestamp": event.timestamp,
        "message": event.message,
        "ingestionTime": event.ingestion_time,
        "eventId": str(event.event_id),
    }


def _sequence_token() -> str:
    """An opaque token shaped like AWS's (a long decimal number); PutLogEvents never checks it."""
    return f"{secrets.randbelow(10**56):056d}"


class LogsService(Service):
    name = "logs"

    def __init__(
        self, groups: LogGroups, ingest: Ingest, reader: Reader, metric_filter_count: Callable[[int], int]
    ) -> None:
        self.groups = groups
        self.ingest = ingest
        self.reader = reader
        self.metric_filter_count = metric_filter_count

    # ---- log groups ------------------------------------------------------------------------------

    @operation("CreateLogGroup")
    def create_log_group(self, ctx: RequestContext, p: Params) -> Result:
        self.groups.create(
            ctx.scope,
            p["logGroupName"],
            kms_key_id=p.get("kmsKeyId"),
            group_class=p.get("logGroupClass"),
            tags=p.get("tags"),
            deletion_protection=p.get("deletionProtectionEnabled", False),
        )
        return {}

    @operation("DeleteLogGroup")
    def delete_log_group(self, ctx: RequestContext, p: Params) -> Result:
        self.groups.delete(ctx.scope, p["logGroupName"])
        return {}

    @operation("DescribeLogGroups")
    def describe_log_groups(self, ctx: RequestContext, p: Params) -> Result:
        page = self.groups.describe(
            ctx.scope,
            prefix=p.get("logGroupNamePrefix"),
            pattern=p.get("logGroupNamePattern"),
            identifiers=p.get("logGroupIdentifiers"),
            group_class=p.get("logGroupClass"),
            token=p.get("nextToken"),
            limit=p.get("limit", 50),
        )
        if p.get("logGroupNamePattern"):
            groups = [_pattern_group(ctx.scope, g) for g in page.items]
        else:
            groups = [_group(ctx.scope, g, self.metric_filter_count(g.id)) for g in page.items]
        out: Result = {"logGroups": groups}
        return with_next_token(out, page.next_token)

    @operation("ListLogGroups")
    def list_log_groups(self, ctx: RequestContext, p: Params) -> Result:
        page = self.groups.list(
            ctx.scope,
            pattern=p.get("logGroupNamePattern"),
            group_class=p.get("logGroupClass"),
            token=p.get("nextToken"),
            limit=p.get("limit", 50),
        )
        out: Result = {
            "logGroups": [
                {
                    "logGroupName": g.name,
                    "logGroupArn": ctx.scope.log_group_arn(g.name),
                    "logGroupClass": g.log_group_class,
                }
                for g in page.items
            ]
        }
        return with_next_token(out, page.next_token)

    @operation("PutRetentionPolicy")
    def put_retention_policy(self, ctx: RequestContext, p: Params) -> Result:
        self.groups.set_retention(ctx.scope, p["logGroupName"], p["retentionInDays"])
        return {}

    @operation("DeleteRetentionPolicy")
    def delete_retention_policy(self, ctx: RequestContext, p: Params) -> Result:
        self.groups.set_retention(ctx.scope, p["logGroupName"], None)
        return {}

    @operation("PutLogGroupDeletionProtection")
    def put_deletion_protection(self, ctx: RequestContext, p: Params) -> Result:
        self.groups.set_deletion_protection(ctx.scope, p["logGroupIdentifier"], p["deletionProtectionEnabled"])
        return {}

    # ---- tags ------------------------------------------------------------------------------------

    @operation("TagResource")
    def tag_resource(self, ctx: RequestContext, p: Params) -> Result:
        self.groups.tag(self.groups.group_for_arn(ctx.scope, p["resourceArn"]), p["tags"])
        return {}

    @operation("UntagResource")
    def untag_resource(self, ctx: RequestContext, p: Params) -> Result:
        self.groups.untag(self.groups.group_for_arn(ctx.scope, p["resourceArn"]), p["tagKeys"])
        return {}

    @operation("ListTagsForResource")
    def list_tags_for_resource(self, ctx: RequestContext, p: Params) -> Result:
        return {"tags": self.groups.group_for_arn(ctx.scope, p["resourceArn"]).tags}

    @operation("TagLogGroup")
    def tag_log_group(self, ctx: RequestContext, p: Params) -> Result:
        self.groups.tag(self.groups.get(ctx.scope, p["logGroupName"]), p["tags"])
        return {}

    @operation("UntagLogGroup")
    def untag_log_group(self, ctx: RequestContext, p: Params) -> Result:
        self.groups.untag(self.groups.get(ctx.scope, p["logGroupName"]), p["tags"])
        return {}

    @operation("ListTagsLogGroup")
    def list_tags_log_group(self, ctx: RequestContext, p: Params) -> Result:
        return {"tags": self.groups.get(ctx.scope, p["logGroupName"]).tags}

    # ---- log streams -----------------------------------------------------------------------------

    @operation("CreateLogStream")
    def create_log_stream(self, ctx: RequestContext, p: Params) -> Result:
        self.groups.create_stream(ctx.scope, p["logGroupName"], p["logStreamName"])
        return {}

    @operation("DeleteLogStream")
    def delete_log_stream(self, ctx: RequestContext, p: Params) -> Result:
        self.groups.delete_stream(ctx.scope, p["logGroupName"], p["logStreamName"])
        return {}

    @operation("DescribeLogStreams")
    def describe_log_streams(self, ctx: RequestContext, p: Params) -> Result:
        group = self.groups.resolve(ctx.scope, p.get("logGroupName"), p.get("logGroupIdentifier"))
        page = self.groups.describe_streams(
            group,
            prefix=p.get("logStreamNamePrefix"),
            order_by=p.get("orderBy"),
            descending=p.get("descending", False),
            token=p.get("nextToken"),
            limit=p.get("limit", 50),
        )
        out: Result = {"logStreams": [_stream(ctx.scope, group, s) for s in page.items]}
        return with_next_token(out, page.next_token)

    # ---- log events ------------------------------------------------------------------------------

    @operation("PutLogEvents")
    def put_log_events(self, ctx: RequestContext, p: Params) -> Result:
        rejected = self.ingest.put(ctx.scope, p["logGroupName"], p["logStreamName"], p["logEvents"])
        # The sequence token is ignored on input, but AWS still returns one and older clients read it.
        out: Result = {"nextSequenceToken": _sequence_token()}
        if not rejected:
            return out
        info = {}
        for key, value in (
            ("tooNewLogEventStartIndex", rejected.too_new_start),
            ("tooOldLogEventEndIndex", rejected.too_old_end),
            ("expiredLogEventEndIndex", rejected.expired_end),
        ):
            if value is not None:
                info[key] = value
        out["rejectedLogEventsInfo"] = info
        return out

    @operation("GetLogEvents")
    def get_log_events(self, ctx: RequestContext, p: Params) -> Result:
        group = self.groups.resolve(ctx.scope, p.get("logGroupName"), p.get("logGroupIdentifier"))
        page = self.reader.stream_events(
            ctx.scope,
            group,
            p["logStreamName"],
            start=p.get("startTime"),
            end=p.get("endTime"),
            token=p.get("nextToken"),
            limit=p.get("limit"),
            start_from_head=p.get("startFromHead", False),
        )
        return {
            "events": [_output_event(e) for e in page.events],
            "nextForwardToken": page.forward,
            "nextBackwardToken": page.backward,
        }

    @operation("FilterLogEvents")
    def filter_log_events(self, ctx: RequestContext, p: Params) -> Result:
        group = self.groups.resolve(ctx.scope, p.get("logGroupName"), p.get("logGroupIdentifier"))
        page = self.reader.filter_events(
            ctx.scope,
            group,
            stream_names=p.get("logStreamNames"),
            stream_prefix=p.get("logStreamNamePrefix"),
            start=p.get("startTime"),
            end=p.get("endTime"),
            pattern=p.get("filterPattern"),
            token=p.get("nextToken"),
            limit=p.get("limit"),
        )
        out: Result = {"events": [_filtered_event(e) for e in page.events], "searchedLogStreams": []}
        return with_next_token(out, page.next_token)
