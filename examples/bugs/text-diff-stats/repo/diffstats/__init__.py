"""Change statistics for the code-review page."""
