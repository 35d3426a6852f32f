"""CloudWatch Logs semantics: groups and streams, ingest rules, reading with AWS's paging."""
