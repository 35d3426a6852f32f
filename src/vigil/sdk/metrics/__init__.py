"""Custom metrics from the application: values aggregated in memory and published with PutMetricData."""
