"""Parse and convert timestamps that carry a fixed UTC offset (ISO 8601 style)."""
