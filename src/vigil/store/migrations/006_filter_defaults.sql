-- A metric filter's defaultValue datapoint stands for a quiet minute: marked, so that a match arriving in a
-- later batch of the same minute can take its place.
ALTER TABLE metric_points ADD COLUMN filter_default BOOLEAN NOT NULL DEFAULT false;
