-- CloudWatch alarms. A row per alarm: its configuration as PutMetricAlarm / PutCompositeAlarm left it (JSON,
-- AWS's member names), its state, the acknowledgement Vigil adds, and its tags. The serial writer makes name
-- checks atomic, so there is no unique index (DuckDB's indexes make updates of indexed rows awkward).
CREATE TABLE alarms (
    account_id VARCHAR NOT NULL,
    region VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    alarm_type VARCHAR NOT NULL,
    configuration VARCHAR NOT NULL,
    configuration_updated BIGINT NOT NULL,
    state_value VARCHAR NOT NULL,
    state_reason VARCHAR NOT NULL,
    state_reason_data VARCHAR,
    state_updated BIGINT NOT NULL,
    state_transitioned BIGINT NOT NULL,
    acknowledgement VARCHAR,
    tags VARCHAR NOT NULL
);
-- Every state change, configuration change and action, kept two weeks as CloudWatch keeps them; ``seq`` orders
-- items written in the same millisecond.
CREATE SEQUENCE alarm_history_seq;
CREATE TABLE alarm_history (
    seq BIGINT NOT NULL DEFAULT nextval('alarm_history_seq'),
    account_id VARCHAR NOT NULL,
    region VARCHAR NOT NULL,
    alarm_name VARCHAR NOT NULL,
    alarm_type VARCHAR NOT NULL,
    timestamp BIGINT NOT NULL,
    item_type VARCHAR NOT NULL,
    summary VARCHAR NOT NULL,
    data VARCHAR NOT NULL
);
