"""Small HTTP helpers for the crawler."""
