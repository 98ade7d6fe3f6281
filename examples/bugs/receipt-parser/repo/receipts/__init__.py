"""Parse plain-text expense receipts typed in by staff."""
