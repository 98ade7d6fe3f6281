"""Bracket checking for the config linter."""
