-- CloudWatch Logs: groups, streams and events.
CREATE SEQUENCE log_group_ids START 1;
CREATE SEQUENCE log_stream_ids START 1;

CREATE TABLE log_groups (
    id BIGINT NOT NULL,
    account_id VARCHAR NOT NULL,
    region VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    creation_time BIGINT NOT NULL,
    retention_days INTEGER,
    kms_key_id VARCHAR,
    log_group_class VARCHAR NOT NULL,
    deletion_protection BOOLEAN NOT NULL DEFAULT false,
    tags VARCHAR NOT NULL DEFAULT '{}'
);

CREATE TABLE log_streams (
    id BIGINT NOT NULL,
    group_id BIGINT NOT NULL,
    name VARCHAR NOT NULL,
    creation_time BIGINT NOT NULL,
    first_event_time BIGINT,
    last_event_time BIGINT,
    last_ingestion_time BIGINT,
    stored_bytes BIGINT NOT NULL DEFAULT 0
);

-- event_id is assigned by the single writer, so (timestamp, event_id) orders a stream totally.
CREATE TABLE log_events (
    group_id BIGINT NOT NULL,
    stream_id BIGINT NOT NULL,
    event_id BIGINT NOT NULL,
    timestamp BIGINT NOT NULL,
    ingestion_time BIGINT NOT NULL,
    message VARCHAR NOT NULL
);
