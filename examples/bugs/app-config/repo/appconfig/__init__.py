"""Service settings."""
