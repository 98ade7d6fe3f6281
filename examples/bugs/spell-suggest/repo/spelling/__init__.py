"""Search-box helpers."""
