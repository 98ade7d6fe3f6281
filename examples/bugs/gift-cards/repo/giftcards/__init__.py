"""Gift-card ledger for the shop's point of sale."""
