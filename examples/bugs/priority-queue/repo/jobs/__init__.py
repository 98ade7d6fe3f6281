"""Background job scheduling."""
