"""Small text layout helpers."""
