-- Saved Logs Insights queries (PutQueryDefinition). Lists are JSON text, as log_groups.tags is.
CREATE TABLE query_definitions (
    id VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    region VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    query_string VARCHAR NOT NULL,
    query_language VARCHAR NOT NULL,
    log_group_names VARCHAR NOT NULL DEFAULT '[]',
    parameters VARCHAR NOT NULL DEFAULT '[]',
    client_token VARCHAR,
    last_modified BIGINT NOT NULL
);
