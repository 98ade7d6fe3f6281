"""Layered application configuration."""
