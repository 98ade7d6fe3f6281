"""Lookups in sorted sequences."""
