"""Route planning on unweighted graphs."""
