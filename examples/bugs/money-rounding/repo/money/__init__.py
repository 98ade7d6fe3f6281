"""Money amounts for invoices and receipts."""
