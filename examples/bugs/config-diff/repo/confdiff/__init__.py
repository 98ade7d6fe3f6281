"""Compare two versions of a nested settings dict before a deploy."""
