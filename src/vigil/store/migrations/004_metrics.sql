-- CloudWatch metrics. A series is a namespace, a metric name and a full set of dimensions (canonical JSON,
-- sorted by name); its datapoints keep what PutMetricData sent: one value with its count, or a statistic set.
CREATE SEQUENCE metric_series_ids;
CREATE TABLE metric_series (
    series_id BIGINT PRIMARY KEY DEFAULT nextval('metric_series_ids'),
    account_id VARCHAR NOT NULL,
    region VARCHAR NOT NULL,
    namespace VARCHAR NOT NULL,
    metric_name VARCHAR NOT NULL,
    dimensions VARCHAR NOT NULL,
    last_put BIGINT NOT NULL,
    UNIQUE (account_id, region, namespace, metric_name, dimensions)
);
CREATE TABLE metric_points (
    series_id BIGINT NOT NULL,
    timestamp BIGINT NOT NULL,
    -- A raw value (Value, or one of Values with its Count): value is set, sample_count is its count.
    -- A StatisticValues set: value is NULL and the four statistics are set.
    value DOUBLE,
    sample_count DOUBLE NOT NULL,
    sum DOUBLE NOT NULL,
    minimum DOUBLE NOT NULL,
    maximum DOUBLE NOT NULL,
    unit VARCHAR NOT NULL,
    storage_resolution INTEGER NOT NULL
);
-- One row per dimension of a series, for ListMetrics' dimension filters.
CREATE TABLE metric_dimensions (
    series_id BIGINT NOT NULL,
    name VARCHAR NOT NULL,
    value VARCHAR NOT NULL
);
