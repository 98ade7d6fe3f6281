"""Text processing for the search index."""
