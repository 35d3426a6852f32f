"""The Logs Insights API around the query language: the background query runner, StartQuery's targets,
saved query definitions, log records and log group fields."""
