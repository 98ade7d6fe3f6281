"""Tiny pure-Python matrix helpers."""
