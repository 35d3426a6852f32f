-- SNS (docs/sns.md): topics, subscriptions, the outbox of deliveries not yet made, and the dead letters of those
-- that finally failed. Attributes and tags are JSON objects of strings. Uniqueness (one topic per ARN, one
-- subscription per topic, protocol and endpoint) is kept by the single writer, as elsewhere.
CREATE TABLE sns_topics (
    arn VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    region VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    attributes VARCHAR NOT NULL,
    tags VARCHAR NOT NULL,
    subscriptions_deleted BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE SEQUENCE sns_subscription_seq;
CREATE TABLE sns_subscriptions (
    arn VARCHAR NOT NULL,
    seq BIGINT NOT NULL,
    topic_arn VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    region VARCHAR NOT NULL,
    protocol VARCHAR NOT NULL,
    endpoint VARCHAR NOT NULL,
    attributes VARCHAR NOT NULL,
    confirmed BOOLEAN NOT NULL,
    authenticated BOOLEAN NOT NULL DEFAULT false,
    token VARCHAR,
    token_expires BIGINT,
    created_at BIGINT NOT NULL
);
-- One row per delivery still to make; attempt is the number of the next attempt, due_at when it may be made
-- (epoch milliseconds). Protocol and endpoint are copied so that an UnsubscribeConfirmation can outlive its
-- subscription; a notification whose subscription is gone is dropped.
CREATE SEQUENCE sns_outbox_seq;
CREATE TABLE sns_outbox (
    id BIGINT NOT NULL,
    subscription_arn VARCHAR NOT NULL,
    topic_arn VARCHAR NOT NULL,
    protocol VARCHAR NOT NULL,
    endpoint VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    message_id VARCHAR NOT NULL,
    message VARCHAR NOT NULL,
    subject VARCHAR,
    attributes VARCHAR NOT NULL,
    timestamp VARCHAR NOT NULL,
    token VARCHAR,
    attempt INTEGER NOT NULL,
    due_at BIGINT NOT NULL,
    last_error VARCHAR,
    created_at BIGINT NOT NULL
);
CREATE TABLE sns_dead_letters (
    id BIGINT NOT NULL,
    subscription_arn VARCHAR NOT NULL,
    topic_arn VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    region VARCHAR NOT NULL,
    protocol VARCHAR NOT NULL,
    endpoint VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    message_id VARCHAR NOT NULL,
    message VARCHAR NOT NULL,
    subject VARCHAR,
    attributes VARCHAR NOT NULL,
    timestamp VARCHAR NOT NULL,
    attempts INTEGER NOT NULL,
    last_error VARCHAR,
    failed_at BIGINT NOT NULL
);
