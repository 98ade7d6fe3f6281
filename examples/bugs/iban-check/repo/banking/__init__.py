"""Payment details validation."""
