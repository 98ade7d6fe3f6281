"""Circulation desk tools for the town library."""
