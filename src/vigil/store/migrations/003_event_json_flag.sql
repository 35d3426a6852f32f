-- Whether an event's message is JSON, decided once at ingest: Insights field discovery and JSON filter
-- patterns then skip plain-text lines without validating every message on every query.
ALTER TABLE log_events ADD COLUMN is_json BOOLEAN;
UPDATE log_events SET is_json = json_valid(message);
