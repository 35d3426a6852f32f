-- Facts about each event decided once at ingest, so that queries need not read every message again:
-- whether the message is JSON (Insights field discovery and JSON filter patterns skip plain-text lines
-- without validating them) and its size in bytes (bytesScanned, stored bytes).
ALTER TABLE log_events ADD COLUMN is_json BOOLEAN;
ALTER TABLE log_events ADD COLUMN size INTEGER;
UPDATE log_events SET is_json = json_valid(message), size = strlen(message);
