"""Shipping records to CloudWatch Logs or a Vigil server: the same code, the endpoint decides."""
