"""A to-do board."""
