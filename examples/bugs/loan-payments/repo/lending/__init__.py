"""Loan calculators for the budgeting app."""
