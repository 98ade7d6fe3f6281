"""Inclusive date ranges for bookings."""
