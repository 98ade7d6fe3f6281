"""Document sharing permissions."""
