-- The period a datapoint was merged into by the rollups (60, 300 or 3600 seconds), 0 for a datapoint as it was
-- put. A bucket holding a row finer than the period its age calls for still needs merging: late data (put up to
-- two weeks back) and data that has just aged past a threshold are found by this column alone.
ALTER TABLE metric_points ADD COLUMN rollup_seconds INTEGER NOT NULL DEFAULT 0;
