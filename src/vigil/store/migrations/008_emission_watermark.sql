-- Datapoints are drawn from events after they are committed (store/emitted_points.py): the last event id whose
-- datapoints are stored. Events stored before this migration had theirs drawn inside their own commit.
CREATE TABLE emission_watermark (last_event_id BIGINT NOT NULL);
INSERT INTO emission_watermark SELECT coalesce(max(event_id), 0) FROM log_events;
