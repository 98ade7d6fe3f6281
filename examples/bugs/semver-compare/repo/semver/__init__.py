"""Semantic version handling."""
