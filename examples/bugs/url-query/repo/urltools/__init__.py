"""URL helpers for the API client."""
