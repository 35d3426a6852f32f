"""CloudWatch Logs quotas and allowed values (PutLogEvents and PutRetentionPolicy API references)."""

RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
MAX_BATCH_BYTES = 1_048_576
EVENT_OVERHEAD_BYTES = 26
MAX_BATCH_EVENTS = 10_000
MAX_EVENT_BYTES = MAX_BATCH_BYTES - EVENT_OVERHEAD_BYTES  # "1 MB" per event, overhead included
MAX_BATCH_SPAN_MS = 24 * 3_600_000
MAX_FUTURE_MS = 2 * 3_600_000
MAX_AGE_MS = 14 * 86_400_000
MAX_PAGE_BYTES = 1_048_576
MAX_PAGE_EVENTS = 10_000
MAX_TAGS = 50
DAY_MS = 86_400_000
