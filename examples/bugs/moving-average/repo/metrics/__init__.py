"""Time-series helpers for the dashboard."""
