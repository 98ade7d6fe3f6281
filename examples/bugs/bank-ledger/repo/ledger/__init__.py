"""A toy bank ledger."""
