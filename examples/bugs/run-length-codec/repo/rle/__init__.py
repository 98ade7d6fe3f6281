"""Run-length encoding for sprite rows."""
