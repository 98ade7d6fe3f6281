"""Search-box autocomplete."""
