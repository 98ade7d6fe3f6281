"""Human-readable byte sizes."""
