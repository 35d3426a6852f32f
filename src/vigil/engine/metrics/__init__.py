"""CloudWatch metrics: datapoints in, series listed, statistics out."""
