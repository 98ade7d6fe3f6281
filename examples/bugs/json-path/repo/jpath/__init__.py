"""Dotted-path access into decoded JSON."""
