"""Sales reporting."""
