"""Descriptive statistics for latency reports."""
