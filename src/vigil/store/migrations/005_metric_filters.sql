-- Metric filters (PutMetricFilter): a filter pattern over a log group and the one metric transformation
-- AWS allows per filter. Dimensions are JSON text: {"dimension name": "$field"}.
CREATE TABLE metric_filters (
    group_id BIGINT NOT NULL,
    name VARCHAR NOT NULL,
    pattern VARCHAR NOT NULL,
    metric_name VARCHAR NOT NULL,
    metric_namespace VARCHAR NOT NULL,
    metric_value VARCHAR NOT NULL,
    default_value DOUBLE,
    dimensions VARCHAR NOT NULL DEFAULT '{}',
    unit VARCHAR,
    creation_time BIGINT NOT NULL,
    PRIMARY KEY (group_id, name)
);
