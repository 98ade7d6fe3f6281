"""Unit conversions for the shipping and recipe forms."""
