"""Room schedule helpers."""
