"""Helpers for loading spreadsheets exported as CSV."""
