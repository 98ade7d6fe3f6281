"""The recipe box."""
