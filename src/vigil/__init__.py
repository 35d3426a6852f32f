"""Vigil: self-hosted observability that speaks CloudWatch's wire protocols."""

__version__ = "0.1.0"
