"""CloudWatch alarms: configuration, CloudWatch's evaluation, actions and history (docs/alarms.md)."""
