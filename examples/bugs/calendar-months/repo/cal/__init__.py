"""Calendar helpers for billing periods."""
