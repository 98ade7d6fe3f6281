"""Invoice and VAT helpers."""
