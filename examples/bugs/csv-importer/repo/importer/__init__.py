"""Data importers for the CRM."""
