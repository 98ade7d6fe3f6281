"""Human-readable durations."""
