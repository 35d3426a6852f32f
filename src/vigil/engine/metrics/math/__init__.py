"""CloudWatch metric math for GetMetricData: lexer -> parser -> expression tree -> checks -> evaluation over
numpy arrays on the aligned period grid (docs/metrics.md, "Metric math")."""
