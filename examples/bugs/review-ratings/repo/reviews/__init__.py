"""Product review summaries."""
