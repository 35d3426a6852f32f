-- Facts ingest reads out of each message (store/event_fields.py): whether a non-object message may embed a
-- JSON object, and the values of the well-known keys of a JSON object message.
ALTER TABLE log_events ADD COLUMN json_fragment BOOLEAN;
ALTER TABLE log_events ADD COLUMN field_level VARCHAR;
ALTER TABLE log_events ADD COLUMN field_request_id VARCHAR;
ALTER TABLE log_events ADD COLUMN field_trace_id VARCHAR;
UPDATE log_events SET
    json_fragment = NOT (is_json AND message LIKE '{%}') AND contains(message, '{'),
    field_level = CASE WHEN is_json AND message LIKE '{%}' THEN json_extract(message, '$."level"')::VARCHAR END,
    field_request_id = CASE WHEN is_json AND message LIKE '{%}' THEN json_extract(message, '$."request_id"')::VARCHAR END,
    field_trace_id = CASE WHEN is_json AND message LIKE '{%}' THEN json_extract(message, '$."trace_id"')::VARCHAR END;
